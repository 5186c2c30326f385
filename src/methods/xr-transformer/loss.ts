/**
 * The pieces of one matcher stage that the tape does not have: the scores of each instance's
 * active nodes under a linear head, and the (weighted) hinge losses of the reference code.
 *
 * A head is a table H (K × (d+1)): row k holds node k's weights and, in its last column, its bias,
 * so z_ik = ⟨e_i, H[k, :d]⟩ + H[k, d]. Active nodes come as a CSR over the batch rows (`ptr`,
 * `nodes`), positives first within a row.
 */
import { needsGrad, record } from "../../nn/tape.js";
import { Tensor } from "../../nn/tensor.js";
import type { XrtLoss } from "./params.js";

/** z[p] for every active slot p of every row (shape [ptr[B]]). */
export function activeScores(e: Tensor, head: Tensor, ptr: Int32Array, nodes: Int32Array): Tensor {
  const B = e.shape[0], d = e.shape[1];
  if (head.shape[1] !== d + 1) throw new RangeError(`activeScores: head rows have ${head.shape[1]} columns, expected ${d + 1}`);
  if (ptr.length !== B + 1) throw new RangeError(`activeScores: ${ptr.length - 1} rows of active nodes for ${B} embeddings`);
  const P = ptr[B], w = head.data, x = e.data, D = d + 1;
  const out = Tensor.zeros([P]);
  const z = out.data;
  for (let i = 0; i < B; i++) {
    const xo = i * d;
    for (let p = ptr[i]; p < ptr[i + 1]; p++) {
      const wo = nodes[p] * D;
      let s = w[wo + d];
      for (let j = 0; j < d; j++) s += x[xo + j] * w[wo + j];
      z[p] = s;
    }
  }
  if (needsGrad(e, head)) {
    record(out, () => {
      const g = out.grad!;
      const aug = new Float32Array(D);
      aug[d] = 1;
      const ge = e.requiresGrad ? e.gradBuffer() : null;
      for (let i = 0; i < B; i++) {
        const xo = i * d;
        aug.set(x.subarray(xo, xo + d));
        for (let p = ptr[i]; p < ptr[i + 1]; p++) {
          const gp = g[p];
          if (gp === 0) continue;
          const wo = nodes[p] * D;
          if (ge) for (let j = 0; j < d; j++) ge[xo + j] += gp * w[wo + j];
          if (head.requiresGrad) head.addGradRow(nodes[p], aug, 0, gp);
        }
      }
    });
  }
  return out;
}

/**
 * The stage loss: per row i, (1/n_i) Σ_p w_p · max(0, 1 − ỹ_p z_p)^q over its n_i active slots,
 * averaged over the rows; ỹ = +1 where counts[p] > 0, else −1; q = 2 for the squared hinges;
 * w_p = counts[p] for the positives of the weighted losses, 1 otherwise.
 */
export function activeHingeLoss(z: Tensor, ptr: Int32Array, counts: Float32Array, loss: XrtLoss): Tensor {
  const B = ptr.length - 1, s = z.data;
  const squared = loss === "weighted-squared-hinge" || loss === "squared-hinge";
  const weighted = loss === "weighted-squared-hinge" || loss === "weighted-hinge";
  let total = 0;
  for (let i = 0; i < B; i++) {
    const n = ptr[i + 1] - ptr[i];
    if (n === 0) continue;
    let r = 0;
    for (let p = ptr[i]; p < ptr[i + 1]; p++) {
      const y = counts[p] > 0 ? 1 : -1;
      const m = 1 - y * s[p];
      if (m <= 0) continue;
      const w = weighted && y > 0 ? counts[p] : 1;
      r += w * (squared ? m * m : m);
    }
    total += r / n;
  }
  const out = Tensor.from([total / Math.max(1, B)], []);
  if (needsGrad(z)) {
    record(out, () => {
      const g0 = out.grad![0] / Math.max(1, B), gz = z.gradBuffer();
      for (let i = 0; i < B; i++) {
        const n = ptr[i + 1] - ptr[i];
        for (let p = ptr[i]; p < ptr[i + 1]; p++) {
          const y = counts[p] > 0 ? 1 : -1;
          const m = 1 - y * s[p];
          if (m <= 0) continue;
          const w = weighted && y > 0 ? counts[p] : 1;
          gz[p] += (g0 / n) * w * (squared ? -2 * m * y : -y);
        }
      }
    });
  }
  return out;
}

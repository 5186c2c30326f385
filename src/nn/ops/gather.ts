/**
 * Row gather and scatter-add over 2-D tensors. `gatherRows` from a `sparseGrad` table gives it a
 * row-sparse gradient (how a shortlist of output-label rows is scored without sweeping them all).
 */
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

function dims2(x: Tensor, what: string): [number, number] {
  if (x.rank !== 2) throw new RangeError(`${what}: expected a 2-D tensor, got [${x.shape.join(", ")}]`);
  return [x.shape[0], x.shape[1]];
}

/** out[i] = x[ids[i]] (shape ids.length × D). */
export function gatherRows(x: Tensor, ids: Int32Array): Tensor {
  const [R, D] = dims2(x, "gatherRows");
  for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= R) throw new RangeError(`gatherRows: row ${ids[i]} outside [0, ${R})`);
  const out = Tensor.zeros([ids.length, D]);
  const y = out.data, v = x.data;
  for (let i = 0; i < ids.length; i++) y.set(v.subarray(ids[i] * D, ids[i] * D + D), i * D);
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!;
      for (let i = 0; i < ids.length; i++) x.addGradRow(ids[i], g, i * D);
    });
  }
  return out;
}

/** out (numRows × D) = 0, then out[ids[i]] += src[i] for every row i of `src`. */
export function scatterAddRows(src: Tensor, ids: Int32Array, numRows: number): Tensor {
  const [n, D] = dims2(src, "scatterAddRows");
  if (ids.length !== n) throw new RangeError(`scatterAddRows: ${ids.length} ids for ${n} rows`);
  for (let i = 0; i < n; i++) if (ids[i] < 0 || ids[i] >= numRows) throw new RangeError(`scatterAddRows: row ${ids[i]} outside [0, ${numRows})`);
  const out = Tensor.zeros([numRows, D]);
  const y = out.data, v = src.data;
  for (let i = 0; i < n; i++) {
    const o = ids[i] * D, s = i * D;
    for (let j = 0; j < D; j++) y[o + j] += v[s + j];
  }
  if (needsGrad(src)) {
    record(out, () => {
      const g = out.grad!, gs = src.gradBuffer();
      for (let i = 0; i < n; i++) {
        const o = ids[i] * D, s = i * D;
        for (let j = 0; j < D; j++) gs[s + j] += g[o + j];
      }
    });
  }
  return out;
}

/**
 * Row-wise L2 normalisation (PyTorch's `F.normalize(x, p = 2, dim = -1, eps)`): every row of the
 * last dimension is divided by max(‖row‖₂, eps), so cosine similarities become dot products.
 */
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/**
 * y = x / max(‖x‖, eps) for every row x of the last dimension (rows = all leading dimensions;
 * normally x is [n, d]). A row whose norm is at most `eps` (an all-zero row) is divided by
 * `eps` instead, which keeps it finite (zero stays zero).
 *
 * Backward, per row with n = ‖x‖ > eps: ∂L/∂x = (g − y·(g·y)) / n (the component of the upstream
 * gradient g orthogonal to y, scaled by 1/n); for a clipped row: g / eps.
 */
export function l2NormalizeRows(x: Tensor, eps = 1e-12): Tensor {
  if (x.rank < 1) throw new RangeError("l2NormalizeRows: needs at least one dimension");
  if (!(eps > 0)) throw new RangeError(`l2NormalizeRows: eps must be > 0, got ${eps}`);
  const D = x.shape[x.rank - 1];
  const rows = D === 0 ? 0 : x.size / D;
  const out = Tensor.zeros(x.shape);
  const inv = new Float64Array(rows); // 1 / max(‖x_r‖, eps)
  const clipped = new Uint8Array(rows);
  const v = x.data, y = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let s = 0;
    for (let j = 0; j < D; j++) s += v[o + j] * v[o + j];
    const n = Math.sqrt(s);
    const c = n > eps ? 0 : 1;
    const iv = 1 / (c ? eps : n);
    inv[r] = iv;
    clipped[r] = c;
    for (let j = 0; j < D; j++) y[o + j] = v[o + j] * iv;
  }
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let r = 0; r < rows; r++) {
        const o = r * D, iv = inv[r];
        if (clipped[r]) {
          for (let j = 0; j < D; j++) gx[o + j] += g[o + j] * iv;
          continue;
        }
        // y recomputed from x in float64 (not read back from the possibly float32 output)
        let gy = 0;
        for (let j = 0; j < D; j++) gy += g[o + j] * v[o + j] * iv;
        for (let j = 0; j < D; j++) gx[o + j] += (g[o + j] - v[o + j] * iv * gy) * iv;
      }
    });
  }
  return out;
}

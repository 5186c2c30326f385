/** Softmax family over the last dimension: `softmax`, `logSoftmax`, `logSumExp`. */
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

function lastDim(x: Tensor, what: string): [number, number] {
  if (x.rank < 1) throw new RangeError(`${what}: needs at least one dimension`);
  const d = x.shape[x.rank - 1];
  return [d === 0 ? 0 : x.size / d, d];
}

/** softmax(x) along the last dimension (max-shifted, stable). */
export function softmax(x: Tensor): Tensor {
  const [rows, d] = lastDim(x, "softmax");
  const out = Tensor.zeros(x.shape);
  const v = x.data, y = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let m = -Infinity;
    for (let j = 0; j < d; j++) if (v[o + j] > m) m = v[o + j];
    let s = 0;
    for (let j = 0; j < d; j++) {
      const e = Math.exp(v[o + j] - m);
      y[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < d; j++) y[o + j] *= inv;
  }
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += g[o + j] * y[o + j];
        for (let j = 0; j < d; j++) gx[o + j] += y[o + j] * (g[o + j] - dot);
      }
    });
  }
  return out;
}

/** Row-wise log Σ exp over the last dimension into `lse` (one value per row). */
function rowLse(v: Float32Array, rows: number, d: number, lse: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let m = -Infinity;
    for (let j = 0; j < d; j++) if (v[o + j] > m) m = v[o + j];
    if (m === -Infinity) {
      lse[r] = -Infinity;
      continue;
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.exp(v[o + j] - m);
    lse[r] = m + Math.log(s);
  }
}

/** log Σ_j exp(x_j) along the last dimension (that dimension removed). */
export function logSumExp(x: Tensor): Tensor {
  const [rows, d] = lastDim(x, "logSumExp");
  const lse = new Float64Array(rows);
  rowLse(x.data, rows, d, lse);
  const out = Tensor.from(lse, x.shape.slice(0, -1));
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer(), v = x.data;
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        if (lse[r] === -Infinity) continue;
        for (let j = 0; j < d; j++) gx[o + j] += g[r] * Math.exp(v[o + j] - lse[r]);
      }
    });
  }
  return out;
}

/** log softmax(x) along the last dimension. */
export function logSoftmax(x: Tensor): Tensor {
  const [rows, d] = lastDim(x, "logSoftmax");
  const lse = new Float64Array(rows);
  rowLse(x.data, rows, d, lse);
  const out = Tensor.zeros(x.shape);
  const v = x.data, y = out.data;
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) y[r * d + j] = v[r * d + j] - lse[r];
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += g[o + j];
        for (let j = 0; j < d; j++) gx[o + j] += g[o + j] - Math.exp(y[o + j]) * s;
      }
    });
  }
  return out;
}

import { type Csr, transpose } from "../core/csr.js";

/**
 * PIFA label embeddings: Z = rownorm2((rownorm2(Y))ᵀ · X).
 * Each label is the sum of its positive instances' feature rows, instance i weighted
 * by 1/‖y_i‖₂, then L2-normalised. Labels without positives get an empty row.
 * Y is N × L (0/1), X is N × d. Result: L × d CSR with sorted indices.
 */
export function pifa(X: Csr, Y: Csr): Csr {
  const L = Y.cols;
  const d = X.cols;
  const Yt = transpose(Y); // L × N
  const rowWeight = new Float32Array(Y.rows);
  for (let i = 0; i < Y.rows; i++) {
    const c = Y.indptr[i + 1] - Y.indptr[i];
    rowWeight[i] = c > 0 ? 1 / Math.sqrt(c) : 0;
  }
  const acc = new Float64Array(d);
  const mark = new Uint8Array(d);
  const touched = new Int32Array(d);
  // the output grows in place (doubling): no per-label arrays
  const indptr = new Int32Array(L + 1);
  let indices = new Int32Array(Math.max(1024, X.indptr[X.rows]));
  let data = new Float32Array(indices.length);
  let total = 0;
  for (let l = 0; l < L; l++) {
    let nt = 0;
    for (let q = Yt.indptr[l]; q < Yt.indptr[l + 1]; q++) {
      const i = Yt.indices[q];
      const w = rowWeight[i];
      for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) {
        const f = X.indices[k];
        if (!mark[f]) {
          mark[f] = 1;
          touched[nt++] = f;
        }
        acc[f] += w * X.data[k];
      }
    }
    if (total + nt > indices.length) {
      const size = Math.max(total + nt, Math.ceil(indices.length * 1.5));
      const ni = new Int32Array(size);
      ni.set(indices.subarray(0, total));
      indices = ni;
      const nd = new Float32Array(size);
      nd.set(data.subarray(0, total));
      data = nd;
    }
    const idx = indices.subarray(total, total + nt);
    idx.set(touched.subarray(0, nt));
    idx.sort();
    const val = data.subarray(total, total + nt);
    let s = 0;
    for (let k = 0; k < nt; k++) {
      const v = acc[idx[k]];
      s += v * v;
      val[k] = v;
      acc[idx[k]] = 0;
      mark[idx[k]] = 0;
    }
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = 0; k < nt; k++) val[k] *= inv;
    }
    total += nt;
    indptr[l + 1] = total;
  }
  return { rows: L, cols: d, indptr, indices: indices.slice(0, total), data: data.slice(0, total) };
}

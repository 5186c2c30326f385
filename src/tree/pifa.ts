import { type Csr, transpose } from "../core/csr.js";

/**
 * PIFA label embeddings: Z = rownorm2((rownorm2(Y))ᵀ · X).
 * Each label is the sum of its positive instances' feature rows, instance i weighted
 * by 1/‖y_i‖₂, then L2-normalised. Labels without positives get an empty row.
 * Y is N × L (0/1), X is N × d. Result: L × d CSR with sorted indices.
 *
 * Two passes over the labels: the first counts each label's distinct features, so the output
 * arrays are allocated once at their final size (in SharedArrayBuffers with `shared`, for worker
 * threads to read without a copy); no per-label arrays.
 */
export function pifa(X: Csr, Y: Csr, o: { shared?: boolean } = {}): Csr {
  const L = Y.cols;
  const d = X.cols;
  const Yt = transpose(Y); // L × N
  const rowWeight = new Float32Array(Y.rows);
  for (let i = 0; i < Y.rows; i++) {
    const c = Y.indptr[i + 1] - Y.indptr[i];
    rowWeight[i] = c > 0 ? 1 / Math.sqrt(c) : 0;
  }
  const mark = new Uint8Array(d);
  const touched = new Int32Array(d);
  // pass 1: distinct features per label
  const indptr = new Int32Array(L + 1);
  for (let l = 0; l < L; l++) {
    let nt = 0;
    for (let q = Yt.indptr[l]; q < Yt.indptr[l + 1]; q++) {
      const i = Yt.indices[q];
      for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) {
        const f = X.indices[k];
        if (!mark[f]) {
          mark[f] = 1;
          touched[nt++] = f;
        }
      }
    }
    for (let k = 0; k < nt; k++) mark[touched[k]] = 0;
    indptr[l + 1] = indptr[l] + nt;
  }
  const total = indptr[L];
  const indices = o.shared ? new Int32Array(new SharedArrayBuffer(total * 4)) : new Int32Array(total);
  const data = o.shared ? new Float32Array(new SharedArrayBuffer(total * 4)) : new Float32Array(total);
  // pass 2: the weighted sums, written in place
  const acc = new Float64Array(d);
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
    const at = indptr[l];
    const idx = indices.subarray(at, at + nt);
    idx.set(touched.subarray(0, nt));
    idx.sort();
    const val = data.subarray(at, at + nt);
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
  }
  return { rows: L, cols: d, indptr, indices, data };
}

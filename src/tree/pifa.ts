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
  const outIdx: Int32Array[] = [];
  const outVal: Float32Array[] = [];
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
    const idx = touched.slice(0, nt).sort();
    const val = new Float32Array(nt);
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
    outIdx.push(idx);
    outVal.push(val);
    total += nt;
  }
  const indptr = new Int32Array(L + 1);
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  for (let l = 0; l < L; l++) {
    indptr[l + 1] = indptr[l] + outIdx[l].length;
    indices.set(outIdx[l], indptr[l]);
    data.set(outVal[l], indptr[l]);
  }
  return { rows: L, cols: d, indptr, indices, data };
}

import { type Csr, toShared, transpose } from "../core/csr.js";

/**
 * What PIFA reads besides X: the label → instances lists (Yᵀ, only its pattern is used) and each
 * instance's weight 1/‖y_i‖₂. Plain arrays, SharedArrayBuffer-backed with `shared` (for workers).
 */
export interface PifaInputs {
  YtPtr: Int32Array;
  YtIdx: Int32Array;
  rowWeight: Float32Array;
}

export function pifaInputs(Y: Csr, shared = false): PifaInputs {
  const Yt = shared ? toShared(transpose(Y)) : transpose(Y); // L × N
  const rowWeight = shared ? new Float32Array(new SharedArrayBuffer(Math.max(4, 4 * Y.rows)), 0, Y.rows) : new Float32Array(Y.rows);
  for (let i = 0; i < Y.rows; i++) {
    const c = Y.indptr[i + 1] - Y.indptr[i];
    rowWeight[i] = c > 0 ? 1 / Math.sqrt(c) : 0;
  }
  return { YtPtr: Yt.indptr, YtIdx: Yt.indices, rowWeight };
}

/** Pass 1 of PIFA for labels l0..l1-1: each label's number of distinct features into counts[l + 1]. */
export function pifaCounts(X: Csr, inp: PifaInputs, l0: number, l1: number, counts: Int32Array): void {
  const mark = new Uint8Array(X.cols);
  const touched = new Int32Array(X.cols);
  const { YtPtr, YtIdx } = inp;
  for (let l = l0; l < l1; l++) {
    let nt = 0;
    for (let q = YtPtr[l]; q < YtPtr[l + 1]; q++) {
      const i = YtIdx[q];
      for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) {
        const f = X.indices[k];
        if (!mark[f]) {
          mark[f] = 1;
          touched[nt++] = f;
        }
      }
    }
    for (let k = 0; k < nt; k++) mark[touched[k]] = 0;
    counts[l + 1] = nt;
  }
}

/** Pass 2 of PIFA for labels l0..l1-1: the normalised weighted sums, written in place at indptr[l]. */
export function pifaFill(X: Csr, inp: PifaInputs, l0: number, l1: number, indptr: Int32Array, indices: Int32Array, data: Float32Array): void {
  const d = X.cols;
  const mark = new Uint8Array(d);
  const touched = new Int32Array(d);
  const acc = new Float64Array(d);
  const { YtPtr, YtIdx, rowWeight } = inp;
  for (let l = l0; l < l1; l++) {
    let nt = 0;
    for (let q = YtPtr[l]; q < YtPtr[l + 1]; q++) {
      const i = YtIdx[q];
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
}

function pifaOutput(L: number, indptr: Int32Array, shared: boolean): { indices: Int32Array; data: Float32Array } {
  for (let l = 0; l < L; l++) indptr[l + 1] += indptr[l];
  const total = indptr[L];
  return {
    indices: shared ? new Int32Array(new SharedArrayBuffer(Math.max(4, total * 4)), 0, total) : new Int32Array(total),
    data: shared ? new Float32Array(new SharedArrayBuffer(Math.max(4, total * 4)), 0, total) : new Float32Array(total),
  };
}

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
  const inp = pifaInputs(Y);
  const indptr = new Int32Array(L + 1);
  pifaCounts(X, inp, 0, L, indptr);
  const { indices, data } = pifaOutput(L, indptr, o.shared ?? false);
  pifaFill(X, inp, 0, L, indptr, indices, data);
  return { rows: L, cols: X.cols, indptr, indices, data };
}

/** One pass of PIFA over labels l0..l1-1, as a worker runs it (X is the worker's own shared copy). */
export type PifaTask =
  | { pass: "count"; inp: PifaInputs; l0: number; l1: number; indptr: Int32Array }
  | { pass: "fill"; inp: PifaInputs; l0: number; l1: number; indptr: Int32Array; indices: Int32Array; data: Float32Array };

export function runPifaTask(X: Csr, t: PifaTask): void {
  if (t.pass === "count") pifaCounts(X, t.inp, t.l0, t.l1, t.indptr);
  else pifaFill(X, t.inp, t.l0, t.l1, t.indptr, t.indices, t.data);
}

/**
 * {@link pifa} on worker threads that hold X (shared): the labels are cut into ranges of about
 * equal work (non-zeros of their instances' rows), each pass runs the ranges in parallel and
 * writes into shared arrays. Same result as pifa(X, Y, { shared: true }), bit for bit.
 */
export async function pifaParallel(X: Csr, Y: Csr, run: (t: PifaTask) => Promise<unknown>, threads: number): Promise<Csr> {
  const L = Y.cols;
  const inp = pifaInputs(Y, true);
  const share = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(Math.max(4, 4 * n)), 0, n);
  // label ranges of about equal work, a few per thread so that uneven ones even out
  let work = 0;
  const cost = new Float64Array(L + 1);
  for (let l = 0; l < L; l++) {
    for (let q = inp.YtPtr[l]; q < inp.YtPtr[l + 1]; q++) {
      const i = inp.YtIdx[q];
      work += X.indptr[i + 1] - X.indptr[i] + 1;
    }
    cost[l + 1] = work;
  }
  const pieces = Math.max(1, Math.min(L, 4 * threads));
  const bounds = [0];
  for (let k = 1, l = 0; k < pieces; k++) {
    while (l < L && cost[l] < (work * k) / pieces) l++;
    if (l > bounds[bounds.length - 1]) bounds.push(l);
  }
  bounds.push(L);
  const ranges = bounds.slice(1).map((l1, k) => [bounds[k], l1] as const).filter(([a, b]) => b > a);
  const indptr = share(L + 1);
  await Promise.all(ranges.map(([l0, l1]) => run({ pass: "count", inp, l0, l1, indptr })));
  const { indices, data } = pifaOutput(L, indptr, true);
  await Promise.all(ranges.map(([l0, l1]) => run({ pass: "fill", inp, l0, l1, indptr, indices, data })));
  return { rows: L, cols: X.cols, indptr, indices, data };
}

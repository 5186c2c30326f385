/**
 * Compressed sparse row matrices on typed arrays. Rows hold sorted column indices.
 */
import { sharedCopy } from "./shared.js";

export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array; // rows + 1
  indices: Int32Array; // nnz
  data: Float32Array; // nnz
}

export function nnz(m: Csr): number {
  return m.indptr[m.rows];
}

/** Build a CSR matrix from per-row index/value lists (indices need not be sorted; duplicates are summed). */
export function csrFromRows(cols: number, rowIdx: ArrayLike<number>[], rowVal?: ArrayLike<number>[]): Csr {
  const rows = rowIdx.length;
  const indptr = new Int32Array(rows + 1);
  let total = 0;
  for (let i = 0; i < rows; i++) total += rowIdx[i].length;
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const idx = rowIdx[i];
    const val = rowVal ? rowVal[i] : null;
    const n = idx.length;
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => idx[a] - idx[b]);
    let last = -1;
    for (const k of order) {
      const c = idx[k];
      const v = val ? val[k] : 1;
      if (c === last) {
        data[p - 1] += v;
      } else {
        indices[p] = c;
        data[p] = v;
        p++;
        last = c;
      }
    }
    indptr[i + 1] = p;
  }
  return { rows, cols, indptr, indices: indices.slice(0, p), data: data.slice(0, p) };
}

/**
 * Counting sort of positions by key: `order` lists the positions 0..keys.length-1 grouped by
 * key (0 ≤ key < nGroups), ascending within a group, and group g occupies order[ptr[g], ptr[g+1]).
 * It turns a "position → group" array into a "group → positions" CSR.
 */
export function groupBy(keys: ArrayLike<number>, nGroups: number): { ptr: Int32Array; order: Int32Array } {
  const n = keys.length;
  const ptr = new Int32Array(nGroups + 1);
  for (let k = 0; k < n; k++) ptr[keys[k] + 1]++;
  for (let g = 0; g < nGroups; g++) ptr[g + 1] += ptr[g];
  const next = ptr.slice(0, nGroups);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[next[keys[k]]++] = k;
  return { ptr, order };
}

/**
 * Transpose of a sparsity pattern (rows × cols, row offsets `indptr`, column ids `indices`):
 * for every column the rows holding it, ascending (`ptr` cols + 1 offsets into `idx`), and
 * `order`, the position in `indices` each entry came from (to carry values along).
 */
export function transposePattern(indptr: Int32Array, indices: Int32Array, rows: number, cols: number): { ptr: Int32Array; idx: Int32Array; order: Int32Array } {
  const nz = indptr[rows];
  const { ptr, order } = groupBy(indices.subarray(0, nz), cols);
  const rowOf = new Int32Array(nz);
  for (let r = 0; r < rows; r++) rowOf.fill(r, indptr[r], indptr[r + 1]);
  const idx = new Int32Array(nz);
  for (let q = 0; q < nz; q++) idx[q] = rowOf[order[q]];
  return { ptr, idx, order };
}

/** Transpose (also converts CSR <-> CSC). Output rows hold sorted indices. */
export function transpose(m: Csr): Csr {
  const { ptr, idx, order } = transposePattern(m.indptr, m.indices, m.rows, m.cols);
  const data = new Float32Array(order.length);
  for (let q = 0; q < order.length; q++) data[q] = m.data[order[q]];
  return { rows: m.cols, cols: m.rows, indptr: ptr, indices: idx, data };
}

/** Scale every row to unit L2 norm in place (rows with zero norm are left unchanged). */
export function normalizeRowsL2(m: Csr): Csr {
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) s += m.data[k] * m.data[k];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) m.data[k] *= inv;
    }
  }
  return m;
}

/** Select rows (in the given order). */
export function selectRows(m: Csr, rows: ArrayLike<number>): Csr {
  const n = rows.length;
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    indptr[i + 1] = indptr[i] + (m.indptr[r + 1] - m.indptr[r]);
  }
  const indices = new Int32Array(indptr[n]);
  const data = new Float32Array(indptr[n]);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const s = m.indptr[r];
    const len = m.indptr[r + 1] - s;
    indices.set(m.indices.subarray(s, s + len), indptr[i]);
    data.set(m.data.subarray(s, s + len), indptr[i]);
  }
  return { rows: n, cols: m.cols, indptr, indices, data };
}

/** Horizontally stack matrices with the same number of rows. */
export function hstack(ms: Csr[]): Csr {
  const rows = ms[0].rows;
  let cols = 0;
  let total = 0;
  for (const m of ms) {
    if (m.rows !== rows) throw new Error("hstack: row counts differ");
    cols += m.cols;
    total += nnz(m);
  }
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    let off = 0;
    for (const m of ms) {
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
        indices[p] = m.indices[k] + off;
        data[p++] = m.data[k];
      }
      off += m.cols;
    }
    indptr[r + 1] = p;
  }
  return { rows, cols, indptr, indices, data };
}

/** Copy a matrix into SharedArrayBuffer-backed arrays so worker threads can read it without copies (arrays already shared are kept). */
export function toShared(m: Csr): Csr {
  return { rows: m.rows, cols: m.cols, indptr: sharedCopy(m.indptr), indices: sharedCopy(m.indices), data: sharedCopy(m.data) };
}

/**
 * Builds the rows of a CSR pattern one at a time, each as a set: `add` ignores an id already
 * in the current row, `endRow` sorts the row and moves to the next. For maps of the kind
 * binarize(Y · C): each row's distinct parents, groups or candidate nodes.
 */
export class RowSetBuilder {
  readonly ptr: Int32Array;
  private readonly ids: number[] = [];
  private readonly mark: Int32Array;
  private row = 0;
  private start = 0;

  constructor(rows: number, cols: number) {
    this.ptr = new Int32Array(rows + 1);
    this.mark = new Int32Array(cols).fill(-1);
  }

  add(id: number): void {
    if (this.mark[id] !== this.row) {
      this.mark[id] = this.row;
      this.ids.push(id);
    }
  }

  endRow(): void {
    const seg = this.ids.slice(this.start).sort((a, b) => a - b);
    for (let k = 0; k < seg.length; k++) this.ids[this.start + k] = seg[k];
    this.ptr[++this.row] = this.ids.length;
    this.start = this.ids.length;
  }

  /** The column ids of every row so far, row after row. */
  indices(): Int32Array {
    return Int32Array.from(this.ids);
  }
}

import type { Csr } from "../core/csr.js";

/**
 * Accumulates a CSR matrix row by row in growable typed arrays. Rows whose columns arrive
 * out of order are sorted when closed; duplicate columns are summed, or kept once (value 1)
 * for a binary matrix.
 */
export class CsrBuilder {
  private indptr = new Int32Array(1024);
  private indices = new Int32Array(4096);
  private data: Float32Array;
  private nz = 0;
  private start = 0;
  private last = -1;
  private ordered = true;
  /** Rows closed so far. */
  rows = 0;

  constructor(private readonly binary: boolean) {
    this.data = new Float32Array(binary ? 0 : 4096);
  }

  /** Append an entry to the current row. */
  push(col: number, val = 1): void {
    if (this.nz === this.indices.length) this.grow();
    if (col <= this.last) this.ordered = false;
    this.last = col;
    this.indices[this.nz] = col;
    if (!this.binary) this.data[this.nz] = val;
    this.nz++;
  }

  /**
   * Close the current row. Returns a column that was pushed more than once in it (its entries
   * were merged), or -1 when every column was pushed once.
   */
  endRow(): number {
    let duplicate = -1;
    if (!this.ordered) {
      const n = sortRow(this.indices, this.binary ? null : this.data, this.start, this.nz, (col) => {
        if (duplicate < 0) duplicate = col;
      });
      this.nz = this.start + n;
    }
    if (this.rows + 2 > this.indptr.length) {
      const p = new Int32Array(this.indptr.length * 2);
      p.set(this.indptr);
      this.indptr = p;
    }
    this.rows++;
    this.indptr[this.rows] = this.nz;
    this.start = this.nz;
    this.last = -1;
    this.ordered = true;
    return duplicate;
  }

  /** Entries in closed rows. */
  get nnz(): number {
    return this.start;
  }

  /** The finished matrix with `cols` columns (unclosed entries are dropped). */
  finish(cols: number): Csr {
    const nz = this.start;
    const data = this.binary ? new Float32Array(nz).fill(1) : this.data.slice(0, nz);
    return { rows: this.rows, cols, indptr: this.indptr.slice(0, this.rows + 1), indices: this.indices.slice(0, nz), data };
  }

  private grow(): void {
    const n = this.indices.length * 2;
    const idx = new Int32Array(n);
    idx.set(this.indices);
    this.indices = idx;
    if (!this.binary) {
      const d = new Float32Array(n);
      d.set(this.data);
      this.data = d;
    }
  }
}

/**
 * Sort `indices[start, end)` (with `data` alongside when given), merging duplicate columns
 * (values summed; `onDuplicate` is called with each merged column). Returns the new length of
 * the row.
 */
export function sortRow(
  indices: Int32Array,
  data: Float32Array | null,
  start: number,
  end: number,
  onDuplicate?: (col: number) => void,
): number {
  const n = end - start;
  if (n <= 32) {
    for (let i = start + 1; i < end; i++) {
      const c = indices[i];
      const v = data ? data[i] : 0;
      let j = i - 1;
      while (j >= start && indices[j] > c) {
        indices[j + 1] = indices[j];
        if (data) data[j + 1] = data[j];
        j--;
      }
      indices[j + 1] = c;
      if (data) data[j + 1] = v;
    }
  } else if (data) {
    const order = Array.from({ length: n }, (_, k) => start + k).sort((a, b) => indices[a] - indices[b]);
    const idx = order.map((k) => indices[k]);
    const val = order.map((k) => data[k]);
    indices.set(idx, start);
    data.set(val, start);
  } else {
    indices.subarray(start, end).sort();
  }
  let p = start;
  for (let k = start; k < end; k++) {
    if (p > start && indices[p - 1] === indices[k]) {
      if (data) data[p - 1] += data[k];
      onDuplicate?.(indices[k]);
    } else {
      indices[p] = indices[k];
      if (data) data[p] = data[k];
      p++;
    }
  }
  return p - start;
}

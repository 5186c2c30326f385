/** Top-k along the last dimension (no gradient: it returns indices and a copy of the values). */
import { TopKHeap } from "../../core/topk.js";
import type { Tensor } from "../tensor.js";

/** Result of {@link topk}: rows × k, best first. */
export interface TopK {
  /** Column indices, row-major (rows × k). */
  indices: Int32Array;
  /** Values at those indices (rows × k). */
  values: Float32Array;
  rows: number;
  k: number;
}

/**
 * The k largest entries of each row of x (rows = all leading dimensions), sorted by value
 * descending; ties go to the lower index. k is clipped to the row length. A size-k min-heap per
 * row ({@link TopKHeap}): O(D log k).
 */
export function topk(x: Tensor, k: number): TopK {
  if (x.rank < 1) throw new RangeError("topk: needs at least one dimension");
  const D = x.shape[x.rank - 1];
  const rows = D === 0 ? 0 : x.size / D;
  const kk = Math.max(0, Math.min(k, D));
  const indices = new Int32Array(rows * kk);
  const values = new Float32Array(rows * kk);
  const heap = new TopKHeap(kk);
  const v = x.data;
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    heap.clear();
    for (let j = 0; j < D; j++) heap.push(j, v[o + j]);
    heap.drainSorted(indices, values, r * kk, kk);
  }
  return { indices, values, rows, k: kk };
}

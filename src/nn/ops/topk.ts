/** Top-k along the last dimension (no gradient: it returns indices and a copy of the values). */
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
 * row: O(D log k).
 */
export function topk(x: Tensor, k: number): TopK {
  if (x.rank < 1) throw new RangeError("topk: needs at least one dimension");
  const D = x.shape[x.rank - 1];
  const rows = D === 0 ? 0 : x.size / D;
  const kk = Math.max(0, Math.min(k, D));
  const indices = new Int32Array(rows * kk);
  const values = new Float32Array(rows * kk);
  const hv = new Float64Array(kk), hi = new Int32Array(kk);
  const v = x.data;
  // "worse" = smaller value, or equal value and larger index; the heap root is the worst kept
  const worse = (va: number, ia: number, vb: number, ib: number): boolean => va < vb || (va === vb && ia > ib);
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let size = 0;
    for (let j = 0; j < D; j++) {
      const val = v[o + j];
      if (size < kk) {
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!worse(val, j, hv[p], hi[p])) break;
          hv[c] = hv[p];
          hi[c] = hi[p];
          c = p;
        }
        hv[c] = val;
        hi[c] = j;
      } else if (kk > 0 && worse(hv[0], hi[0], val, j)) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= kk) break;
          let m = l;
          if (l + 1 < kk && worse(hv[l + 1], hi[l + 1], hv[l], hi[l])) m = l + 1;
          if (!worse(hv[m], hi[m], val, j)) break;
          hv[c] = hv[m];
          hi[c] = hi[m];
          c = m;
        }
        hv[c] = val;
        hi[c] = j;
      }
    }
    // pop the heap into place, worst last
    for (let n = size; n > 0; n--) {
      indices[r * kk + n - 1] = hi[0];
      values[r * kk + n - 1] = hv[0];
      const lv = hv[n - 1], li = hi[n - 1];
      let c = 0;
      const m2 = n - 1;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= m2) break;
        let m = l;
        if (l + 1 < m2 && worse(hv[l + 1], hi[l + 1], hv[l], hi[l])) m = l + 1;
        if (!worse(hv[m], hi[m], lv, li)) break;
        hv[c] = hv[m];
        hi[c] = hi[m];
        c = m;
      }
      hv[c] = lv;
      hi[c] = li;
    }
  }
  return { indices, values, rows, k: kk };
}

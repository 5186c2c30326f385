/**
 * Bounded top-k selection: the k best (score, tie, id) triples of a stream, "best" = higher
 * score, then higher tie-breaker, then smaller id. A binary min-heap whose root is the worst
 * kept triple; typed arrays, no allocation per push, O(n log k) for a stream of n.
 *
 * Every top-k of the library goes through {@link TopKHeap}: nearest-neighbour search, lexical
 * search, beam search, the `topk` tensor op and the hard-negative selection of PRIME's loss.
 */
export class TopKHeap {
  ids: Int32Array;
  /** Scores in heap order; scores[0] is the worst kept one (meaningful when size > 0). */
  scores: Float64Array;
  /** Tie-breakers in heap order (0 when the caller gives none). */
  ties: Float64Array;
  size = 0;
  /** Capacity: how many triples are kept. */
  k: number;

  constructor(k: number) {
    this.k = k;
    this.ids = new Int32Array(Math.max(1, k));
    this.scores = new Float64Array(Math.max(1, k));
    this.ties = new Float64Array(Math.max(1, k));
  }

  /** Empty the heap. */
  clear(): void {
    this.size = 0;
  }

  /** Empty the heap and keep `k` triples from now on (storage grows when needed). */
  reset(k: number): void {
    if (k > this.ids.length) {
      this.ids = new Int32Array(k);
      this.scores = new Float64Array(k);
      this.ties = new Float64Array(k);
    }
    this.k = k;
    this.size = 0;
  }

  /** Score of the worst kept triple (only meaningful when full). */
  worst(): number {
    return this.scores[0];
  }

  /**
   * Whether a triple of this score could not be kept whatever its tie-breaker and id: the heap is
   * full and the score is below the worst kept (or the heap keeps none). The worst only rises, so
   * the answer stays true until the heap is reset.
   */
  excludes(score: number): boolean {
    return this.size === this.k && (this.k === 0 || score < this.scores[0]);
  }

  /** Offer a triple; kept if the heap is not full or it beats the current worst. */
  push(id: number, score: number, tie = 0): void {
    const s = this.scores, t = this.ties, ids = this.ids;
    if (this.size < this.k) {
      // sift up from the new leaf
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(score, tie, id, s[p], t[p], ids[p])) break;
        s[i] = s[p];
        t[i] = t[p];
        ids[i] = ids[p];
        i = p;
      }
      s[i] = score;
      t[i] = tie;
      ids[i] = id;
      return;
    }
    if (this.k === 0 || !worse(s[0], t[0], ids[0], score, tie, id)) return;
    this.siftDown(id, score, tie);
  }

  /** Put (id, score, tie) at the root and sift it down. */
  private siftDown(id: number, score: number, tie: number): void {
    const s = this.scores, t = this.ties, ids = this.ids, n = this.size;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && worse(s[c + 1], t[c + 1], ids[c + 1], s[c], t[c], ids[c])) c++;
      if (!worse(s[c], t[c], ids[c], score, tie, id)) break;
      s[i] = s[c];
      t[i] = t[c];
      ids[i] = ids[c];
      i = c;
    }
    s[i] = score;
    t[i] = tie;
    ids[i] = id;
  }

  /**
   * Empty the heap into `outIds` / `outScores` (null: ids only) at `off`, best first, padding up
   * to `width` entries with id -1 and score -Infinity.
   */
  drainSorted(outIds: Int32Array, outScores: Float32Array | Float64Array | null, off: number, width: number): void {
    for (let j = this.size; j < width; j++) {
      outIds[off + j] = -1;
      if (outScores) outScores[off + j] = -Infinity;
    }
    const s = this.scores, t = this.ties, ids = this.ids;
    while (this.size > 0) {
      const last = --this.size;
      outIds[off + last] = ids[0];
      if (outScores) outScores[off + last] = s[0];
      if (last > 0) this.siftDown(ids[last], s[last], t[last]);
    }
  }
}

/** Whether (sa, ta, ia) ranks below (sb, tb, ib): lower score, then lower tie-breaker, then larger id. */
function worse(sa: number, ta: number, ia: number, sb: number, tb: number, ib: number): boolean {
  return sa < sb || (sa === sb && (ta < tb || (ta === tb && ia > ib)));
}

/**
 * Indices of the k largest values of s[0..n), sorted by value descending; ties are broken by
 * `tie` (larger first) when given, then by lower index. `heap` is optional reusable scratch.
 */
export function topKIndices(s: ArrayLike<number>, n: number, k: number, tie?: ArrayLike<number> | null, heap?: TopKHeap): Int32Array {
  k = Math.max(0, Math.min(k, n));
  const h = heap ?? new TopKHeap(k);
  h.reset(k);
  if (tie) for (let i = 0; i < n; i++) h.push(i, s[i], tie[i]);
  else for (let i = 0; i < n; i++) h.push(i, s[i]);
  const out = new Int32Array(h.size);
  h.drainSorted(out, null, 0, 0);
  return out;
}

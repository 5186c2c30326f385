import type { Csr } from "../core/csr.js";
import type { LevelWeights } from "../linear/level-weights.js";
import type { ClusterChain } from "../tree/chain.js";
import type { PostProcessor } from "./postprocess.js";

/** A ranked list: node (or label) ids with scores, best first. */
export interface Ranked {
  labels: Int32Array;
  scores: Float32Array;
}

export interface BeamOptions {
  beamSize: number;
  topK: number;
  post: PostProcessor;
  /** Stop after this many levels (for matcher-aware negatives); default all. */
  levels?: number;
}

/**
 * Beam search down a cluster chain for one query (sorted sparse features).
 * Per level: prolongate the kept parents to their children, score only those children
 * with the parent's weight chunk, transform and combine with the parent score, keep the
 * top beamSize (topK at the last level).
 */
export class BeamSearcher {
  private acc: Float64Array;
  private candNode: Int32Array;
  private candScore: Float64Array;
  private candTie: Float64Array;
  private order: Int32Array;
  /**
   * Per level, when small enough: feature → chunk row, dense per parent (rowAt[p·(dim+1) + f], −1 = none),
   * which replaces the per-feature search of a parent's sorted chunk rows. Built for the levels with
   * few parents (the top of the tree, which every query and the disentanglement matching visit).
   */
  private rowAt: (Int32Array | null)[];

  constructor(
    private chain: ClusterChain,
    private weights: LevelWeights[],
    /** Feature dimension d; the bias weight is stored under feature id d. */
    private dim: number,
    private bias: number,
    /** Largest dense feature → row map built for a level (entries); 0 searches every chunk. */
    denseRowsMax = DENSE_ROWS_MAX,
  ) {
    let maxChildren = 1;
    for (const lv of chain) {
      for (let p = 0; p < lv.nParents; p++) maxChildren = Math.max(maxChildren, lv.ptr[p + 1] - lv.ptr[p]);
    }
    this.acc = new Float64Array(maxChildren);
    this.candNode = new Int32Array(0);
    this.candScore = new Float64Array(0);
    this.candTie = new Float64Array(0);
    this.order = new Int32Array(0);
    this.rowAt = weights.map((W, t) => denseRows(W, chain[t].nParents, dim, denseRowsMax));
  }

  private ensure(n: number): void {
    if (this.candNode.length < n) {
      this.candNode = new Int32Array(n);
      this.candScore = new Float64Array(n);
      this.candTie = new Float64Array(n);
      this.order = new Int32Array(n);
    }
  }

  /** Raw scores w·x + bias·b of the children of parent p at level t, written to this.acc[0..m); qIdx[q0, q1) sorted and < dim. */
  scoreChildren(t: number, p: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): number {
    const lv = this.chain[t];
    const W = this.weights[t];
    const m = lv.ptr[p + 1] - lv.ptr[p];
    const acc = this.acc;
    acc.fill(0, 0, m);
    const rf = W.rowFeat;
    const lo = W.chunkPtr[p];
    const r1 = W.chunkPtr[p + 1];
    if (lo >= r1) return m;
    const dense = this.rowAt[t];
    if (dense !== null) {
      const base = p * (this.dim + 1);
      for (let k = q0; k < q1; k++) {
        const r = dense[base + qIdx[k]];
        if (r < 0) continue;
        const v = qVal[k];
        for (let e = W.rowPtr[r]; e < W.rowPtr[r + 1]; e++) acc[W.entChild[e]] += v * W.entVal[e];
      }
    } else {
      this.scoreBySearch(W, lo, r1, qIdx, qVal, q0, q1);
    }
    if (this.bias > 0 && rf[r1 - 1] === this.dim) {
      for (let e = W.rowPtr[r1 - 1]; e < W.rowPtr[r1]; e++) acc[W.entChild[e]] += this.bias * W.entVal[e];
    }
    return m;
  }

  /** Accumulate the chunk rows [lo, r1) that match query features, found by galloping search. */
  private scoreBySearch(W: LevelWeights, lo: number, r1: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): void {
    const rf = W.rowFeat;
    const acc = this.acc;
    for (let k = q0; k < q1 && lo < r1; k++) {
      const f = qIdx[k];
      // galloping binary search for f in rf[lo, r1)
      let hi = r1;
      if (rf[lo] < f) {
        let step = 1;
        let probe = lo + 1;
        while (probe < r1 && rf[probe] < f) {
          lo = probe;
          step <<= 1;
          probe = lo + step;
        }
        hi = Math.min(probe + 1, r1);
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (rf[mid] < f) lo = mid + 1;
          else hi = mid;
        }
      }
      if (lo < r1 && rf[lo] === f) {
        const v = qVal[k];
        for (let e = W.rowPtr[lo]; e < W.rowPtr[lo + 1]; e++) acc[W.entChild[e]] += v * W.entVal[e];
        lo++;
      }
    }
  }

  /** Search for row `row` of X (features ≥ dim are ignored). */
  searchRow(X: Csr, row: number, opts: BeamOptions): Ranked {
    return this.search(X.indices, X.data, X.indptr[row], X.indptr[row + 1], opts);
  }

  /** Search for the sorted sparse query qIdx/qVal[q0, q1) (features ≥ dim are ignored). */
  search(qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number, opts: BeamOptions): Ranked {
    while (q1 > q0 && qIdx[q1 - 1] >= this.dim) q1--;
    const depth = opts.levels ?? this.chain.length;
    const post = opts.post;
    let nodes: Int32Array = Int32Array.of(0);
    let scores: Float64Array = Float64Array.of(post.rootScore);
    // tie-breaker: the sum of raw scores along the path (saturating transforms such as
    // l3-hinge map every raw score >= 1 to exactly 1, so many paths would tie)
    let ties: Float64Array = Float64Array.of(0);
    for (let t = 0; t < depth; t++) {
      const lv = this.chain[t];
      let total = 0;
      for (const p of nodes) total += lv.ptr[p + 1] - lv.ptr[p];
      this.ensure(total);
      const cn = this.candNode;
      const cs = this.candScore;
      const ct = this.candTie;
      let n = 0;
      for (let i = 0; i < nodes.length; i++) {
        const p = nodes[i];
        const m = this.scoreChildren(t, p, qIdx, qVal, q0, q1);
        const base = lv.ptr[p];
        for (let c = 0; c < m; c++) {
          const v = post.transform(this.acc[c]);
          cn[n] = lv.children[base + c];
          ct[n] = ties[i] + this.acc[c];
          cs[n] = t === 0 ? post.combine(v, post.rootScore) : post.combine(v, scores[i]);
          n++;
        }
      }
      const last = t === depth - 1;
      const k = Math.min(last ? opts.topK : opts.beamSize, n);
      const sel = topKIndices(cs, n, k, this.order, ct);
      const nextNodes = new Int32Array(k);
      const nextScores = new Float64Array(k);
      const nextTies = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        nextNodes[i] = cn[sel[i]];
        nextScores[i] = cs[sel[i]];
        nextTies[i] = ct[sel[i]];
      }
      nodes = nextNodes;
      scores = nextScores;
      ties = nextTies;
    }
    // merge duplicates (a label reached through several parents keeps its best score)
    let labels: Int32Array = nodes;
    let out: Float64Array = scores;
    if (hasDuplicates(labels)) ({ labels, scores: out } = mergeMax(labels, out));
    return { labels: labels.slice(0, out.length), scores: Float32Array.from(out) };
  }
}

/** Entries of the dense feature → row maps a searcher may build per level (4 bytes each). */
const DENSE_ROWS_MAX = 1 << 21;

/** The dense feature → chunk-row map of one level, or null when it would exceed `max` entries. */
function denseRows(W: LevelWeights, nParents: number, dim: number, max: number): Int32Array | null {
  const width = dim + 1;
  if (nParents * width > max) return null;
  const out = new Int32Array(nParents * width).fill(-1);
  for (let p = 0; p < nParents; p++) {
    for (let r = W.chunkPtr[p]; r < W.chunkPtr[p + 1]; r++) {
      const f = W.rowFeat[r];
      if (f < dim) out[p * width + f] = r; // the bias row (f = dim) is added separately
    }
  }
  return out;
}

/**
 * Indices of the k largest values of s[0..n), sorted by value descending; ties are broken
 * by `tie` (larger first) when given, then by lower index.
 */
export function topKIndices(s: Float64Array, n: number, k: number, scratch?: Int32Array, tie?: Float64Array): Int32Array {
  k = Math.min(k, n);
  // min-heap of size k: the root is the worst kept candidate
  const heap = scratch && scratch.length >= k ? scratch : new Int32Array(k);
  const worse = tie
    ? (a: number, b: number): boolean => s[a] < s[b] || (s[a] === s[b] && (tie[a] < tie[b] || (tie[a] === tie[b] && a > b)))
    : (a: number, b: number): boolean => s[a] < s[b] || (s[a] === s[b] && a > b);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (size < k) {
      let c = size++;
      heap[c] = i;
      while (c > 0) {
        const par = (c - 1) >> 1;
        if (!worse(heap[c], heap[par])) break;
        const t = heap[c];
        heap[c] = heap[par];
        heap[par] = t;
        c = par;
      }
    } else if (k > 0 && worse(heap[0], i)) {
      heap[0] = i;
      siftDown(heap, size, worse);
    }
  }
  const out = new Int32Array(size);
  for (let j = size - 1; j >= 0; j--) {
    out[j] = heap[0];
    heap[0] = heap[--size];
    siftDown(heap, size, worse);
  }
  return out;
}

function siftDown(heap: Int32Array, size: number, worse: (a: number, b: number) => boolean): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) return;
    const r = l + 1;
    const m = r < size && worse(heap[r], heap[l]) ? r : l;
    if (!worse(heap[m], heap[c])) return;
    const t = heap[c];
    heap[c] = heap[m];
    heap[m] = t;
    c = m;
  }
}

function hasDuplicates(a: Int32Array): boolean {
  if (a.length < 2) return false;
  const seen = new Set<number>();
  for (const x of a) {
    if (seen.has(x)) return true;
    seen.add(x);
  }
  return false;
}

function mergeMax(labels: Int32Array, scores: Float64Array): { labels: Int32Array; scores: Float64Array } {
  const best = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const prev = best.get(labels[i]);
    if (prev === undefined || scores[i] > prev) best.set(labels[i], scores[i]);
  }
  const items = [...best.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { labels: Int32Array.from(items.map((x) => x[0])), scores: Float64Array.from(items.map((x) => x[1])) };
}

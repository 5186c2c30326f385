import type { Csr } from "../core/csr.js";
import { Rng } from "../core/rng.js";
import { createWasmScorer, type WasmScorer } from "./kmeans-wasm.js";

/**
 * Where the labels without an embedding (no training positives) go: "spread" leaves them out
 * of the splits and deals them evenly over the leaves afterwards; "cluster" splits them with the
 * others as zero vectors (PECOS's way: a zero row scores 0, so they fill the middle of every
 * sorted split and the embedded labels on either side need not divide evenly).
 */
export const EMPTY_LABEL_MODES = ["spread", "cluster"] as const;
export type EmptyLabelMode = (typeof EMPTY_LABEL_MODES)[number];

export interface KMeansOptions {
  /** Largest number of labels in a leaf cluster. */
  maxLeafSize: number;
  /** 2-means iterations per node. */
  maxIter: number;
  seed: number;
  /** Labels without an embedding (default "spread"; XR-Linear's tree params default to "cluster"). */
  emptyLabels?: EmptyLabelMode;
}

/**
 * Balanced hierarchical spherical 2-means over the rows of Z (label embeddings).
 * The binary tree has depth max(1, ceil(log2(L / maxLeafSize))) and every split is an
 * exact median split, so the 2^depth leaves differ in size by at most one.
 * Returns the leaf index (0-based, left to right) of every row, and the leaf count.
 * A master RNG draws one seed per node, so the result does not depend on scheduling.
 */
export function balancedKMeansCodes(Z: Csr, opts: KMeansOptions): { codes: Int32Array; nLeaves: number } {
  return balancedKMeansCodesWith(Z, opts, createWasmScorer(Z));
}

/**
 * {@link balancedKMeansCodes} with the scoring pass given: the WebAssembly scorer over Z, or null
 * for the plain-TypeScript loop (used when the kernel cannot load or Z is too large for it); both
 * give identical trees.
 */
export function balancedKMeansCodesWith(Z: Csr, opts: KMeansOptions, scorer: WasmScorer | null): { codes: Int32Array; nLeaves: number } {
  const L = Z.rows;
  const depth = treeDepth(L, opts.maxLeafSize);
  if (depth === 0) return { codes: new Int32Array(L), nLeaves: 1 };
  const seeds = nodeSeeds(opts.seed, depth);
  // labels without an embedding (no training positives) carry no information for the
  // split; by default they are left out of the clustering and spread evenly over the leaves
  // afterwards, so they do not pile up in a few leaves and coarsen the clusters of the others
  const { live, empty } = liveAndEmpty(Z, depth, opts.emptyLabels);
  const ws = new SplitWorkspace(Z, scorer);
  const layer = splitLevels(Z, live, depth, opts.maxIter, seeds, ws);
  return codesFromLeaves(L, layer, empty);
}

/**
 * The labels the splits see (`live`) and those dealt to the leaves afterwards (`empty`), as the
 * clustering treats them for a tree of `depth` levels: with "cluster" every label is split.
 */
export function liveAndEmpty(Z: Csr, depth: number, mode: EmptyLabelMode = "spread"): { live: Int32Array; empty: number[] } {
  if (mode === "cluster") return { live: Int32Array.from({ length: Z.rows }, (_, l) => l), empty: [] };
  const live: number[] = [];
  const empty: number[] = [];
  for (let l = 0; l < Z.rows; l++) (Z.indptr[l + 1] > Z.indptr[l] ? live : empty).push(l);
  if (live.length < 2 ** depth) {
    live.push(...empty);
    empty.length = 0;
  }
  return { live: Int32Array.from(live), empty };
}

/** Depth of the binary tree for L labels and leaves of at most maxLeafSize (0: one leaf). */
export function treeDepth(L: number, maxLeafSize: number): number {
  if (maxLeafSize >= L) return 0;
  const depth = Math.max(1, Math.ceil(Math.log2(L / maxLeafSize)));
  if (2 ** depth > L) throw new Error(`cannot build 2^${depth} clusters from ${L} labels`);
  return depth;
}

/**
 * The seed of every split node, in breadth-first order (node k of level d at 2^d - 1 + k): one
 * master RNG draws them, so a node's split does not depend on which thread makes it.
 */
export function nodeSeeds(seed: number, depth: number): Uint32Array {
  const master = new Rng(seed);
  const seeds = new Uint32Array(2 ** depth - 1);
  for (let i = 0; i < seeds.length; i++) seeds[i] = master.nextU32();
  return seeds;
}

/** The seeds of the subtree rooted at node j of level s, in its own breadth-first order, `levels` deep. */
export function subtreeSeeds(seeds: Uint32Array, s: number, j: number, levels: number): Uint32Array {
  const out = new Uint32Array(2 ** levels - 1);
  for (let d = 0; d < levels; d++) {
    const from = 2 ** (s + d) - 1 + j * 2 ** d;
    out.set(seeds.subarray(from, from + 2 ** d), 2 ** d - 1);
  }
  return out;
}

/** Split `root` `levels` times (breadth-first, seeds as {@link nodeSeeds} orders them); the leaves, left to right. */
export function splitLevels(Z: Csr, root: Int32Array, levels: number, maxIter: number, seeds: Uint32Array, ws: SplitWorkspace): Int32Array[] {
  let layer: Int32Array[] = [root];
  for (let lev = 0; lev < levels; lev++) {
    const next: Int32Array[] = [];
    layer.forEach((S, k) => {
      const [left, right] = ws.split(Z, S, maxIter, seeds[2 ** lev - 1 + k]);
      next.push(left, right);
    });
    layer = next;
  }
  return layer;
}

/**
 * Split roots `levels` times, root i with its subtree's breadth-first seeds `seeds[i]`. The threads
 * of a phase share the list: each takes the next root by incrementing `next[0]` (shared memory),
 * until none is left.
 */
export interface SubtreeTask {
  roots: Int32Array[];
  seeds: Uint32Array[];
  levels: number;
  maxIter: number;
  next: Int32Array;
}

/** Split the roots of `t` that this thread takes from the shared counter, until none is left. */
export function takeSubtrees(Z: Csr, t: SubtreeTask, ws: SplitWorkspace): { done: number[]; leaves: Int32Array[][] } {
  const done: number[] = [];
  const leaves: Int32Array[][] = [];
  for (let i = Atomics.add(t.next, 0, 1); i < t.roots.length; i = Atomics.add(t.next, 0, 1)) {
    done.push(i);
    leaves.push(splitLevels(Z, t.roots[i], t.levels, t.maxIter, t.seeds[i], ws));
  }
  return { done, leaves };
}

/** Leaf codes from the leaves (left to right) and the empty labels to spread over them. */
export function codesFromLeaves(L: number, layer: Int32Array[], empty: number[]): { codes: Int32Array; nLeaves: number } {
  const codes = new Int32Array(L);
  layer.forEach((S, leaf) => {
    for (const l of S) codes[l] = leaf;
  });
  // round-robin the empty labels, smallest leaves first (sizes stay within one of each other)
  const order = layer.map((S, leaf) => [S.length, leaf]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  empty.forEach((l, i) => (codes[l] = order[i % order.length][1]));
  return { codes, nLeaves: layer.length };
}

/**
 * Reusable dense buffers for one 2-means split (sized to the feature dimension). With a wasm
 * scorer, the buffers live in wasm memory and the passes run there; without one, in TypeScript.
 */
export class SplitWorkspace {
  private c: Float64Array;
  private c1: Float64Array;
  private c2: Float64Array;
  private mark: Uint8Array;
  constructor(
    Z: Csr,
    private readonly scorer: WasmScorer | null,
  ) {
    const d = scorer ? 0 : Z.cols;
    this.c = new Float64Array(d);
    this.c1 = new Float64Array(d);
    this.c2 = new Float64Array(d);
    this.mark = new Uint8Array(d);
  }

  /** Split S into two halves (left gets floor(n/2)) by spherical 2-means with a median split. */
  split(Z: Csr, S: Int32Array, maxIter: number, seed: number): [Int32Array, Int32Array] {
    if (this.scorer) return this.splitWasm(Z, S, maxIter, seed, this.scorer);
    const n = S.length;
    const half = n >> 1;
    const { c, c1, c2, mark } = this;
    // features touched by this node's rows: only these entries of the centroids are used
    const feats: number[] = [];
    for (const l of S) {
      for (let k = Z.indptr[l]; k < Z.indptr[l + 1]; k++) {
        const f = Z.indices[k];
        if (!mark[f]) {
          mark[f] = 1;
          feats.push(f);
        }
      }
    }
    for (const f of feats) mark[f] = 0;
    for (const f of feats) c[f] = 0;
    seedCentroid(Z, S, seed, c);

    const score = new Float64Array(n);
    const order = new Int32Array(n);
    const inLeft = new Uint8Array(n);
    const moved = new Int32Array(n);
    let first = true;
    for (let it = 0; it < Math.max(1, maxIter); it++) {
      scoreRows(Z, S, 0, n, c, score);
      const nMoved = assignHalves(score, order, inLeft, half, moved);
      if (!first && nMoved === 0) break;
      if (it + 1 >= maxIter) break;
      // side sums: c1 = Σ right rows, c2 = Σ left rows; after the first split only moved rows change them
      if (first) {
        for (const f of feats) {
          c1[f] = 0;
          c2[f] = 0;
        }
        for (let k = 0; k < n; k++) addRow(Z, S[k], 1, inLeft[k] ? c2 : c1);
      } else {
        for (const k of moved.subarray(0, nMoved)) {
          addRow(Z, S[k], 1, inLeft[k] ? c2 : c1);
          addRow(Z, S[k], -1, inLeft[k] ? c1 : c2);
        }
      }
      first = false;
      let n1 = 0;
      let n2 = 0;
      for (const f of feats) {
        n1 += c1[f] * c1[f];
        n2 += c2[f] * c2[f];
      }
      const i1 = n1 > 0 ? 1 / Math.sqrt(n1) : 0;
      const i2 = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      for (const f of feats) c[f] = c1[f] * i1 - c2[f] * i2;
    }
    return halves(S, inLeft, half);
  }

  /**
   * {@link split} with the passes in the WebAssembly kernel: the same operations in the same order
   * (the node's features in first-seen order, the side sums, norms and centroid), so the same halves.
   */
  private splitWasm(Z: Csr, S: Int32Array, maxIter: number, seed: number, scorer: WasmScorer): [Int32Array, Int32Array] {
    const steps = this.splitSteps(Z, S, maxIter, seed, scorer);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      scorer.score(r.value);
    }
  }

  /**
   * {@link split} with each scoring pass handed to `score(n)`, which must fill `scorer.out[0, n)`
   * with the scores of rows `scorer.rows[0, n)` against `scorer.c` (or parts of them on other
   * threads: a row's score does not depend on where it is computed). Null without a wasm scorer.
   */
  async splitScoredBy(Z: Csr, S: Int32Array, maxIter: number, seed: number, score: (scorer: WasmScorer, n: number) => Promise<void>): Promise<[Int32Array, Int32Array] | null> {
    const scorer = this.scorer;
    if (!scorer) return null;
    const steps = this.splitSteps(Z, S, maxIter, seed, scorer);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      await score(scorer, r.value);
    }
  }

  /** The wasm split as steps: each yield asks for a scoring pass over the node's n rows. */
  private *splitSteps(Z: Csr, S: Int32Array, maxIter: number, seed: number, scorer: WasmScorer): Generator<number, [Int32Array, Int32Array], void> {
    const n = S.length;
    const half = n >> 1;
    scorer.rows.set(S);
    const nFeats = scorer.features(n); // and c zeroed on them
    seedCentroid(Z, S, seed, scorer.c);
    const score = scorer.out.subarray(0, n);
    const inLeft = scorer.inLeft.subarray(0, n);
    const moved = scorer.moved;
    inLeft.fill(0);
    const order = new Int32Array(n);
    let first = true;
    for (let it = 0; it < Math.max(1, maxIter); it++) {
      yield n;
      const nMoved = assignHalves(score, order, inLeft, half, moved);
      if (!first && nMoved === 0) break;
      if (it + 1 >= maxIter) break;
      scorer.update(n, nMoved, first, nFeats);
      first = false;
    }
    return halves(S, inLeft, half);
  }
}

/** The scoring pass in TypeScript: out[k] = z_{S[k]} · c for k in [from, to) (the wasm kernel's sums, bit for bit). */
export function scoreRows(Z: Csr, S: Int32Array, from: number, to: number, c: Float64Array, out: Float64Array): void {
  for (let k = from; k < to; k++) {
    const row = S[k];
    let sc = 0;
    for (let q = Z.indptr[row]; q < Z.indptr[row + 1]; q++) sc += Z.data[q] * c[Z.indices[q]];
    out[k] = sc;
  }
}

/** The first centroid difference c (zero on S's features): two distinct random rows of S, z_r − z_l. */
function seedCentroid(Z: Csr, S: Int32Array, seed: number, c: Float64Array): void {
  const rng = new Rng(seed);
  const n = S.length;
  const r = rng.int(n);
  let l = rng.int(n - 1);
  if (l >= r) l++;
  addRow(Z, S[r], 1, c);
  addRow(Z, S[l], -1, c);
}

/**
 * The median split of a pass: the `half` lowest-scoring positions (ties by position) go left.
 * Updates inLeft, writes the positions that changed side to moved (ascending by rank) and returns
 * their count.
 */
function assignHalves(score: Float64Array, order: Int32Array, inLeft: Uint8Array, half: number, moved: Int32Array): number {
  const n = order.length;
  for (let k = 0; k < n; k++) order[k] = k;
  selectSmallest(order, score, half);
  let nMoved = 0;
  for (let k = 0; k < n; k++) {
    const left = k < half ? 1 : 0;
    const pos = order[k];
    if (inLeft[pos] !== left) {
      moved[nMoved++] = pos;
      inLeft[pos] = left;
    }
  }
  return nMoved;
}

/** The rows of S on the left (inLeft) and on the right, in S's order. */
function halves(S: Int32Array, inLeft: Uint8Array, half: number): [Int32Array, Int32Array] {
  const left = new Int32Array(half);
  const right = new Int32Array(S.length - half);
  let a = 0;
  let b = 0;
  for (let k = 0; k < S.length; k++) {
    if (inLeft[k]) left[a++] = S[k];
    else right[b++] = S[k];
  }
  return [left, right];
}

function addRow(Z: Csr, row: number, scale: number, out: Float64Array): void {
  for (let q = Z.indptr[row]; q < Z.indptr[row + 1]; q++) out[Z.indices[q]] += scale * Z.data[q];
}

/**
 * Partially order `idx` so that its first `k` entries are the k smallest by (score, index)
 * (an exact median split when k = floor(n/2)); quickselect, O(n) on average.
 */
export function selectSmallest(idx: Int32Array, score: Float64Array, k: number): void {
  const less = (a: number, b: number): boolean => score[a] < score[b] || (score[a] === score[b] && a < b);
  let lo = 0;
  let hi = idx.length - 1;
  while (hi > lo && k > lo && k <= hi) {
    // median of three pivot
    const mid = (lo + hi) >> 1;
    if (less(idx[mid], idx[lo])) swap(idx, mid, lo);
    if (less(idx[hi], idx[lo])) swap(idx, hi, lo);
    if (less(idx[hi], idx[mid])) swap(idx, hi, mid);
    const pivot = idx[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (less(idx[i], pivot)) i++;
      while (less(pivot, idx[j])) j--;
      if (i <= j) {
        swap(idx, i, j);
        i++;
        j--;
      }
    }
    // now [lo, j] <= pivot <= [i, hi]
    if (k <= j + 1) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

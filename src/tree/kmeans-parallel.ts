/**
 * The balanced 2-means clustering on several threads, with the same tree as on one: every split
 * node's seed is fixed by its position (nodeSeeds), so nodes can be split anywhere in any order.
 * The balanced splits even out labels, not work (at 1M labels one of the 4 nodes of the second
 * level held two thirds of the non-zeros), so the top levels are split one level at a time, each
 * level's nodes taken by the threads one at a time from a shared counter, until there are
 * SUBTREES_PER_THREAD nodes per thread; those subtrees are then split to the leaves the same way,
 * largest first. A level with fewer nodes than threads (the root) is split by all of them together:
 * each scoring pass is cut into parts of about equal non-zeros (a row's score does not depend on
 * the thread). This thread takes its part, worker threads theirs; Z is copied once into shared
 * memory for the workers, each of which scores with its own kernel.
 */
import { type Csr, toShared } from "../core/csr.js";
import { WorkerPool } from "../worker/pool.js";
import { createWasmScorer, type WasmScorer } from "./kmeans-wasm.js";
import { codesFromLeaves, type KMeansOptions, liveAndEmpty, nodeSeeds, SplitWorkspace, type SubtreeTask, subtreeSeeds, takeSubtrees, treeDepth, balancedKMeansCodes } from "./kmeans.js";
import type { KMeansTask, SubtreeResult } from "./kmeans-worker.js";

const WORKER = new URL("./kmeans-worker.js", import.meta.url);

/** Subtrees per thread before the last phase: enough for taking them one at a time to even out the work. */
const SUBTREES_PER_THREAD = 8;

/** {@link balancedKMeansCodes} on `threads` threads; the same codes for every thread count. */
export async function balancedKMeansCodesParallel(Z: Csr, opts: KMeansOptions, threads: number): Promise<{ codes: Int32Array; nLeaves: number }> {
  const L = Z.rows;
  const depth = treeDepth(L, opts.maxLeafSize);
  if (threads <= 1 || depth <= 1) return balancedKMeansCodes(Z, opts);
  const seeds = nodeSeeds(opts.seed, depth);
  const { live, empty } = liveAndEmpty(Z, depth, opts.emptyLabels);
  const shared = toShared(Z);
  // the workers copy Z into their kernels' memory while this thread copies it into its own
  const pool = new WorkerPool<KMeansTask, SubtreeResult | null>(WORKER, threads - 1, { Z: shared });
  const ws = new SplitWorkspace(shared, createWasmScorer(shared));
  /**
   * Split one node with every scoring pass shared out: rows cut into `threads` parts of about
   * equal non-zeros, the first scored here, the others by the workers (null without a wasm scorer).
   */
  const splitTogether = async (S: Int32Array, seed: number): Promise<Int32Array[] | null> => {
    const n = S.length;
    const rows = new Int32Array(new SharedArrayBuffer(4 * n));
    rows.set(S);
    const c = new Float64Array(new SharedArrayBuffer(8 * Z.cols));
    const out = new Float64Array(new SharedArrayBuffer(8 * n));
    let total = 0;
    for (const l of S) total += Z.indptr[l + 1] - Z.indptr[l] + 1;
    const bounds = [0];
    for (let k = 0, acc = 0; k < n && bounds.length < threads; k++) {
      acc += Z.indptr[S[k] + 1] - Z.indptr[S[k]] + 1;
      if (acc >= (total * bounds.length) / threads) bounds.push(k + 1);
    }
    while (bounds.length <= threads) bounds.push(n);
    const score = async (scorer: WasmScorer, m: number): Promise<void> => {
      c.set(scorer.c.subarray(0, Z.cols));
      const shares = bounds.slice(1, -1).map((from, i) => pool.run({ score: { S: rows, from, to: bounds[i + 2], c, out } }));
      scorer.score(bounds[1]); // rows S[0, bounds[1]) of scorer.rows, which holds S
      await Promise.all(shares);
      scorer.out.set(out.subarray(bounds[1], m), bounds[1]);
    };
    return ws.splitScoredBy(shared, S, opts.maxIter, seed, score);
  };
  /** Split the nodes of level `level` `levels` times on every thread; each node's leaves, in node order. */
  const phase = async (layer: Int32Array[], level: number, levels: number): Promise<Int32Array[][]> => {
    if (levels === 1 && layer.length < threads) {
      // fewer nodes than threads (the root): each node's scoring passes are shared by every thread
      const halves: Int32Array[][] = [];
      for (let j = 0; j < layer.length; j++) {
        const h = await splitTogether(layer[j], seeds[2 ** level - 1 + j]);
        if (h === null) break; // no wasm scorer here: split the nodes as below
        halves.push(h);
      }
      if (halves.length === layer.length) return halves;
    }
    // largest first (labels plus non-zeros), so that the last ones taken are small
    const size = (S: Int32Array): number => {
      let w = S.length;
      for (const l of S) w += Z.indptr[l + 1] - Z.indptr[l];
      return w;
    };
    const sizes = layer.map(size);
    const order = layer.map((_, j) => j).sort((a, b) => sizes[b] - sizes[a] || a - b);
    const task: SubtreeTask = {
      roots: order.map((j) => layer[j]),
      seeds: order.map((j) => subtreeSeeds(seeds, level, j, levels)),
      levels,
      maxIter: opts.maxIter,
      next: new Int32Array(new SharedArrayBuffer(4)),
    };
    const out: Int32Array[][] = new Array(layer.length);
    const per = 2 ** levels;
    const pending = Array.from({ length: Math.min(threads - 1, layer.length) }, async () => {
      const r = (await pool.run(task)) as SubtreeResult;
      r.done.forEach((i, q) => {
        out[order[i]] = Array.from({ length: per }, (_, k) => r.labels.subarray(r.ptr[q * per + k], r.ptr[q * per + k + 1]));
      });
    });
    const mine = takeSubtrees(shared, task, ws);
    mine.done.forEach((i, q) => (out[order[i]] = mine.leaves[q]));
    await Promise.all(pending);
    return out;
  };
  try {
    let layer: Int32Array[] = [live];
    let level = 0;
    while (level < depth - 1 && layer.length < SUBTREES_PER_THREAD * threads) {
      layer = (await phase(layer, level, 1)).flat();
      level++;
    }
    return codesFromLeaves(L, (await phase(layer, level, depth - level)).flat(), empty);
  } finally {
    await pool.close();
  }
}

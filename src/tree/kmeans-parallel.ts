/**
 * The balanced 2-means clustering on several threads, with the same tree as on one: every split
 * node's seed is fixed by its position (nodeSeeds), so the top levels are split here until there
 * are at least as many subtrees as threads, then the subtrees are split in parallel (this thread
 * takes its share, worker threads the rest) and their leaves joined left to right. Z is copied
 * once into shared memory for the workers; each worker scores with its own kernel.
 */
import type { Csr } from "../core/csr.js";
import { WorkerPool } from "../worker/pool.js";
import { createWasmScorer } from "./kmeans-wasm.js";
import { codesFromLeaves, type KMeansOptions, liveAndEmpty, nodeSeeds, SplitWorkspace, splitLevels, subtreeSeeds, treeDepth, balancedKMeansCodes } from "./kmeans.js";
import type { SubtreeResult, SubtreeTask } from "./kmeans-worker.js";

const WORKER = new URL("./kmeans-worker.js", import.meta.url);

/** Z's arrays copied into SharedArrayBuffers (the workers view them without copies). */
export function sharedCsr(Z: Csr): Csr {
  const share = <T extends Int32Array | Float32Array>(a: T, Ctor: new (b: SharedArrayBuffer) => T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const out = new Ctor(new SharedArrayBuffer(a.byteLength));
    out.set(a);
    return out;
  };
  return { rows: Z.rows, cols: Z.cols, indptr: share(Z.indptr, Int32Array), indices: share(Z.indices, Int32Array), data: share(Z.data, Float32Array) };
}

/** {@link balancedKMeansCodes} on `threads` threads; the same codes for every thread count. */
export async function balancedKMeansCodesParallel(Z: Csr, opts: KMeansOptions, threads: number): Promise<{ codes: Int32Array; nLeaves: number }> {
  const L = Z.rows;
  const depth = treeDepth(L, opts.maxLeafSize);
  // levels split here first: 2^top subtrees, at least one per thread
  const top = Math.ceil(Math.log2(Math.max(1, threads)));
  if (threads <= 1 || depth <= top) return balancedKMeansCodes(Z, opts);
  const seeds = nodeSeeds(opts.seed, depth);
  const { live, empty } = liveAndEmpty(Z, depth, opts.emptyLabels);
  const shared = sharedCsr(Z);
  const ws = new SplitWorkspace(shared, createWasmScorer(shared));
  const roots = splitLevels(shared, live, top, opts.maxIter, seeds, ws);
  const rest = depth - top;
  const pool = new WorkerPool<SubtreeTask, SubtreeResult>(WORKER, threads - 1, { Z: shared });
  try {
    // subtree j goes to thread j mod threads; thread 0 is this one
    const leaves: Int32Array[][] = new Array(roots.length);
    const pending: Promise<void>[] = [];
    roots.forEach((root, j) => {
      if (j % threads === 0) return;
      const task: SubtreeTask = { root, levels: rest, seeds: subtreeSeeds(seeds, top, j, rest), maxIter: opts.maxIter };
      pending.push(
        pool.run(task).then((r) => {
          leaves[j] = Array.from({ length: r.ptr.length - 1 }, (_, i) => r.labels.subarray(r.ptr[i], r.ptr[i + 1]));
        }),
      );
    });
    roots.forEach((root, j) => {
      if (j % threads === 0) leaves[j] = splitLevels(shared, root, rest, opts.maxIter, subtreeSeeds(seeds, top, j, rest), ws);
    });
    await Promise.all(pending);
    return codesFromLeaves(L, leaves.flat(), empty);
  } finally {
    await pool.close();
  }
}

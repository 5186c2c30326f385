/**
 * Worker thread of the parallel label-tree clustering (kmeans-parallel.ts): holds its own scorer
 * over the shared label embeddings Z and splits the subtrees it is handed.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Csr } from "../core/csr.js";
import { createWasmScorer, type WasmScorer } from "./kmeans-wasm.js";
import { scoreRows, SplitWorkspace, type SubtreeTask, takeSubtrees } from "./kmeans.js";

/**
 * A share of one split's scoring pass (a node too large to leave to one thread): the scores of
 * rows S[from, to) against the centroid difference c, written to out[from, to). All shared memory.
 */
export interface ScoreTask {
  score: { S: Int32Array; from: number; to: number; c: Float64Array; out: Float64Array };
}

export type KMeansTask = SubtreeTask | ScoreTask;

/** Scores of rows S[from, to) of Z against c into out[from, to): the kernel's sums, or the same sums in TypeScript. */
export function scoreShare(Z: Csr, scorer: WasmScorer | null, t: ScoreTask["score"]): void {
  const n = t.to - t.from;
  if (scorer) {
    scorer.rows.set(t.S.subarray(t.from, t.to));
    scorer.c.set(t.c);
    scorer.score(n);
    t.out.set(scorer.out.subarray(0, n), t.from);
    return;
  }
  scoreRows(Z, t.S, t.from, t.to, t.c, t.out);
}

/** The roots this thread split (`done`, in order) and their leaves, left to right, back to back: `labels` cut at `ptr`. */
export interface SubtreeResult {
  done: Int32Array;
  labels: Int32Array;
  ptr: Int32Array;
}

/** Pack leaves into one transferable result. */
export function packLeaves(leaves: Int32Array[]): { labels: Int32Array; ptr: Int32Array } {
  const ptr = new Int32Array(leaves.length + 1);
  leaves.forEach((S, i) => (ptr[i + 1] = ptr[i] + S.length));
  const labels = new Int32Array(ptr[leaves.length]);
  leaves.forEach((S, i) => labels.set(S, ptr[i]));
  return { labels, ptr };
}

if (parentPort) {
  const { Z } = workerData as { Z: Csr };
  const scorer = createWasmScorer(Z);
  const ws = new SplitWorkspace(Z, scorer);
  const port = parentPort;
  port.on("message", (t: KMeansTask) => {
    try {
      if ("score" in t) {
        scoreShare(Z, scorer, t.score);
        port.postMessage({ ok: true, result: null });
        return;
      }
      const { done, leaves } = takeSubtrees(Z, t, ws);
      const r: SubtreeResult = { done: Int32Array.from(done), ...packLeaves(leaves.flat()) };
      port.postMessage({ ok: true, result: r }, [r.done.buffer as ArrayBuffer, r.labels.buffer as ArrayBuffer, r.ptr.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

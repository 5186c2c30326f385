/**
 * Worker thread of the parallel label-tree clustering (kmeans-parallel.ts): holds its own scorer
 * over the shared label embeddings Z and splits the subtrees it is handed.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Csr } from "../core/csr.js";
import { createWasmScorer } from "./kmeans-wasm.js";
import { SplitWorkspace, type SubtreeTask, takeSubtrees } from "./kmeans.js";

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
  const ws = new SplitWorkspace(Z, createWasmScorer(Z));
  const port = parentPort;
  port.on("message", (t: SubtreeTask) => {
    try {
      const { done, leaves } = takeSubtrees(Z, t, ws);
      const r: SubtreeResult = { done: Int32Array.from(done), ...packLeaves(leaves.flat()) };
      port.postMessage({ ok: true, result: r }, [r.done.buffer as ArrayBuffer, r.labels.buffer as ArrayBuffer, r.ptr.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

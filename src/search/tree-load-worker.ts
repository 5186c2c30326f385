/** The helper thread of tree-load.ts: decodes its share of a model's trees and posts them (transferred). */
import { type MessagePort, workerData } from "node:worker_threads";
import { XmcError } from "../core/errors.js";
import { buffersOf, decodeDeferredTrees, type HelperAnswer, type HelperJob } from "./tree-load.js";

const { job, flag, port } = workerData as { job: HelperJob; flag: Int32Array; port: MessagePort };
Atomics.store(flag, 1, 1);
try {
  const trees = decodeDeferredTrees(job);
  const answer: HelperAnswer = { ok: true, trees };
  port.postMessage(answer, buffersOf(trees));
} catch (e) {
  const answer: HelperAnswer = { ok: false, error: e instanceof Error ? e.message : String(e), xmc: e instanceof XmcError };
  port.postMessage(answer);
} finally {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

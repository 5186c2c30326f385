/** A worker of predict-threads.ts: builds its model once (from what the loaded model handed over, or by decoding the shared file bytes), predicts chunks of rows or batches of texts. */
import { parentPort, workerData } from "node:worker_threads";
import { XmcError } from "../core/errors.js";
import type { XmcModel } from "../methods/model.js";
import { loadWorkerModel } from "./load.js";
import { type ChunkResult, type ChunkTask, chunkDataset, type TextsTask, type WorkerInit } from "./predict-threads.js";

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  let model: XmcModel | null = null;
  port.on("message", (task: ChunkTask | TextsTask) => {
    try {
      model ??= loadWorkerModel(init);
      let result: ChunkResult;
      if (task.kind === "predictTexts") result = { named: model.predictTexts(task.texts, task.overrides) };
      else {
        const preds = model.predictDataset(chunkDataset(task, model.labelNames), task.overrides);
        result = { labels: preds.map((r) => r.labels), scores: preds.map((r) => r.scores) };
      }
      // copied, not transferred: a method may return views on buffers it keeps
      port.postMessage({ ok: true, result });
    } catch (e) {
      // messages from decoding name "(model bytes)"; the user knows the file by its path
      if (e instanceof XmcError) port.postMessage({ ok: true, result: { error: e.message.replace("(model bytes)", init.source) } satisfies ChunkResult });
      else port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

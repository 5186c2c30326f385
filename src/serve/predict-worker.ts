/**
 * A prediction worker of `xmc serve`: loads the model once (from the bytes or the path in
 * workerData), then answers tasks `{texts, options}` with one JSON string per text
 * (`[{"label":…,"score":…},…]`), so the main thread only concatenates them into a response.
 * A user error (a bad option value) is answered as `{error}` instead of failing the worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import { XmcError } from "../core/errors.js";
import type { PredictOverrides, XmcModel } from "../methods/model.js";
import { loadModel } from "../api/load.js";

export interface PredictTask {
  texts: string[];
  options: PredictOverrides;
}

export type PredictResult = { lines: string[] } | { error: string };

if (parentPort) {
  const port = parentPort;
  let model: XmcModel | null = null;
  port.on("message", (task: PredictTask) => {
    try {
      model ??= loadModel((workerData as { source: string }).source);
      const preds = model.predictTexts(task.texts, task.options);
      const result: PredictResult = { lines: preds.map((p) => JSON.stringify(p)) };
      port.postMessage({ ok: true, result });
    } catch (e) {
      if (e instanceof XmcError) port.postMessage({ ok: true, result: { error: e.message } satisfies PredictResult });
      else port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

/**
 * A prediction worker of `xmc serve`. The first worker decodes the model once from the model
 * file's bytes in workerData: a view over a SharedArrayBuffer that the main thread read once, so
 * the model's arrays are views over that one copy. With several workers it decodes into shared
 * memory and, for a method whose models hand themselves over (`XmcModel.handoff`), the others build the
 * same model from that handoff: every array the decoding built (row directories, whole-level
 * indexes) exists once too. The others' models otherwise decode from the bytes as the first did
 * (per worker is then what the model builds at decode).
 * A task `{texts, options, parts}` merges consecutive runs of texts of one or more requests
 * (`parts` holds their lengths); it is answered with one piece of JSON per part, that part's
 * predictions joined by commas (`[{"label":…,"score":…},…],[…]`), so the main thread neither
 * parses nor rebuilds them: it writes them into responses. A piece longer than
 * {@link ENCODE_AT} characters comes as its UTF-8 bytes, encoded here and transferred, so the
 * main thread does not encode megabytes of answer at once. A task with `facts` also returns
 * what the server tells about the model.
 * A user error (a bad option value, a model that cannot take text) is answered as `{error}`
 * instead of failing the worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import { XmcError } from "../core/errors.js";
import type { PredictOverrides, XmcModel } from "../methods/model.js";
import { handoffOf, loadWorkerModel, type ModelHandoff, type WorkerModelSource } from "../api/load.js";
import { methodByName } from "../api/methods.js";

/**
 * A worker's model: the model file's bytes (a view over a SharedArrayBuffer) to decode, in shared
 * memory when `shareModel` (so that the model can be handed to the other workers); or what a
 * worker's model handed over (`XmcModel.handoff`), to build the same model from. `source`: the
 * model file's path, for messages.
 */
export type WorkerInit = { source: string } & WorkerModelSource;

export interface PredictTask {
  texts: string[];
  options: PredictOverrides;
  /** Lengths of the runs of texts answered as separate pieces (they add up to texts.length). */
  parts: number[];
  /** Also return the model's facts. */
  facts?: boolean;
  /** Also return what the model hands to other workers (methods with `handoff`). */
  handoff?: boolean;
}

/** What the main thread needs to know about the model (it holds no decoded copy). */
export interface ModelFacts {
  method: string;
  labels: number;
  labelNames: string[];
  labelTexts: string[] | null;
  /** The prediction options the model's method takes (its predict schema's fields). */
  predictOptions: string[];
}

/** Predictions of a run of texts as JSON: text, or UTF-8 bytes when long. */
export type Piece = string | Uint8Array;

/** Pieces at least this long (in UTF-16 units) are sent as bytes. */
export const ENCODE_AT = 16_384;

export type PredictResult = { pieces: Piece[]; facts?: ModelFacts; handoff?: ModelHandoff } | { error: string };

function factsOf(model: XmcModel): ModelFacts {
  const texts = (model as { labelTexts?: unknown }).labelTexts;
  const predictOptions = Object.keys(methodByName(model.method).predictSchema);
  return { method: model.method, labels: model.nLabels, labelNames: model.labelNames, labelTexts: Array.isArray(texts) ? (texts as string[]) : null, predictOptions };
}

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  let model: XmcModel | null = null;
  const encoder = new TextEncoder();
  port.on("message", (task: PredictTask) => {
    try {
      model ??= loadWorkerModel(init);
      const preds = model.predictTexts(task.texts, task.options);
      const pieces: Piece[] = [];
      const transfer: ArrayBuffer[] = [];
      for (let at = 0, i = 0; i < task.parts.length; at += task.parts[i++]) {
        const json = JSON.stringify(preds.slice(at, at + task.parts[i])).slice(1, -1);
        if (json.length < ENCODE_AT) pieces.push(json);
        else {
          const bytes = encoder.encode(json);
          pieces.push(bytes);
          transfer.push(bytes.buffer as ArrayBuffer);
        }
      }
      const result: PredictResult = { pieces };
      if (task.facts) result.facts = factsOf(model);
      const handoff = task.handoff ? handoffOf(model) : null;
      if (handoff !== null) result.handoff = handoff;
      port.postMessage({ ok: true, result }, transfer);
    } catch (e) {
      // messages from decoding name "(model bytes)"; the user knows the file by its path
      if (e instanceof XmcError) port.postMessage({ ok: true, result: { error: e.message.replace("(model bytes)", init.source) } satisfies PredictResult });
      else port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

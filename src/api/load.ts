/** Loading a stored model of any registered method, from a model file's path or its bytes. */
import { withModelMemory } from "../core/alloc.js";
import type { Method, ModelSource } from "../methods/method.js";
import type { XmcModel } from "../methods/model.js";
import { readModelHeader, sourceName } from "../model/file.js";
import { methodByName } from "./methods.js";
import type { AnyModel } from "./types.js";

/** The registered method that wrote a stored model (read from the file's header). */
export function methodOfModel(source: ModelSource): Method {
  const header = readModelHeader(source);
  return methodByName(String(header.method), `${sourceName(source)}: model method`);
}

/** Load any stored model, dispatching on the method its header records. */
export function loadModel(source: ModelSource): AnyModel {
  return methodOfModel(source).load(source);
}

/** What a loaded model hands to worker threads (`XmcModel.handoff`), with its method's name. */
export interface ModelHandoff {
  method: string;
  handoff: unknown;
}

/**
 * What a worker thread builds its model from: a model file's bytes (a view over a
 * SharedArrayBuffer) to decode, into shared memory when `shareModel` (so that it can be handed on
 * in turn), or what a loaded model handed over.
 */
export type WorkerModelSource = { bytes: Uint8Array; shareModel?: boolean } | ModelHandoff;

/** Whether `model` can hand itself to worker threads (its method rebuilds it with `fromHandoff`). */
export function canHandOff(model: XmcModel): boolean {
  return model.handoff !== undefined && methodByName(model.method).fromHandoff !== undefined;
}

/** What `model` hands to worker threads, or null when it cannot (see {@link canHandOff}). */
export function handoffOf(model: XmcModel): ModelHandoff | null {
  return canHandOff(model) ? { method: model.method, handoff: model.handoff!() } : null;
}

/** A worker thread's model, from the bytes of its file or from a loaded model's handoff. */
export function loadWorkerModel(src: WorkerModelSource): XmcModel {
  if ("bytes" in src) return withModelMemory(src.shareModel ?? false, () => loadModel(src.bytes) as XmcModel);
  return methodByName(src.method).fromHandoff!(src.handoff);
}

/** Loading a stored model of any registered method, from a model file's path or its bytes. */
import type { Method, ModelSource } from "../methods/method.js";
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

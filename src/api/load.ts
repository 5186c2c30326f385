/** Loading a stored model of any registered method. */
import { XmcError } from "../core/errors.js";
import type { Method, ModelSource } from "../methods/method.js";
import type { XmcModel } from "../methods/model.js";
import { readModelMeta } from "../model/store.js";
import { methodByName } from "./methods.js";

/** The registered method that wrote a stored model. */
export function methodOfModel(source: ModelSource): Method {
  if (typeof source !== "string") throw new XmcError("a model given as bytes cannot be read in this model format; give its directory");
  const meta = readModelMeta(source);
  return methodByName(String(meta.method), `${source}: model method`);
}

/** Load any stored model, dispatching on the method it records. */
export function loadModel(source: ModelSource): XmcModel {
  return methodOfModel(source).load(source);
}

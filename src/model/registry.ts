import { XmcError } from "../core/errors.js";
import type { XmcModel } from "../methods/model.js";
import { PrimeModel } from "../methods/prime/model.js";
import { SyncXMLModel } from "../methods/syncxml/index.js";
import { XRLinearModel } from "../methods/xrlinear.js";
import { readModelMeta } from "./store.js";

/** Load any model directory, dispatching on the method recorded in model.json. */
export function loadModel(dir: string): XmcModel {
  const meta = readModelMeta(dir);
  switch (meta.method) {
    case "xr-linear":
      return XRLinearModel.load(dir);
    case "syncxml":
    case "inceptionxml":
      return SyncXMLModel.load(dir);
    case "prime":
      return PrimeModel.load(dir);
    default:
      throw new XmcError(`${dir}: unknown model method "${String(meta.method)}"`);
  }
}

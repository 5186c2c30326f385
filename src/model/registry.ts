import { XmcError } from "../core/errors.js";
import type { XmcModel } from "../methods/model.js";
import { PrimeModel } from "../methods/prime/model.js";
import { SyncXMLModel } from "../methods/syncxml/index.js";
import { XRLinearModel } from "../methods/xrlinear.js";
import { readModelHeader, sourceName } from "./file.js";

export { readModelHeader } from "./file.js";

/** Load any model file (a path or its bytes), dispatching on the method recorded in its header. */
export function loadModel(source: string | Uint8Array | ArrayBuffer): XmcModel {
  const header = readModelHeader(source);
  switch (header.method) {
    case "xr-linear":
      return XRLinearModel.load(source);
    case "syncxml":
    case "inceptionxml":
      return SyncXMLModel.load(source);
    case "prime":
      return PrimeModel.load(source);
    default:
      throw new XmcError(`${sourceName(source)}: unknown model method "${String(header.method)}"`);
  }
}

/**
 * xmc in the browser (the `xmc/browser` entry, bundled into one ES module by
 * scripts/build-browser.mjs): load a model from its bytes and predict, with the same code and
 * the same results as in Node.
 *
 *   const bytes = await (await fetch("model.xmc")).arrayBuffer();
 *   const model = loadModel(bytes);
 *   model.predictTexts(["gimp image editor"], { topK: 5 }); // [[{ label, score }, …]]
 *
 * Training, writing files and worker threads need Node: in the bundle Node's modules are
 * stand-ins that throw if called, which the prediction path never does. Kernels that would load
 * WebAssembly from a file use their plain-TypeScript twins there.
 */
export { loadModel, methodOfModel } from "./api/load.js";
export { METHODS, methodByName } from "./api/methods.js";
export type { AnyModel, AnyPredictOptions } from "./api/types.js";
export { XmcError } from "./core/errors.js";
export { decodeModelHeader } from "./model/format.js";
export type { Ranked } from "./search/beam.js";

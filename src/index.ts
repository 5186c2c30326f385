/**
 * xmc: extreme multi-label classification. The public library API (the browser's is
 * `xmc/browser`, src/browser.ts).
 */

// Methods: train with a model class (typed params) or through the registry; load any model file.
export { type NamedScore, type TrainOptions, XRLinearModel } from "./methods/xr-linear/model.js";
export { type EnsembleMember, parseXRLinearParams, type XRLinearParams, type XRLinearParamsInput, type XRLinearPredictInput } from "./methods/xr-linear/params.js";
export { SyncXMLModel } from "./methods/syncxml/model.js";
export { parseSyncXMLParams, type SyncXMLParams, type SyncXMLParamsInput, type SyncXMLPredictInput } from "./methods/syncxml/params.js";
export { PrimeModel } from "./methods/prime/model.js";
export { parsePrimeParams, type PrimeParams, type PrimeParamsInput, type PrimePredictInput } from "./methods/prime/params.js";
export { XRTransformerModel, type XrtTrainOptions, type XrtTrainReport } from "./methods/xr-transformer/model.js";
export { parseXrtParams, type XrtParams, type XrtParamsInput, type XrtPredictInput } from "./methods/xr-transformer/params.js";
export { METHODS, methodByName } from "./api/methods.js";
export type { Method, MethodTrainOptions, ModelSource, ParamsSection } from "./methods/method.js";
export { loadModel, methodOfModel } from "./api/load.js";
export { checkRedis, runTrainWorker, type TrainWorkerOptions } from "./api/worker.js";
export type { AnyModel, AnyPredictOptions } from "./api/types.js";
export type { PredictOverrides, XmcModel } from "./methods/model.js";
export { readModelHeader } from "./model/file.js";
export { type Ranked } from "./search/beam.js";

// Data: readers for XC, ARFF and text PREFIX data sets; sparse rows.
export type { Dataset, ReadOptions } from "./data/dataset.js";
export { loadDataset } from "./data/load.js";
export { readArff } from "./data/arff.js";
export { readText } from "./data/text.js";
export { readXc } from "./data/xc.js";
export { type Csr, csrFromRows } from "./core/csr.js";
export { StackedVectorizer } from "./text/stack.js";

// Evaluation: P@k, nDCG@k, PSP@k, PSnDCG@k, recall; propensities; the CLI's table.
export { evaluate, type MetricsReport, type Prediction, setMetrics } from "./eval/metrics.js";
export { inversePropensity, labelCounts } from "./eval/propensity.js";
export { formatTable } from "./eval/report.js";

// Serving: the HTTP server of `xmc serve` (fastify, prediction in worker threads), loaded on first use.
export type { ServeOptions, XmcServer } from "./serve/app.js";
export async function createXmcServer(...args: Parameters<typeof import("./serve/app.js").createXmcServer>): Promise<import("./serve/app.js").XmcServer> {
  return (await import("./serve/app.js")).createXmcServer(...args);
}

// Errors a caller can cause (bad input, bad params, bad model file).
export { XmcError } from "./core/errors.js";
export { type Progress, silentProgress } from "./core/progress.js";

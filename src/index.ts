/** xmc: extreme multi-label classification. The public library API. */
export { type Csr, csrFromRows, normalizeRowsL2, transpose } from "./core/csr.js";
export { XmcError } from "./core/errors.js";
export { type Progress, silentProgress } from "./core/progress.js";
export type { Dataset, ReadOptions } from "./data/dataset.js";
export { loadDataset } from "./data/load.js";
export { readArff } from "./data/arff.js";
export { readText } from "./data/text.js";
export { readXc } from "./data/xc.js";
export { evaluate, type MetricsReport, type Prediction, setMetrics } from "./eval/metrics.js";
export { inversePropensity, labelCounts } from "./eval/propensity.js";
export { formatTable, toJsonLine } from "./eval/report.js";
export { type NamedScore, type TrainOptions, XRLinearModel } from "./methods/xrlinear.js";
export { parseXRLinearParams, type XRLinearParams } from "./methods/xrlinear-params.js";
export { loadModel } from "./model/registry.js";
export { type Ranked } from "./search/beam.js";
export { StackedVectorizer } from "./text/stack.js";
export { TfidfVectorizer } from "./text/tfidf.js";

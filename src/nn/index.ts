/**
 * xmc's CPU training engine: Float32Array tensors, tape-based reverse-mode autograd, ops with
 * row-sparse gradients for embedding and label tables, optimizers (incl. lazy sparse Adam),
 * schedules, gradient checks and parameter files.
 */
export { Tensor, RowGrad, param, numel, type Shape, type TensorOptions } from "./tensor.js";
export { backward, noGrad, needsGrad, record, isGradEnabled, clearTape, tapeLength } from "./tape.js";
export { alloc, withPrecision, getPrecision, type Precision } from "./dtype.js";
export { gemm, setWasmGemm } from "./gemm.js";
export * from "./ops/index.js";
export * from "./optim.js";
export * from "./schedule.js";
export * from "./init.js";
export { saveParams, loadParams, loadInto, type LoadedParams, type SaveItem, type StoredArray } from "./params-io.js";
export * from "./layers.js";
export { gradcheck, type GradcheckOptions, type GradcheckResult } from "./gradcheck.js";

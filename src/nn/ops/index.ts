/** All differentiable ops of the engine (one file per family). */
export { matmul, bmm, linear } from "./matmul.js";
export { add, sub, mul, scale, addScalar } from "./elementwise.js";
export { relu, gelu, sigmoid, sigmoidValue, tanh } from "./activations.js";
export { sum, mean } from "./reduce.js";
export { softmax, logSoftmax, logSumExp } from "./softmax.js";
export { layerNorm, batchNorm, batchNormState, type BatchNormState } from "./norm.js";
export { dropout } from "./dropout.js";
export { embedding, embeddingBag, type BagMode } from "./embedding.js";
export { gatherRows, scatterAddRows } from "./gather.js";
export { reshape, concat, permute, transpose } from "./shape.js";
export { conv1d, conv1dOutLength, type Conv1dOptions } from "./conv.js";
export { conv1dNlc } from "./conv-nlc.js";
export { bceWithLogits, squaredHinge } from "./loss.js";
export { topk, type TopK } from "./topk.js";
export { l2NormalizeRows } from "./normalize.js";
export { spectralNorm, spectralNormState, type SpectralNormState, SpectralWeight } from "./spectral.js";

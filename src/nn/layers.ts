/**
 * Small parameter-owning layers over the ops, PyTorch-style initialisation (Xavier-uniform
 * weights and zero biases, as InceptionXML's `init_weights`). Each layer lists its parameters
 * (named `prefix.weight`, `prefix.bias`, ...) for optimizers and `params-io`, and its extra
 * persistent buffers (batch-norm running statistics) for checkpoints.
 */
import type { Rng } from "../core/rng.js";
import { embeddingTable, xavierUniform, zerosParam, constParam } from "./init.js";
import { batchNorm, batchNormState, type BatchNormState } from "./ops/norm.js";
import { conv1d, type Conv1dOptions } from "./ops/conv.js";
import { conv1dNlc } from "./ops/conv-nlc.js";
import { embedding, embeddingBag, type BagMode } from "./ops/embedding.js";
import { layerNorm } from "./ops/norm.js";
import { linear } from "./ops/matmul.js";
import type { Shape, Tensor } from "./tensor.js";

/** A named non-trainable array saved with a checkpoint. */
export interface LayerBuffer {
  name: string;
  shape?: number[];
  data: Float32Array;
}

/** Something that owns parameters. */
export interface Layer {
  parameters(): Tensor[];
  buffers(): LayerBuffer[];
}

/** Parameters of several layers, in order. */
export function parametersOf(layers: readonly Layer[]): Tensor[] {
  return layers.flatMap((l) => l.parameters());
}

/** y = x·Wᵀ + b, W (out × in). */
export class Linear implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, name: string, bias = true) {
    this.weight = xavierUniform([outFeatures, inFeatures], rng, `${name}.weight`);
    this.bias = bias ? zerosParam([outFeatures], `${name}.bias`) : null;
  }
  forward(x: Tensor, weight: Tensor = this.weight): Tensor {
    return linear(x, weight, this.bias);
  }
  parameters(): Tensor[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
  buffers(): LayerBuffer[] {
    return [];
  }
}

/** 1-D convolution, W (out × in × k). */
export class Conv1d implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, rng: Rng, name: string, readonly opts: Conv1dOptions = {}, bias = true) {
    this.weight = xavierUniform([outChannels, inChannels, kernel], rng, `${name}.weight`);
    this.bias = bias ? zerosParam([outChannels], `${name}.bias`) : null;
  }
  forward(x: Tensor, weight: Tensor = this.weight): Tensor {
    return conv1d(x, weight, this.bias, this.opts);
  }
  /** The same convolution on channels-last input (B, L, Cin) → (B, Lout, Cout). */
  forwardNlc(x: Tensor, weight: Tensor = this.weight): Tensor {
    return conv1dNlc(x, weight, this.bias, this.opts);
  }
  parameters(): Tensor[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
  buffers(): LayerBuffer[] {
    return [];
  }
}

/** Batch normalisation over (B, C) or (B, C, L) with running statistics. */
export class BatchNorm1d implements Layer {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly state: BatchNormState;
  constructor(readonly channels: number, readonly name: string, momentum = 0.1, eps = 1e-5) {
    this.gamma = constParam([channels], 1, `${name}.weight`);
    this.beta = zerosParam([channels], `${name}.bias`);
    this.state = batchNormState(channels, momentum, eps);
  }
  forward(x: Tensor, training: boolean): Tensor {
    return batchNorm(x, this.gamma, this.beta, this.state, training);
  }
  parameters(): Tensor[] {
    return [this.gamma, this.beta];
  }
  buffers(): LayerBuffer[] {
    return [
      { name: `${this.name}.running_mean`, data: this.state.runningMean },
      { name: `${this.name}.running_var`, data: this.state.runningVar },
    ];
  }
}

/** Layer normalisation over the last dimension with affine parameters. */
export class LayerNorm implements Layer {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  constructor(readonly dim: number, name: string, readonly eps = 1e-5) {
    this.gamma = constParam([dim], 1, `${name}.weight`);
    this.beta = zerosParam([dim], `${name}.bias`);
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }
  parameters(): Tensor[] {
    return [this.gamma, this.beta];
  }
  buffers(): LayerBuffer[] {
    return [];
  }
}

/** An embedding table with a row-sparse gradient (train it with SparseAdam). */
export class Embedding implements Layer {
  readonly weight: Tensor;
  constructor(readonly rows: number, readonly dim: number, rng: Rng, name: string, readonly paddingIdx = -1, initRange = 0.25) {
    this.weight = embeddingTable(rows, dim, rng, initRange, `${name}.weight`, paddingIdx);
  }
  /** Lookup: ids shaped `idsShape` → [...idsShape, dim]. */
  forward(ids: Int32Array, idsShape: Shape = [ids.length]): Tensor {
    return embedding(this.weight, ids, idsShape, this.paddingIdx);
  }
  /** Bags in CSR layout → [bags, dim]. */
  bag(ids: Int32Array, offsets: Int32Array, mode: BagMode = "mean", weights: Float32Array | null = null): Tensor {
    return embeddingBag(this.weight, ids, offsets, mode, weights);
  }
  parameters(): Tensor[] {
    return [this.weight];
  }
  buffers(): LayerBuffer[] {
    return [];
  }
}

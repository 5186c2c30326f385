/**
 * The InceptionXML encoder (Kharbanda et al., SIGIR 2023; `specs/inceptionxml-syncxml.md` §2),
 * built from the engine's ops. For token ids (B × S) it computes, layer by layer:
 *
 *  0. embedding lookup (B, S, E), PAD = row 0 (no gradient);  1. dropout;
 *  2. self-attention over tokens: G = X·Xᵀ (B, S, S), H = SN-Conv1d(S→S, k=1)(X),
 *     O = γ·(G·H) + X (no softmax, γ starts at 0);
 *  3. cross-attention over embedding dims on h = Oᵀ (B, E, S) with y = the dropped-out
 *     embeddings transposed: O′ = γ′·(h·yᵀ·H′) + h, H′ = SN-Conv1d(E→E, k=1)(h), back to (B, S, E).
 *     h·yᵀ·H′ is evaluated as h·(yᵀ·H′) (associativity: 2·E·S² instead of 2·E²·S multiply-adds,
 *     the same value up to rounding);
 *  4. projection Conv1d(S→F, k=1) → GELU → BatchNorm(F) → dropout (SyncXML: no dropout);
 *  5. three parallel Conv1d(F→F, k ∈ kernels, stride s, circular padding (k − s)/2) along the
 *     embedding axis, each (B, F, E/s);  6. concat → GELU → BatchNorm(3F) → dropout;
 *  7. aggregation Conv1d(3F→F, k = aggKernel, stride s) → GELU → BatchNorm(F);  8. flatten h2;
 *  9. (InceptionXML only) dropout → Linear(hd, hd) → GELU → BatchNorm(hd) = h_o; output h_o + h2.
 *
 * Shapes: L1 = E/s, L2 = ⌊(L1 − aggKernel)/s⌋ + 1, hidden hd = F·L2 ({@link encoderShapes}).
 * Weights: Xavier-uniform, zero biases; the attention convs Xavier-normal, spectrally normalised
 * (one power iteration per training forward, none in evaluation).
 */
import { XmcError } from "../../core/errors.js";
import type { ParamsOf } from "../../core/params.js";
import type { Rng } from "../../core/rng.js";
import { constParam, xavierNormal } from "../../nn/init.js";
import { BatchNorm1d, Conv1d, Embedding, Linear, type LayerBuffer } from "../../nn/layers.js";
import { add, bmm, concat, conv1d, dropout, gelu, mul, permute, reshape } from "../../nn/ops/index.js";
import { spectralNorm, spectralNormState, type SpectralNormState } from "../../nn/ops/spectral.js";
import type { Tensor } from "../../nn/tensor.js";

/** Encoder hyper-parameters (validated with the project's params schema). */
export const ENCODER_SCHEMA = {
  seqLen: { type: "number", default: 32, min: 1, integer: true, help: "tokens per text (padded or truncated)" },
  embDim: { type: "number", default: 300, min: 4, integer: true, help: "embedding dimension E (a multiple of the stride)" },
  filters: { type: "number", default: 32, min: 1, integer: true, help: "filters F of the projection and the convolutions" },
  kernels: { type: "string", default: "4,8,16", help: "kernel sizes of the parallel convolutions (comma separated, each ≥ stride, k − stride even)" },
  stride: { type: "number", default: 4, min: 1, integer: true, help: "stride of the inception and aggregation convolutions" },
  aggKernel: { type: "number", default: 16, min: 1, integer: true, help: "kernel of the aggregation convolution" },
  attention: { type: "boolean", default: true, help: "the two self-attention blocks (steps 2-3)" },
  embDropout: { type: "number", default: 0.25, min: 0, max: 0.95, help: "dropout after the embedding lookup" },
  projDropout: { type: "number", default: 0.25, min: 0, max: 0.95, help: "dropout after the projection (SyncXML: 0)" },
  dropout: { type: "number", default: 0.25, min: 0, max: 0.95, help: "dropout after the inception block and before the hidden layer" },
} as const;

/** Encoder hyper-parameters. */
export type EncoderParams = ParamsOf<typeof ENCODER_SCHEMA>;

/** The sizes implied by the hyper-parameters. */
export interface EncoderShapes {
  kernels: number[];
  /** Length after the parallel convolutions, E / stride. */
  l1: number;
  /** Length after the aggregation convolution. */
  l2: number;
  /** Flattened output size F·L2 (the `--hd` of the reference code). */
  hidden: number;
}

/** Check the hyper-parameters and compute the shape formula; throws an XmcError naming the problem. */
export function encoderShapes(p: EncoderParams, where = "encoder"): EncoderShapes {
  const kernels = p.kernels.split(",").map((s) => Number(s.trim()));
  if (kernels.length === 0 || kernels.some((k) => !Number.isInteger(k) || k < 1)) throw new XmcError(`${where}.kernels: expected comma-separated positive integers, got "${p.kernels}"`);
  const s = p.stride;
  for (const k of kernels) {
    if (k < s || (k - s) % 2 !== 0) throw new XmcError(`${where}.kernels: kernel ${k} must be ≥ the stride ${s} with k − stride even, so that every branch has length E/stride`);
  }
  if (p.embDim % s !== 0) throw new XmcError(`${where}.embDim: ${p.embDim} is not a multiple of the stride ${s}`);
  const l1 = p.embDim / s;
  if (l1 < p.aggKernel) throw new XmcError(`${where}: E/stride = ${l1} is shorter than aggKernel ${p.aggKernel}; use a larger embDim or a smaller aggKernel`);
  const l2 = Math.floor((l1 - p.aggKernel) / s) + 1;
  return { kernels, l1, l2, hidden: p.filters * l2 };
}

/** One SimpleSelfAttention block: a k = 1 spectrally normalised conv and the scalar γ. */
class SelfAttention {
  readonly weight: Tensor;
  readonly gamma: Tensor;
  readonly sn: SpectralNormState;
  constructor(readonly channels: number, rng: Rng, readonly name: string) {
    this.weight = xavierNormal([channels, channels, 1], rng, `${name}.conv.weight`);
    this.gamma = constParam([1], 0, `${name}.gamma`);
    this.sn = spectralNormState(this.weight, rng);
  }
  /** SN-normalised conv weight (one power step in training). */
  w(training: boolean): Tensor {
    return spectralNorm(this.weight, this.sn, training ? 1 : 0);
  }
  parameters(): Tensor[] {
    return [this.weight, this.gamma];
  }
  buffers(): LayerBuffer[] {
    return [
      { name: `${this.name}.sn_u`, data: this.sn.u },
      { name: `${this.name}.sn_v`, data: this.sn.v },
    ];
  }
}

/** Options of {@link InceptionEncoder} beyond the hyper-parameters. */
export interface EncoderOptions {
  /** Add InceptionXML's residual hidden layer (step 9); SyncXML leaves it to its heads. */
  hiddenLayer: boolean;
  /** Parameter name prefix (default "enc"). */
  prefix?: string;
}

/** The InceptionXML encoder; see the module comment. */
export class InceptionEncoder {
  readonly shapes: EncoderShapes;
  readonly embedding: Embedding;
  private readonly attTok: SelfAttention | null;
  private readonly attEmb: SelfAttention | null;
  private readonly proj: Conv1d;
  private readonly bnProj: BatchNorm1d;
  private readonly convs: Conv1d[];
  private readonly bnCat: BatchNorm1d;
  private readonly agg: Conv1d;
  private readonly bnAgg: BatchNorm1d;
  private readonly hidden: Linear | null;
  private readonly bnHidden: BatchNorm1d | null;

  constructor(readonly p: EncoderParams, readonly vocabSize: number, rng: Rng, readonly opts: EncoderOptions) {
    const sh = (this.shapes = encoderShapes(p));
    const pre = opts.prefix ?? "enc";
    const S = p.seqLen, E = p.embDim, F = p.filters, s = p.stride;
    this.embedding = new Embedding(vocabSize, E, rng, `${pre}.embedding`, 0, 0.25);
    this.attTok = p.attention ? new SelfAttention(S, rng, `${pre}.att_tok`) : null;
    this.attEmb = p.attention ? new SelfAttention(E, rng, `${pre}.att_emb`) : null;
    this.proj = new Conv1d(S, F, 1, rng, `${pre}.proj`);
    this.bnProj = new BatchNorm1d(F, `${pre}.proj_bn`);
    this.convs = sh.kernels.map((k, i) => new Conv1d(F, F, k, rng, `${pre}.conv${i}`, { stride: s, padding: (k - s) / 2, paddingMode: "circular" }));
    this.bnCat = new BatchNorm1d(F * sh.kernels.length, `${pre}.cat_bn`);
    this.agg = new Conv1d(F * sh.kernels.length, F, p.aggKernel, rng, `${pre}.agg`, { stride: s });
    this.bnAgg = new BatchNorm1d(F, `${pre}.agg_bn`);
    this.hidden = opts.hiddenLayer ? new Linear(sh.hidden, sh.hidden, rng, `${pre}.hidden`) : null;
    this.bnHidden = opts.hiddenLayer ? new BatchNorm1d(sh.hidden, `${pre}.hidden_bn`) : null;
  }

  /** Output size (hd). */
  get outDim(): number {
    return this.shapes.hidden;
  }

  /**
   * Encode B texts given as B·S token ids (row-major, PAD = 0) into (B, hd). `training` turns on
   * dropout (drawing from `rng`), batch statistics and the spectral-norm power steps.
   */
  forward(ids: Int32Array, B: number, training: boolean, rng: Rng): Tensor {
    const S = this.p.seqLen;
    if (ids.length !== B * S) throw new RangeError(`encoder: ${ids.length} ids for ${B} texts of ${S} tokens`);
    const emb = this.embedding.forward(ids, [B, S]); // (B, S, E)
    const x = dropout(emb, this.p.embDropout, rng, training);
    let o = x;
    if (this.attTok && this.attEmb) {
      // 2. over tokens: O = γ·((X·Xᵀ)·H) + X
      const G = bmm(x, x, false, true); // (B, S, S)
      const H = conv1d(x, this.attTok.w(training)); // (B, S, E)
      const t = add(mul(bmm(G, H), this.attTok.gamma), x);
      // 3. across embedding dims on h = Oᵀ (B, E, S), y = Xᵀ: O′ = γ′·(h·(yᵀ·H′)) + h
      const h = permute(t, [0, 2, 1]);
      const y = permute(x, [0, 2, 1]);
      const H2 = conv1d(h, this.attEmb.w(training)); // (B, E, S)
      const T = bmm(y, H2, true, false); // (B, S, S) = yᵀ·H′
      const o2 = add(mul(bmm(h, T), this.attEmb.gamma), h); // (B, E, S)
      o = permute(o2, [0, 2, 1]); // (B, S, E)
    }
    // 4. projection over token positions
    let z = this.bnProj.forward(gelu(this.proj.forward(o)), training); // (B, F, E)
    z = dropout(z, this.p.projDropout, rng, training);
    // 5-6. inception block along the embedding axis
    const branches = this.convs.map((c) => c.forward(z)); // each (B, F, L1)
    let c = this.bnCat.forward(gelu(concat(branches, 1)), training);
    c = dropout(c, this.p.dropout, rng, training);
    // 7-8. aggregation, flatten
    const a = this.bnAgg.forward(gelu(this.agg.forward(c)), training); // (B, F, L2)
    const h2 = reshape(a, [B, this.shapes.hidden]);
    if (!this.hidden || !this.bnHidden) return h2;
    // 9. residual hidden layer
    const ho = this.bnHidden.forward(gelu(this.hidden.forward(dropout(h2, this.p.dropout, rng, training))), training);
    return add(ho, h2);
  }

  /** Trainable parameters (the embedding table is row-sparse). */
  parameters(): Tensor[] {
    const out: Tensor[] = [...this.embedding.parameters()];
    if (this.attTok && this.attEmb) out.push(...this.attTok.parameters(), ...this.attEmb.parameters());
    out.push(...this.proj.parameters(), ...this.bnProj.parameters());
    for (const c of this.convs) out.push(...c.parameters());
    out.push(...this.bnCat.parameters(), ...this.agg.parameters(), ...this.bnAgg.parameters());
    if (this.hidden && this.bnHidden) out.push(...this.hidden.parameters(), ...this.bnHidden.parameters());
    return out;
  }

  /** Persistent non-trainable state: batch-norm running statistics, spectral-norm vectors. */
  buffers(): LayerBuffer[] {
    const out: LayerBuffer[] = [];
    if (this.attTok && this.attEmb) out.push(...this.attTok.buffers(), ...this.attEmb.buffers());
    out.push(...this.bnProj.buffers(), ...this.bnCat.buffers(), ...this.bnAgg.buffers());
    if (this.bnHidden) out.push(...this.bnHidden.buffers());
    return out;
  }
}

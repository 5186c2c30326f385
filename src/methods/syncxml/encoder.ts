/**
 * The InceptionXML encoder (Kharbanda et al., SIGIR 2023; docs/methods/syncxml.md),
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
 * The k = 1 convolutions of steps 2-4 are computed as `linear` layers on the transposed layout
 * (a k = 1 Conv1d over (B, C, N) is x·Wᵀ on the rows of (B, N, C)), and step 2 is produced
 * directly transposed ((G·H)ᵀ = Hᵀ·G, G being symmetric), which saves three permutes and the
 * im2col work of three convolutions; batch norm over (B·E, F) rows has the statistics of
 * BatchNorm1d over (B, F, E).
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
import { add, batchNorm, bmm, concat, dropout, gelu, linear, reshape } from "../../nn/ops/index.js";
import { needsGrad, record } from "../../nn/tape.js";
import { Tensor } from "../../nn/tensor.js";
import { type SpectralNormState, SpectralWeight } from "../../nn/ops/spectral.js";

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

/** γ·a + b for a one-element parameter γ (a and b of the same shape). */
export function gammaResidual(a: Tensor, gamma: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size || gamma.size !== 1) throw new RangeError(`gammaResidual: [${a.shape}] + [${b.shape}], γ of ${gamma.size} values`);
  const out = Tensor.zeros(b.shape);
  const y = out.data, u = a.data, v = b.data, g0 = gamma.data[0], n = out.size;
  for (let i = 0; i < n; i++) y[i] = g0 * u[i] + v[i];
  if (needsGrad(a, gamma, b)) {
    record(out, () => {
      const g = out.grad!;
      if (a.requiresGrad) a.addGrad(g, g0);
      if (b.requiresGrad) b.addGrad(g);
      if (gamma.requiresGrad) {
        let s = 0;
        for (let i = 0; i < n; i++) s += g[i] * u[i];
        gamma.gradBuffer()[0] += s;
      }
    });
  }
  return out;
}

/** dst[b] (+)= src[b]ᵀ for B row-major M × N matrices (dst holds N × M ones); 16 × 16 blocks. */
function blockTranspose(src: Float32Array, dst: Float32Array, B: number, M: number, N: number, acc: boolean): void {
  const T = 16;
  for (let b = 0; b < B; b++) {
    const o = b * M * N;
    for (let i0 = 0; i0 < M; i0 += T) {
      const i1 = Math.min(M, i0 + T);
      for (let j0 = 0; j0 < N; j0 += T) {
        const j1 = Math.min(N, j0 + T);
        for (let i = i0; i < i1; i++) {
          const si = o + i * N;
          if (acc) for (let j = j0; j < j1; j++) dst[o + j * M + i] += src[si + j];
          else for (let j = j0; j < j1; j++) dst[o + j * M + i] = src[si + j];
        }
      }
    }
  }
}

/** out[b] = x[b]ᵀ for a (B, M, N) tensor, giving (B, N, M): the engine's `permute(x, [0, 2, 1])` as a blocked copy. */
export function transposeLast2(x: Tensor): Tensor {
  if (x.rank !== 3) throw new RangeError(`transposeLast2: expected a 3-D tensor, got [${x.shape.join(", ")}]`);
  const [B, M, N] = x.shape;
  const out = Tensor.zeros([B, N, M]);
  blockTranspose(x.data, out.data, B, M, N, false);
  if (needsGrad(x)) record(out, () => blockTranspose(out.grad!, x.gradBuffer(), B, N, M, true));
  return out;
}

/** One SimpleSelfAttention block: a k = 1 spectrally normalised conv (C × C) and the scalar γ. */
class SelfAttention {
  readonly weight: Tensor;
  readonly gamma: Tensor;
  readonly sn: SpectralNormState;
  private readonly normed: SpectralWeight;
  constructor(readonly channels: number, rng: Rng, readonly name: string) {
    this.weight = xavierNormal([channels, channels], rng, `${name}.conv.weight`);
    this.gamma = constParam([1], 0, `${name}.gamma`);
    this.normed = new SpectralWeight(this.weight, rng);
    this.sn = this.normed.state;
  }
  /** SN-normalised conv weight (one power step in training). */
  w(training: boolean): Tensor {
    return this.normed.get(training);
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
  private readonly proj: Linear;
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
    this.proj = new Linear(S, F, rng, `${pre}.proj`); // Conv1d(S→F, k=1): same fans, same init
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
    const E = this.p.embDim, F = this.p.filters;
    const emb = this.embedding.forward(ids, [B, S]); // (B, S, E)
    const x = dropout(emb, this.p.embDropout, rng, training);
    const y = transposeLast2(x); // Xᵀ (B, E, S)
    let rows: Tensor; // (B·E, S): the attention output, one row per embedding coordinate
    if (this.attTok && this.attEmb) {
      // 2. over tokens (channels S): Oᵀ = γ·(Hᵀ·G) + Xᵀ with G = X·Xᵀ, Hᵀ = Xᵀ·Wᵀ
      const G = bmm(x, x, false, true); // (B, S, S)
      const HT = reshape(linear(reshape(y, [B * E, S]), this.attTok.w(training)), [B, E, S]);
      const h = gammaResidual(bmm(HT, G), this.attTok.gamma, y); // (B, E, S)
      // 3. across embedding dims (channels E): O′ = γ′·(h·(X·H′ᵀᵀ)) + h with H′ᵀ = hᵀ·W′ᵀ
      const H2T = reshape(linear(reshape(transposeLast2(h), [B * S, E]), this.attEmb.w(training)), [B, S, E]);
      const T = bmm(x, H2T, false, true); // (B, S, S) = yᵀ·H′
      rows = reshape(gammaResidual(bmm(h, T), this.attEmb.gamma, h), [B * E, S]);
    } else rows = reshape(y, [B * E, S]);
    // 4. projection over token positions: rows (B·E, S) → (B·E, F), batch-normalised per filter
    let pr = batchNorm(gelu(this.proj.forward(rows)), this.bnProj.gamma, this.bnProj.beta, this.bnProj.state, training);
    pr = dropout(pr, this.p.projDropout, rng, training);
    // 5-6. inception block along the embedding axis, channels-last: z is (B, E, F) as it
    // stands, each branch (B, L1, F); batch norm per channel on the (B·L1, channels) rows
    const z = reshape(pr, [B, E, F]);
    const branches = this.convs.map((c) => c.forwardNlc(z));
    const L1 = this.shapes.l1, L2 = this.shapes.l2, C3 = F * branches.length;
    let c = reshape(this.bnCat.forward(gelu(reshape(concat(branches, 2), [B * L1, C3])), training), [B, L1, C3]);
    c = dropout(c, this.p.dropout, rng, training);
    // 7-8. aggregation, flatten in (F, L2) order (the channels-first layout's feature order)
    const a = this.bnAgg.forward(gelu(reshape(this.agg.forwardNlc(c), [B * L2, F])), training);
    const h2 = reshape(transposeLast2(reshape(a, [B, L2, F])), [B, this.shapes.hidden]);
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

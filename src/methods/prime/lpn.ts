/**
 * The Label Prototype Network: one post-norm transformer encoder layer (multi-head
 * self-attention, GELU feed-forward, dropout, no positional encoding) over the length-3 sequence
 * [label-text embedding e_l, free vector v_g(l), centroid c_l], mean-pooled over the 3 positions.
 *
 *   a = MHA(x);  x1 = LN1(x + drop(a));  x2 = LN2(x1 + drop(W2·drop(gelu(W1·x1))));  z = mean_t x2
 */
import type { Rng } from "../../core/rng.js";
import { LayerNorm, Linear } from "../../nn/layers.js";
import { add, bmm, concat, dropout, gelu, mean, permute, reshape, scale, softmax } from "../../nn/ops/index.js";
import type { Tensor } from "../../nn/tensor.js";
import type { LpnParams } from "./params.js";

/** Sequence length of the LPN input. */
export const LPN_TOKENS = 3;

/** The LPN; see the module comment. */
export class LabelPrototypeNetwork {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ff1: Linear;
  readonly ff2: Linear;
  readonly ln1: LayerNorm;
  readonly ln2: LayerNorm;

  constructor(readonly d: number, readonly p: LpnParams, rng: Rng) {
    this.q = new Linear(d, d, rng, "lpn.q");
    this.k = new Linear(d, d, rng, "lpn.k");
    this.v = new Linear(d, d, rng, "lpn.v");
    this.o = new Linear(d, d, rng, "lpn.o");
    this.ff1 = new Linear(d, p.ffn, rng, "lpn.ff1");
    this.ff2 = new Linear(p.ffn, d, rng, "lpn.ff2");
    this.ln1 = new LayerNorm(d, "lpn.ln1");
    this.ln2 = new LayerNorm(d, "lpn.ln2");
  }

  /** Prototypes [P, d] of text embeddings e, free vectors f and centroids c (each [P, d]). */
  forward(e: Tensor, f: Tensor, c: Tensor, training: boolean, rng: Rng): Tensor {
    const P = e.shape[0], d = this.d, H = this.p.heads, dh = d / H, T = LPN_TOKENS;
    const drop = (t: Tensor): Tensor => (training && this.p.dropout > 0 ? dropout(t, this.p.dropout, rng, true) : t);
    // rows ordered (label, position): [P·3, d]
    const x = reshape(concat([e, f, c], 1), [P * T, d]);
    const heads = (t: Tensor): Tensor => reshape(permute(reshape(t, [P, T, H, dh]), [0, 2, 1, 3]), [P * H, T, dh]);
    const qh = heads(this.q.forward(x)), kh = heads(this.k.forward(x)), vh = heads(this.v.forward(x));
    const att = softmax(scale(bmm(qh, kh, false, true), 1 / Math.sqrt(dh))); // [P·H, 3, 3]
    const ctx = reshape(permute(reshape(bmm(att, vh), [P, H, T, dh]), [0, 2, 1, 3]), [P * T, d]);
    const x1 = this.ln1.forward(add(x, drop(this.o.forward(ctx))));
    const ff = this.ff2.forward(drop(gelu(this.ff1.forward(x1))));
    const x2 = this.ln2.forward(add(x1, drop(ff)));
    return mean(reshape(x2, [P, T, d]), 1);
  }

  parameters(): Tensor[] {
    return [this.q, this.k, this.v, this.o, this.ff1, this.ff2, this.ln1, this.ln2].flatMap((l) => l.parameters());
  }
}

/**
 * PRIME's text encoder on a CPU: an IDF-weighted bag of word vectors (the
 * weights of a text sum to 1) followed by residual GELU layers x ← x + W2·gelu(W1·x + b1) + b2.
 * The same encoder embeds queries and label texts. Texts arrive as token-id lists (`PrimeTokens`:
 * known words and word pairs); a text with no known word embeds to the UNK row.
 */
import { type Bags, idfBags } from "../../text/bags.js";
import type { Rng } from "../../core/rng.js";
import { Linear, type LayerBuffer } from "../../nn/layers.js";
import { embeddingTable } from "../../nn/init.js";
import { add, dropout, embeddingBag, gelu } from "../../nn/ops/index.js";
import type { Tensor } from "../../nn/tensor.js";
import { smoothIdf } from "../../retrieval/lexical.js";
import type { PrimeEncoderParams } from "./params.js";

export type { Bags };

/** Bag encoder; see the module comment. */
export class BagEncoder {
  readonly table: Tensor;
  readonly layers: { a: Linear; b: Linear }[] = [];
  /** idf of every vocabulary word (1 when IDF weighting is off). */
  idf: Float32Array;

  constructor(readonly p: PrimeEncoderParams, readonly vocabSize: number, rng: Rng) {
    this.table = embeddingTable(vocabSize, p.dim, rng, 0.25, "encoder.embedding", 0);
    for (let i = 0; i < p.layers; i++) this.layers.push({ a: new Linear(p.dim, p.dim, rng, `encoder.layer${i}.a`), b: new Linear(p.dim, p.dim, rng, `encoder.layer${i}.b`) });
    // small residual branches at the start: the encoder begins close to the plain bag
    for (const l of this.layers) for (let j = 0; j < l.b.weight.size; j++) l.b.weight.data[j] *= 0.1;
    this.idf = new Float32Array(vocabSize).fill(1);
  }

  /** Set idf_w = ln((1 + N) / (1 + df_w)) + 1 from token-id documents. */
  fitIdf(docs: readonly Int32Array[]): void {
    if (this.p.idfWeights) this.idf.set(smoothIdf(docs, this.vocabSize));
  }

  /** Bag layout of some token-id documents (ids < 0 or UNK dropped; `PrimeTokens.doc` truncates). */
  bags(docs: readonly Int32Array[]): Bags {
    return idfBags(docs, this.idf);
  }

  /** Embeddings [B, dim] of bags (not normalised). */
  forward(b: Bags, training: boolean, rng: Rng): Tensor {
    let x = embeddingBag(this.table, b.ids, b.offsets, "sum", b.weights);
    for (const l of this.layers) {
      let h = gelu(l.a.forward(x));
      if (training && this.p.dropout > 0) h = dropout(h, this.p.dropout, rng, true);
      x = add(x, l.b.forward(h));
    }
    return x;
  }

  parameters(): Tensor[] {
    return [this.table, ...this.layers.flatMap((l) => [...l.a.parameters(), ...l.b.parameters()])];
  }

  buffers(): LayerBuffer[] {
    return [{ name: "encoder.idf", data: this.idf }];
  }
}

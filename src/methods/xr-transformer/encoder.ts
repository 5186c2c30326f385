/**
 * XR-Transformer's text encoder on a CPU: an IDF-weighted bag of word vectors (weights of a text
 * sum to 1) followed by residual GELU layers x ← x + W2·gelu(W1·x + b1) + b2. Word vectors start
 * from skip-gram vectors trained on the training (and label) texts; the whole encoder is then
 * trained coarse to fine along the label tree (matcher.ts).
 */
import { type Bags, idfBags } from "../../text/bags.js";
import type { Rng } from "../../core/rng.js";
import { embeddingTable } from "../../nn/init.js";
import { Linear } from "../../nn/layers.js";
import { add, dropout, embeddingBag, gelu } from "../../nn/ops/index.js";
import { noGrad } from "../../nn/tape.js";
import type { Tensor } from "../../nn/tensor.js";
import { smoothIdf } from "../../retrieval/lexical.js";
import { type TokenVocab, UNK } from "../../text/vocab.js";
import type { XrtEncoderParams } from "./params.js";

export type { Bags };

/** The first `maxTokens` known words of a text (UNK and stop words dropped). */
export function textDoc(vocab: TokenVocab, text: string, maxTokens: number): Int32Array {
  const all = vocab.ids(text, -1);
  const out: number[] = [];
  for (let i = 0; i < all.length && out.length < maxTokens; i++) if (all[i] > UNK) out.push(all[i]);
  return Int32Array.from(out);
}

/** Bag encoder; see the module comment. */
export class XrtEncoder {
  readonly table: Tensor;
  readonly layers: { a: Linear; b: Linear }[] = [];
  /** idf of every vocabulary word. */
  readonly idf: Float32Array;

  constructor(readonly p: XrtEncoderParams, readonly vocabSize: number, rng: Rng) {
    this.table = embeddingTable(vocabSize, p.dim, rng, 0.25, "encoder.embedding", 0);
    for (let i = 0; i < p.layers; i++) this.layers.push({ a: new Linear(p.dim, p.dim, rng, `encoder.layer${i}.a`), b: new Linear(p.dim, p.dim, rng, `encoder.layer${i}.b`) });
    // small residual branches at the start: the encoder begins close to the plain bag
    for (const l of this.layers) for (let j = 0; j < l.b.weight.size; j++) l.b.weight.data[j] *= 0.1;
    this.idf = new Float32Array(vocabSize).fill(1);
  }

  get dim(): number {
    return this.p.dim;
  }

  /** Set idf_w = ln((1 + N) / (1 + df_w)) + 1 from token-id documents. */
  fitIdf(docs: readonly Int32Array[]): void {
    this.idf.set(smoothIdf(docs, this.vocabSize));
  }

  /** Bag layout of token-id documents; an empty document is the UNK row. */
  bags(docs: readonly Int32Array[]): Bags {
    return idfBags(docs, this.idf);
  }

  /** Embeddings [B, dim] of bags (not normalised). */
  forward(b: Bags, training: boolean, rng: Rng | null): Tensor {
    let x = embeddingBag(this.table, b.ids, b.offsets, "sum", b.weights);
    for (const l of this.layers) {
      let h = gelu(l.a.forward(x));
      if (training && rng && this.p.dropout > 0) h = dropout(h, this.p.dropout, rng, true);
      x = add(x, l.b.forward(h));
    }
    return x;
  }

  /** Embeddings (n × dim, not normalised) of documents, without gradients, in chunks. */
  embedAll(docs: readonly Int32Array[], chunk = 2048): Float32Array {
    const d = this.dim, out = new Float32Array(docs.length * d);
    noGrad(() => {
      for (let a = 0; a < docs.length; a += chunk) {
        const b = Math.min(docs.length, a + chunk);
        out.set(this.forward(this.bags(docs.slice(a, b)), false, null).data, a * d);
      }
    });
    return out;
  }

  parameters(): Tensor[] {
    return [this.table, ...this.layers.flatMap((l) => [...l.a.parameters(), ...l.b.parameters()])];
  }
}

/** L2-normalise the rows (n × d) of a dense matrix in place; zero rows stay zero. */
export function normalizeDenseRows(e: Float32Array, d: number): Float32Array {
  for (let o = 0; o < e.length; o += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += e[o + j] * e[o + j];
    if (s > 0) {
      const f = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) e[o + j] *= f;
    }
  }
  return e;
}

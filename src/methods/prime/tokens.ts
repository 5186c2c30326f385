/**
 * PRIME's token ids: the word vocabulary (`TokenVocab`) plus word pairs. A pair of adjacent
 * tokens (after stop-word removal) that occurs at least `minCount` times in the training and label
 * texts gets an id of its own after the words (V + j), so the bag encoder sees phrases such as
 * "musical instrument" besides its words, as XR-Linear's word-bigram TF-IDF does.
 *
 * A text becomes its first `maxTokens` known words followed by the pairs among those words
 * (both words known and adjacent in the token stream).
 */
import { textTokens, TokenVocab, UNK } from "../../text/vocab.js";

/** Options of {@link PrimeTokens.build}. */
export interface PairOptions {
  /** Smallest count of a kept pair (0: no pairs). */
  minCount: number;
  /** Most pairs kept (the most frequent). */
  maxPairs: number;
  /** Words kept per text. */
  maxTokens: number;
}

/** Word and word-pair ids of texts; see the module comment. */
export class PrimeTokens {
  private readonly index = new Map<number, number>();

  /** `pairs`: [a0, b0, a1, b1, ...] word ids of pair j (id V + j). */
  constructor(readonly vocab: TokenVocab, readonly pairs: Int32Array, readonly maxTokens: number) {
    for (let j = 0; j < pairs.length / 2; j++) this.index.set(this.key(pairs[2 * j], pairs[2 * j + 1]), vocab.size + j);
  }

  /** Words + pairs. */
  get size(): number {
    return this.vocab.size + this.pairs.length / 2;
  }

  get nPairs(): number {
    return this.pairs.length / 2;
  }

  private key(a: number, b: number): number {
    return a * this.vocab.size + b;
  }

  /** The pairs of `texts` (training, then label texts) seen at least minCount times, most frequent first (ties by ids). */
  static build(vocab: TokenVocab, texts: readonly string[], o: PairOptions): PrimeTokens {
    if (o.minCount <= 0 || o.maxPairs <= 0) return new PrimeTokens(vocab, new Int32Array(0), o.maxTokens);
    const V = vocab.size;
    const count = new Map<number, number>();
    for (const t of texts) {
      const w = knownWords(vocab, t, o.maxTokens);
      for (let i = 0; i + 1 < w.length; i++) if (w[i] >= 0 && w[i + 1] >= 0) {
        const k = w[i] * V + w[i + 1];
        count.set(k, (count.get(k) ?? 0) + 1);
      }
    }
    const kept = [...count.entries()].filter(([, n]) => n >= o.minCount).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, o.maxPairs);
    const pairs = new Int32Array(2 * kept.length);
    kept.forEach(([k], j) => {
      pairs[2 * j] = Math.floor(k / V);
      pairs[2 * j + 1] = k % V;
    });
    return new PrimeTokens(vocab, pairs, o.maxTokens);
  }

  /** Ids of a text: its first maxTokens known words, then its kept pairs. */
  doc(text: string): Int32Array {
    const w = knownWords(this.vocab, text, this.maxTokens);
    const out: number[] = [];
    for (const id of w) if (id >= 0) out.push(id);
    if (this.index.size > 0) {
      for (let i = 0; i + 1 < w.length; i++) if (w[i] >= 0 && w[i + 1] >= 0) {
        const j = this.index.get(this.key(w[i], w[i + 1]));
        if (j !== undefined) out.push(j);
      }
    }
    return Int32Array.from(out);
  }

  /** Initialise the pair rows of an embedding table (rows in id order, width d) to the mean of their two words' rows. */
  initPairRows(table: Float32Array, d: number): void {
    const V = this.vocab.size;
    for (let j = 0; j < this.nPairs; j++) {
      const a = this.pairs[2 * j] * d, b = this.pairs[2 * j + 1] * d, o = (V + j) * d;
      for (let c = 0; c < d; c++) table[o + c] = 0.5 * (table[a + c] + table[b + c]);
    }
  }
}

/** Token stream of a text up to its maxTokens-th known word: word ids, −1 for unknown words. */
function knownWords(vocab: TokenVocab, text: string, maxTokens: number): Int32Array {
  const out: number[] = [];
  let known = 0;
  for (const t of textTokens(text, vocab.stopWords)) {
    if (known >= maxTokens) break;
    const id = vocab.id(t);
    out.push(id > UNK ? id : -1);
    if (id > UNK) known++;
  }
  return Int32Array.from(out);
}

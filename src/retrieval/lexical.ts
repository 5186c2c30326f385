/**
 * Lexical neighbours: the training queries nearest to a query by TF-IDF cosine over a model's own
 * token ids (PRIME's and SyncXML's words after stop-word removal, and PRIME's word pairs). A
 * text's vector has weight (1 + ln tf) · idf per token, L2-normalised. The training queries are
 * kept as posting lists (token → queries and weights), so a query costs the lengths of its tokens'
 * lists; the top k come from a bounded heap.
 *
 * Dense neighbours (cosine of encoder features) miss exact word overlap that the encoders blur;
 * measured on wordnet-hyper3 the lexical channel added +0.85 P@1 to PRIME's dense neighbours
 * (bench/results/prime.md) and +1.8 to SyncXML's (bench/results/syncxml-trials.md).
 */
import { type Csr, csrFromRows, transpose } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import { TopKHeap } from "../core/topk.js";
import type { TopK } from "./exact.js";

/** Smoothed idf of token-id documents: idf_t = ln((1 + N) / (1 + df_t)) + 1 (ids < 0 or ≥ nTokens ignored). */
export function smoothIdf(docs: readonly Int32Array[], nTokens: number): Float32Array {
  const df = new Float64Array(nTokens);
  const mark = new Int32Array(nTokens).fill(-1);
  docs.forEach((d, i) => {
    for (const t of d) if (t >= 0 && t < nTokens && mark[t] !== i) {
      mark[t] = i;
      df[t]++;
    }
  });
  const N = docs.length;
  return Float32Array.from(df, (c) => Math.log((1 + N) / (1 + c)) + 1);
}

/** Sparse TF-IDF row of a token-id document: sorted ids and L2-normalised weights. */
export function lexicalVector(doc: Int32Array, idf: Float32Array): { ids: Int32Array; weights: Float32Array } {
  const sorted = Int32Array.from(doc).sort();
  const ids: number[] = [], w: number[] = [];
  let norm = 0;
  for (let a = 0; a < sorted.length; ) {
    let b = a + 1;
    while (b < sorted.length && sorted[b] === sorted[a]) b++;
    const id = sorted[a], v = (1 + Math.log(b - a)) * (id < idf.length ? idf[id] : 1);
    ids.push(id);
    w.push(v);
    norm += v * v;
    a = b;
  }
  const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return { ids: Int32Array.from(ids), weights: Float32Array.from(w, (v) => v * s) };
}

/** Posting lists of the training queries' lexical vectors; see the module comment. */
export class LexicalIndex {
  private acc: Float32Array;
  private touched: Int32Array;

  /** `indptr` [V + 1] over tokens; `queries` / `weights` the postings (query id, weight), query ids ascending per token. */
  constructor(readonly nQueries: number, readonly indptr: Int32Array, readonly queries: Int32Array, readonly weights: Float32Array) {
    if (indptr.length < 1 || indptr[0] !== 0 || indptr[indptr.length - 1] !== queries.length || weights.length !== queries.length) {
      throw new XmcError("lexical index: posting arrays are inconsistent");
    }
    for (const q of queries) if (q < 0 || q >= nQueries) throw new XmcError(`lexical index: query id ${q} outside 0..${nQueries - 1}`);
    this.acc = new Float32Array(nQueries);
    this.touched = new Int32Array(nQueries);
  }

  /** Index token-id documents (one per training query) over a vocabulary of `nTokens` ids. */
  static build(docs: readonly Int32Array[], idf: Float32Array, nTokens: number): LexicalIndex {
    const rows = docs.map((d) => lexicalVector(d, idf));
    for (const r of rows) for (const id of r.ids) if (id < 0 || id >= nTokens) throw new XmcError(`lexical index: token id ${id} outside 0..${nTokens - 1}`);
    // queries × tokens, transposed into the posting lists (query ids ascending per token)
    const postings = transpose(csrFromRows(nTokens, rows.map((r) => r.ids), rows.map((r) => r.weights)));
    return new LexicalIndex(docs.length, postings.indptr, postings.indices, postings.data);
  }

  /**
   * The k training queries of highest cosine with each document (m×k, best first, ties by smaller
   * id; queries sharing no token are never returned, rows padded with -1 / -Infinity).
   */
  search(docs: readonly Int32Array[], idf: Float32Array, k: number): TopK {
    const m = docs.length, kk = Math.max(0, Math.min(k, this.nQueries));
    const ids = new Int32Array(m * kk), scores = new Float32Array(m * kk);
    const heap = new TopKHeap(kk);
    for (let i = 0; i < m; i++) {
      const v = lexicalVector(docs[i], idf);
      this.searchVector(v.ids, v.weights, 0, v.ids.length, heap, ids, scores, i * kk, kk);
    }
    return { ids, scores };
  }

  /**
   * The k indexed rows of highest dot product with each row of Q (rows already weighted and
   * normalised, e.g. TF-IDF rows of the same feature space); m×k, best first, as {@link search}.
   * Feature ids beyond the index's vocabulary are ignored.
   */
  searchRows(Q: Pick<Csr, "rows" | "indptr" | "indices" | "data">, k: number): TopK {
    const m = Q.rows, kk = Math.max(0, Math.min(k, this.nQueries));
    const ids = new Int32Array(m * kk), scores = new Float32Array(m * kk);
    const heap = new TopKHeap(kk);
    for (let i = 0; i < m; i++) this.searchVector(Q.indices, Q.data, Q.indptr[i], Q.indptr[i + 1], heap, ids, scores, i * kk, kk);
    return { ids, scores };
  }

  /** One query's sparse vector (entries a..b of ids/weights) → its top `width` rows at outIds/outScores[off..]. */
  searchVector(
    qIds: ArrayLike<number>, qWeights: ArrayLike<number>, a: number, b: number, heap: TopKHeap,
    outIds: Int32Array, outScores: Float32Array, off: number, width: number,
  ): void {
    const acc = this.acc, touched = this.touched, V = this.indptr.length - 1;
    let nt = 0;
    for (let j = a; j < b; j++) {
      const t = qIds[j];
      if (t >= V) continue;
      const w = qWeights[j];
      for (let p = this.indptr[t]; p < this.indptr[t + 1]; p++) {
        const q = this.queries[p];
        if (acc[q] === 0) touched[nt++] = q;
        acc[q] += w * this.weights[p];
      }
    }
    heap.reset(width);
    for (let j = 0; j < nt; j++) {
      const q = touched[j];
      if (acc[q] > 0) heap.push(q, acc[q]);
      acc[q] = 0;
    }
    heap.drainSorted(outIds, outScores, off, width);
  }
}

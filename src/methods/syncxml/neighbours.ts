/**
 * Training-query neighbours for SyncXML (an xmc addition, not in the paper; the same idea as
 * PRIME's retrieval-augmented ranking): after training, the training texts are kept with their
 * labels, in two indexes:
 * - dense: the extreme head's query features h_c (evaluation mode, L2-normalised), searched by cosine;
 * - lexical: TF-IDF vectors over the model's vocabulary (`retrieval/lexical.ts`), searched by cosine
 *   through posting lists; it finds the exact word overlap that the encoder blurs.
 * At prediction each channel's k nearest training queries vote for their labels with softmax weights
 * e^(cos/τ) / Σ e^(cos/τ), and a label's score becomes
 * (1 − v) · ((1 − w) · (classifier score) + w · (dense vote)) + v · (lexical vote),
 * w = neighbourWeight, v = lexicalWeight (a channel that is off has weight 0). All parts lie in [0, 1].
 * The indexes are built when a model is trained with predict.neighbours > 0 (dense) or
 * predict.lexicalNeighbours > 0 (lexical).
 */
import type { Csr } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import { TopKHeap } from "../../core/topk.js";
import { neighbourVote, type VoteKernel } from "../../retrieval/vote.js";
import { ExactIndex, normalizeRows, type TopK } from "../../retrieval/exact.js";
import { LexicalIndex, smoothIdf } from "../../retrieval/lexical.js";
import type { HnswIndex } from "../../retrieval/hnsw.js";
import type { Ranked } from "../../search/beam.js";
import type { Network } from "./network.js";
import type { SyncXMLPredictParams } from "./params.js";
import { UNK, type TokenVocab } from "../../text/vocab.js";

/** The training queries' labels, dense features and lexical vectors. */
export interface NeighbourIndex {
  n: number;
  d: number;
  /** n × d L2-normalised features, row-major (null: no dense channel). */
  keys: Float32Array | null;
  /** n × L labels of the training queries (positives only). */
  Y: Csr;
  /** TF-IDF posting lists of the training texts and the idf of every vocabulary word (null: no lexical channel). */
  lexical: { index: LexicalIndex; idf: Float32Array } | null;
}

/**
 * Options of {@link fuseNeighbours}: the model's prediction params (a channel is off when its
 * neighbour count or weight is 0), and an HNSW graph over `keys` (null: exact dense search).
 */
export type NeighbourOptions = Pick<SyncXMLPredictParams, "neighbours" | "neighbourWeight" | "neighbourTau" | "lexicalNeighbours" | "lexicalWeight" | "lexicalTau" | "efSearch"> & { hnsw: HnswIndex | null };

/** Queries per feature pass when indexing. */
const BATCH = 256;

/** Index the training texts' h_c features (evaluation mode), L2-normalised: n × d, row-major. */
export function denseKeys(net: Network, vocab: TokenVocab, texts: readonly string[], seqLen: number, progress: Progress = silentProgress): Float32Array {
  const d = net.encoder.outDim, n = texts.length;
  const keys = new Float32Array(n * d);
  const rng = new Rng(0); // unused: no dropout in evaluation
  progress.start("neighbour index", n);
  for (let a = 0; a < n; a += BATCH) {
    const chunk = texts.slice(a, a + BATCH);
    keys.set(net.extFeatures(vocab.encode(chunk, seqLen), chunk.length, rng), a * d);
    progress.tick(chunk.length);
  }
  progress.stop();
  return normalizeRows(keys, n, d);
}

/** A text's known token ids (all of them, no truncation) for the lexical channel. */
export function lexicalDoc(vocab: TokenVocab, text: string): Int32Array {
  return vocab.ids(text).filter((t) => t > UNK);
}

/** Index the training texts for the channels asked for: their labels, and dense features and/or TF-IDF postings. */
export function buildNeighbourIndex(
  net: Network, vocab: TokenVocab, texts: readonly string[], Y: Csr, seqLen: number, channels: { dense: boolean; lexical: boolean }, progress: Progress = silentProgress,
): NeighbourIndex {
  const keys = channels.dense ? denseKeys(net, vocab, texts, seqLen, progress) : null;
  let lexical: NeighbourIndex["lexical"] = null;
  if (channels.lexical) {
    const docs = texts.map((t) => lexicalDoc(vocab, t));
    const idf = smoothIdf(docs, vocab.size);
    lexical = { index: LexicalIndex.build(docs, idf, vocab.size), idf };
  }
  return { n: texts.length, d: net.encoder.outDim, keys, Y: { rows: Y.rows, cols: Y.cols, indptr: Y.indptr.slice(), indices: Y.indices.slice(), data: new Float32Array(0) }, lexical };
}

/**
 * Re-rank each query's candidate list (all its classifier-scored labels) with the neighbour votes;
 * labels reached only through neighbours join with classifier score 0. `features` are the queries'
 * h_c rows (dense channel), `docs` their token ids (lexical channel; see {@link lexicalDoc}). Keeps
 * the best `topK` (ties by smaller label id), then cuts at `threshold` (> 0).
 */
export function fuseNeighbours(
  lists: readonly { labels: Int32Array; scores: Float32Array }[], features: Float32Array, docs: readonly Int32Array[] | null, index: NeighbourIndex,
  o: NeighbourOptions, topK: number, threshold: number,
): Ranked[] {
  const m = lists.length, { d, Y } = index;
  const kd = o.neighbourWeight > 0 ? Math.min(o.neighbours, index.n) : 0, kl = o.lexicalWeight > 0 ? Math.min(o.lexicalNeighbours, index.n) : 0;
  if (kd > 0 && !index.keys) throw new XmcError("syncxml: this model keeps no dense index of its training queries (trained with predict.neighbours 0); predict with neighbours 0");
  if (kl > 0 && (!index.lexical || !docs)) throw new XmcError("syncxml: this model keeps no lexical index of its training queries (trained with predict.lexicalNeighbours 0); predict with lexical-weight 0");
  let near: TopK | null = null, lex: TopK | null = null;
  if (kd > 0) {
    const q = normalizeRows(features.slice(0, m * d), m, d);
    near = o.hnsw ? o.hnsw.searchBatch(q, m, kd, Math.max(o.efSearch, kd)) : ExactIndex.of(index.keys!, index.n, d).search(q, m, kd);
  }
  if (kl > 0) lex = index.lexical!.index.search(docs!, index.lexical!.idf, kl);
  const w = kd > 0 ? o.neighbourWeight : 0, v = kl > 0 ? o.lexicalWeight : 0;
  const acc = new Float64Array(Y.cols);
  const seen = new Uint8Array(Y.cols);
  const touched: number[] = [];
  const out: Ranked[] = [];
  const heap = new TopKHeap(topK), best = new Int32Array(Math.max(0, topK)), bestScores = new Float64Array(Math.max(0, topK));
  // one channel's softmax vote over its retrieved cosines, scaled by `scale`
  const softmax: VoteKernel = { kind: "softmax" };
  const addVote = (l: number, e: number): void => {
    if (!seen[l]) {
      seen[l] = 1;
      acc[l] = 0;
      touched.push(l);
    }
    acc[l] += e;
  };
  const vote = (list: TopK, k: number, tau: number, i: number, scale: number): void => neighbourVote(list, k, i, Y, softmax, tau, scale, addVote);
  for (let i = 0; i < m; i++) {
    touched.length = 0;
    const { labels, scores } = lists[i];
    for (let j = 0; j < labels.length; j++) {
      const l = labels[j];
      acc[l] = (1 - v) * (1 - w) * scores[j];
      seen[l] = 1;
      touched.push(l);
    }
    if (near) vote(near, kd, o.neighbourTau, i, (1 - v) * w);
    if (lex) vote(lex, kl, o.lexicalTau, i, v);
    heap.reset(Math.min(topK, touched.length));
    for (const l of touched) {
      heap.push(l, acc[l]);
      seen[l] = 0;
    }
    let n = heap.size;
    heap.drainSorted(best, bestScores, 0, 0);
    if (threshold > 0) while (n > 0 && bestScores[n - 1] < threshold) n--;
    out.push({ labels: best.slice(0, n), scores: Float32Array.from(bestScores.subarray(0, n)) });
  }
  return out;
}

/**
 * Training-query neighbours for SyncXML (an xmc addition, not in the paper; the same idea as
 * PRIME's retrieval-augmented ranking): after training, the extreme head's query features h_c of
 * every training text (evaluation mode, L2-normalised) are kept with the text's labels. At
 * prediction the k training queries nearest to the query (cosine) vote for their labels with
 * softmax weights e^(cos/τ) / Σ e^(cos/τ), and a label's score becomes
 * (1 − w) · (classifier score) + w · (its vote), w = neighbourWeight. Both parts lie in [0, 1].
 * The index is built when a model is trained with predict.neighbours > 0.
 */
import type { Csr } from "../../core/csr.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import { exactTopK, normalizeRows, type TopK } from "../../search/ann/exact.js";
import type { HnswIndex } from "../../search/ann/hnsw.js";
import type { Ranked } from "../../search/beam.js";
import type { Network } from "./network.js";
import type { TokenVocab } from "./vocab.js";

/** The training queries' features and labels. */
export interface NeighbourIndex {
  /** n × d L2-normalised features, row-major. */
  keys: Float32Array;
  n: number;
  d: number;
  /** n × L labels of the training queries (positives only). */
  Y: Csr;
}

/** Options of {@link fuseNeighbours}. */
export interface NeighbourOptions {
  /** Neighbours retrieved per query. */
  k: number;
  /** Weight w of the neighbour vote. */
  weight: number;
  /** Softmax temperature τ over the neighbours' cosines. */
  tau: number;
  /** Approximate search over `keys` (null: exact). */
  hnsw?: HnswIndex | null;
  /** HNSW candidate list size. */
  efSearch?: number;
}

/** Queries per feature pass when indexing. */
const BATCH = 256;

/** Index the training texts: their h_c features in evaluation mode and their labels. */
export function buildNeighbourIndex(net: Network, vocab: TokenVocab, texts: readonly string[], Y: Csr, seqLen: number, progress: Progress = silentProgress): NeighbourIndex {
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
  normalizeRows(keys, n, d);
  return { keys, n, d, Y: { rows: Y.rows, cols: Y.cols, indptr: Y.indptr.slice(), indices: Y.indices.slice(), data: new Float32Array(0) } };
}

/**
 * Re-rank each query's candidate list (all its classifier-scored labels) with the neighbour vote;
 * labels reached only through neighbours join with classifier score 0. Keeps the best `topK`
 * (ties by smaller label id), then cuts at `threshold` (> 0).
 */
export function fuseNeighbours(
  lists: readonly { labels: Int32Array; scores: Float32Array }[], features: Float32Array, index: NeighbourIndex,
  o: NeighbourOptions, topK: number, threshold: number,
): Ranked[] {
  const m = lists.length, { d, Y } = index;
  const q = normalizeRows(features.slice(0, m * d), m, d);
  const k = Math.min(o.k, index.n);
  const near: TopK = o.hnsw ? o.hnsw.searchBatch(q, m, k, Math.max(o.efSearch ?? 64, k)) : exactTopK(index.keys, index.n, d, q, m, k);
  const acc = new Float64Array(Y.cols);
  const seen = new Uint8Array(Y.cols);
  const touched: number[] = [];
  const out: Ranked[] = [];
  const w = o.weight;
  for (let i = 0; i < m; i++) {
    touched.length = 0;
    const { labels, scores } = lists[i];
    for (let j = 0; j < labels.length; j++) {
      const l = labels[j];
      acc[l] = (1 - w) * scores[j];
      seen[l] = 1;
      touched.push(l);
    }
    // softmax over the retrieved cosines, relative to the best one (no overflow)
    const top = near.scores[i * k];
    let z = 0;
    for (let j = 0; j < k; j++) if (near.ids[i * k + j] >= 0) z += Math.exp((near.scores[i * k + j] - top) / o.tau);
    for (let j = 0; j < k; j++) {
      const nb = near.ids[i * k + j];
      if (nb < 0) continue;
      const v = (w * Math.exp((near.scores[i * k + j] - top) / o.tau)) / z;
      for (let p = Y.indptr[nb]; p < Y.indptr[nb + 1]; p++) {
        const l = Y.indices[p];
        if (!seen[l]) {
          seen[l] = 1;
          acc[l] = 0;
          touched.push(l);
        }
        acc[l] += v;
      }
    }
    touched.sort((a, b) => acc[b] - acc[a] || a - b);
    let n = Math.min(topK, touched.length);
    if (threshold > 0) while (n > 0 && acc[touched[n - 1]] < threshold) n--;
    const rl = new Int32Array(n), rs = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      rl[j] = touched[j];
      rs[j] = acc[touched[j]];
    }
    for (const l of touched) seen[l] = 0;
    out.push({ labels: rl, scores: rs });
  }
  return out;
}

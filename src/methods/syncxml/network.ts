/**
 * The SyncXML / InceptionXML network: the InceptionXML encoder plus either SyncXML's twin heads
 * over label clusters or InceptionXML's one-vs-all head. `loss` builds the training graph of one
 * batch (§3.4-3.6: teacher-forced shortlist, detached warm-up, BCE on the candidates + meta BCE);
 * `predict` ranks labels (§3.7: σ(label) · σ(its cluster), or σ(label) alone).
 */
import type { Rng } from "../../core/rng.js";
import type { LayerBuffer } from "../../nn/layers.js";
import { add, bceWithLogits, scale, topk } from "../../nn/ops/index.js";
import { noGrad } from "../../nn/tape.js";
import { Tensor } from "../../nn/tensor.js";
import { applyThreshold } from "../../eval/thresholds.js";
import type { Ranked } from "../../search/beam.js";
import { InceptionEncoder } from "./encoder.js";
import type { LabelClusters } from "./clusters.js";
import { clusterScores, ExtremeHead, MetaHead, OvaHead, shortlist } from "./heads.js";
import type { SyncXMLParams } from "./params.js";

/** Losses of one batch (numbers, for progress reports). */
export interface BatchLoss {
  /** The optimised total (a graph root). */
  total: Tensor;
  meta: number;
  ext: number;
  /** Candidates scored per query (SyncXML) or L (InceptionXML). */
  candidates: number;
}

/** Options of {@link Network.predict}. */
export interface NetPredictOptions {
  topK: number;
  shortlist: number;
  score: "comb" | "probs";
  threshold: number;
}

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/** Encoder + heads; see the module comment. */
export class Network {
  readonly encoder: InceptionEncoder;
  readonly meta: MetaHead | null;
  readonly ext: ExtremeHead | null;
  readonly ova: OvaHead | null;
  private mark: Int32Array;

  constructor(readonly p: SyncXMLParams, vocabSize: number, readonly L: number, readonly clusters: LabelClusters | null, rng: Rng) {
    const sync = p.model.architecture === "syncxml";
    if (sync && !clusters) throw new Error("network: SyncXML needs label clusters");
    this.encoder = new InceptionEncoder(p.encoder, vocabSize, rng, { hiddenLayer: !sync });
    const hd = this.encoder.outDim;
    this.meta = sync ? new MetaHead(hd, clusters!.K, rng) : null;
    this.ext = sync ? new ExtremeHead(hd, L, rng) : null;
    this.ova = sync ? null : new OvaHead(hd, L, rng);
    this.mark = new Int32Array(L).fill(-1);
  }

  /** All trainable parameters (names unique). */
  parameters(): Tensor[] {
    const out = this.encoder.parameters();
    if (this.meta && this.ext) out.push(...this.meta.parameters(), ...this.ext.parameters());
    if (this.ova) out.push(...this.ova.parameters());
    return out;
  }

  /** Persistent buffers (batch-norm statistics, spectral-norm vectors). */
  buffers(): LayerBuffer[] {
    const out = this.encoder.buffers();
    if (this.meta && this.ext) out.push(...this.meta.buffers(), ...this.ext.buffers());
    return out;
  }

  /**
   * The training loss of a batch: `ids` B × seqLen token ids, `positives[i]` the labels of query
   * i. `detach` cuts the extreme head's gradient into the encoder (the warm-up epochs).
   */
  loss(ids: Int32Array, B: number, positives: Int32Array[], detach: boolean, rng: Rng): BatchLoss {
    const m = this.p.model;
    const hf = this.encoder.forward(ids, B, true, rng);
    if (this.ova) {
      const L = this.L;
      const logits = this.ova.forward(hf, m.extDropout, true, rng);
      const y = new Float32Array(B * L);
      positives.forEach((ls, i) => ls.forEach((l) => (y[i * L + l] = 1)));
      const total = bceWithLogits(logits, y);
      return { total, meta: 0, ext: total.item(), candidates: L };
    }
    const meta = this.meta!, ext = this.ext!, cl = this.clusters!;
    const K = cl.K;
    const metaLogits = meta.forward(hf, m.headDropout, m.metaDropout, true, rng);
    const g = new Float32Array(B * K);
    const forced: Int32Array[] = positives.map((ls, i) => {
      const cs: number[] = [];
      for (const l of ls) {
        const c = cl.clusterOf[l];
        if (g[i * K + c] === 0) {
          g[i * K + c] = 1;
          cs.push(c);
        }
      }
      return Int32Array.from(cs);
    });
    const lossMeta = bceWithLogits(metaLogits, g);
    const sl = shortlist(metaLogits.data, B, K, m.shortlist, forced);
    const hIn = detach ? hf.detach() : hf;
    const hc = ext.features(hIn, m.headDropout, m.extDropout, true, rng);
    const { scores, rowPtr, rows } = clusterScores(ext.table, hc, sl.clusters, sl.k, cl.ptr);
    const y = new Float32Array(rows.length);
    const mark = this.mark;
    for (let i = 0; i < B; i++) {
      for (const l of positives[i]) mark[l] = i;
      for (let j = rowPtr[i]; j < rowPtr[i + 1]; j++) if (mark[cl.labels[rows[j]]] === i) y[j] = 1;
    }
    for (const ls of positives) for (const l of ls) mark[l] = -1;
    const lossExt = bceWithLogits(scores, y);
    const total = m.metaScale > 0 ? add(lossExt, scale(lossMeta, m.metaScale)) : lossExt;
    return { total, meta: lossMeta.item(), ext: lossExt.item(), candidates: rows.length / B };
  }

  /** The extreme head's query features h_c (B × hd) in evaluation mode (SyncXML only). */
  extFeatures(ids: Int32Array, B: number, rng: Rng): Float32Array {
    if (!this.ext) throw new Error("network: extFeatures needs the SyncXML heads");
    return noGrad(() => this.ext!.features(this.encoder.forward(ids, B, false, rng), 0, 0, false, rng).data);
  }

  /** Rank labels for B queries (evaluation mode, no gradients). */
  predict(ids: Int32Array, B: number, o: NetPredictOptions, rng: Rng): Ranked[] {
    return noGrad(() => {
      const hf = this.encoder.forward(ids, B, false, rng);
      if (this.ova) {
        const logits = this.ova.forward(hf, 0, false, rng);
        const top = topk(logits, o.topK);
        const out: Ranked[] = [];
        for (let i = 0; i < B; i++) out.push(finish(top.indices.subarray(i * top.k, (i + 1) * top.k), Float32Array.from(top.values.subarray(i * top.k, (i + 1) * top.k), sigmoid), o.threshold));
        return out;
      }
      return this.scoreShortlist(hf, B, o, rng).lists.map((c) => {
        const top = topk(new Tensor(c.scores, [c.scores.length]), o.topK);
        return finish(Int32Array.from(top.indices, (t) => c.labels[t]), top.values, o.threshold);
      });
    });
  }

  /**
   * Every label of each query's shortlisted clusters with its score (SyncXML, evaluation mode),
   * and the queries' extreme-head features h_c (B × hd), for re-ranking.
   */
  candidates(ids: Int32Array, B: number, o: Pick<NetPredictOptions, "shortlist" | "score">, rng: Rng): { lists: { labels: Int32Array; scores: Float32Array }[]; features: Float32Array } {
    if (!this.ext) throw new Error("network: candidates need the SyncXML heads");
    return noGrad(() => this.scoreShortlist(this.encoder.forward(ids, B, false, rng), B, o, rng));
  }

  private scoreShortlist(hf: Tensor, B: number, o: Pick<NetPredictOptions, "shortlist" | "score">, rng: Rng): { lists: { labels: Int32Array; scores: Float32Array }[]; features: Float32Array } {
    const meta = this.meta!, ext = this.ext!, cl = this.clusters!;
    const metaLogits = meta.forward(hf, 0, 0, false, rng);
    const sl = shortlist(metaLogits.data, B, cl.K, o.shortlist, null);
    const hc = ext.features(hf, 0, 0, false, rng);
    const { scores, rowPtr, rows } = clusterScores(ext.table, hc, sl.clusters, sl.k, cl.ptr);
    const sc = scores.data;
    const lists: { labels: Int32Array; scores: Float32Array }[] = [];
    for (let i = 0; i < B; i++) {
      const a = rowPtr[i], b = rowPtr[i + 1];
      const s = new Float32Array(b - a);
      const labels = new Int32Array(b - a);
      let j = a;
      for (let t = 0; t < sl.k; t++) {
        const c = sl.clusters[i * sl.k + t], pc = sl.probs[i * sl.k + t];
        for (let r = cl.ptr[c]; r < cl.ptr[c + 1]; r++, j++) {
          const p = sigmoid(sc[j]);
          s[j - a] = o.score === "comb" ? p * pc : p;
          labels[j - a] = cl.labels[rows[j]];
        }
      }
      lists.push({ labels, scores: s });
    }
    return { lists, features: hc.data };
  }
}

/** A ranked list (a copy), cut at the threshold when it is > 0. */
function finish(labels: Int32Array, scores: Float32Array, threshold: number): Ranked {
  const r: Ranked = { labels: labels.slice(), scores: scores.slice() };
  return threshold > 0 ? applyThreshold([r], threshold)[0] : r;
}

/**
 * PRIME training: vocabulary and token ids, word vectors pretrained on the
 * training and label texts, IDF weights, free-vector groups (balanced 2-means of the initial
 * label-text embeddings), the memory bank and centroids from the initial encoder; then epochs of
 * clustered batches with one inverse-propensity-sampled positive per query, AdamW (dense) and
 * SparseAdam (word and free vectors) on a linear warm-up/decay schedule, the EMA centroid update
 * after every step (or a recompute after every epoch), and a checkpoint after every epoch.
 *
 * Determinism: everything draws from Rng(seed) or from per-epoch Rngs derived from (seed, epoch),
 * so a run resumed from a checkpoint takes the same steps as an uninterrupted one.
 */
import type { Csr } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { Dataset } from "../../data/dataset.js";
import { inversePropensity, labelCounts } from "../../eval/propensity.js";
import { labelsByText, normText } from "../../retrieval/self-filter.js";
import type { LayerBuffer } from "../../nn/layers.js";
import { AdamW, SparseAdam } from "../../nn/optim.js";
import { linearWarmupDecay } from "../../nn/schedule.js";
import { backward } from "../../nn/tape.js";
import type { Tensor } from "../../nn/tensor.js";
import { hasCheckpoint, readCheckpoint, removeCheckpoint, type TrainingState, writeCheckpoint } from "../../nn/checkpoint.js";
import { initWordVectors } from "../../text/wordvec-init.js";
import { TokenVocab } from "../../text/vocab.js";
import { PrimeTokens } from "./tokens.js";
import { batchOrder, clusterQueries, curriculumSize, reclustersAt, samplePositive } from "./batches.js";
import { PrimeNetwork } from "./network.js";
import type { PrimeAblation, PrimeParams } from "./params.js";

/** Statistics of one epoch. */
export interface PrimeEpochStats {
  epoch: number;
  epochs: number;
  loss: number;
  main: number;
  inter: number;
  dual: number;
  reg: number;
  /** Cluster size of the batches (0: random). */
  clusterSize: number;
  seconds: number;
  qps: number;
}

/** Options of a training run (not part of the model's params). */
export interface PrimeRunOptions {
  progress?: Progress;
  checkpointDir?: string;
  resume?: boolean;
  maxEpochsThisRun?: number;
  onEpoch?: (stats: PrimeEpochStats) => void;
}

/** Data-derived parts of a model. */
export interface PrimePrepared {
  /** Word vocabulary and word-pair ids (the encoder's table rows). */
  tokens: PrimeTokens;
  /** Token ids of the training queries that have labels, and their rows of Y. */
  queryDocs: Int32Array[];
  Y: Csr;
  /** Token ids of every label's text. */
  labelDocs: Int32Array[];
  /** Per training query, a label with the query's own text (−1: none). */
  selfLabel: Int32Array;
  L: number;
  /** Training positives per label (over the whole training set). */
  counts: Int32Array;
  nTrain: number;
}

/** Number of free vectors for L labels: the leaves of the balanced 2-means tree. */
export function freeVectorCount(L: number, perVector: number): number {
  if (perVector >= L) return 1;
  return 2 ** Math.max(1, Math.ceil(Math.log2(L / perVector)));
}

/** Vocabulary and token ids of a text dataset with label texts. */
export function preparePrime(data: Dataset, p: PrimeParams, progress: Progress, ablation: PrimeAblation = {}): PrimePrepared {
  if (!data.texts) throw new XmcError(`${data.source}: PRIME trains on raw text; give a text PREFIX (PREFIX_texts.txt, PREFIX_labels.txt) with a labels.txt of label texts beside it`);
  if (!data.labelTexts) throw new XmcError(`${data.source}: PRIME needs label texts; put a labels.txt (id<TAB>text per line) beside the data`);
  const L = data.Y.cols;
  const labelTexts = data.labelTexts.slice(0, L);
  const empty = labelTexts.filter((t) => t.trim() === "").length;
  if (empty === L) throw new XmcError(`${data.source}: every label text is empty; PRIME needs label texts in labels.txt`);
  progress.log(`vocabulary and token ids for ${data.texts.length} texts and ${L} label texts${empty > 0 ? ` (${empty} labels without text)` : ""}`);
  const vocab = TokenVocab.build(data.texts, p.text, p.text.labelTexts ? labelTexts : []);
  const tokens = PrimeTokens.build(vocab, p.text.labelTexts ? [...data.texts, ...labelTexts] : data.texts, { minCount: ablation.pairs ?? 0, maxPairs: ablation.maxPairs ?? 200000, maxTokens: p.encoder.maxTokens });
  if (tokens.nPairs > 0) progress.log(`word pairs: ${tokens.nPairs} seen at least ${ablation.pairs} times`);
  const keep: number[] = [];
  for (let i = 0; i < data.Y.rows; i++) if (data.Y.indptr[i + 1] > data.Y.indptr[i]) keep.push(i);
  if (keep.length < 2) throw new XmcError(`${data.source}: too few training instances with labels (${keep.length})`);
  const queryDocs = keep.map((i) => tokens.doc(data.texts![i]));
  const indptr = new Int32Array(keep.length + 1);
  keep.forEach((i, r) => (indptr[r + 1] = indptr[r] + data.Y.indptr[i + 1] - data.Y.indptr[i]));
  const indices = new Int32Array(indptr[keep.length]);
  keep.forEach((i, r) => indices.set(data.Y.indices.subarray(data.Y.indptr[i], data.Y.indptr[i + 1]), indptr[r]));
  const Y: Csr = { rows: keep.length, cols: L, indptr, indices, data: new Float32Array(indices.length).fill(1) };
  const byText = labelsByText(labelTexts);
  const selfLabel = Int32Array.from(keep, (i) => byText.get(normText(data.texts![i]))?.[0] ?? -1);
  return { tokens, queryDocs, Y, labelDocs: labelTexts.map((t) => tokens.doc(t)), selfLabel, L, counts: labelCounts(data.Y), nTrain: data.Y.rows };
}

/** Rng of epoch e. */
function epochRng(seed: number, epoch: number): Rng {
  return new Rng(Math.imul(seed ^ 0x2545f491, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b));
}

/** Build the network and initialise it from the data (word vectors, IDF, free groups, centroids). */
export async function initPrime(data: Dataset, prep: PrimePrepared, p: PrimeParams, progress: Progress, skipWordVectors = false, ablation: PrimeAblation = {}): Promise<{ net: PrimeNetwork; bank: Float32Array }> {
  const d = p.encoder.dim;
  const rng = new Rng(p.train.seed);
  const nFree = freeVectorCount(prep.L, p.lpn.labelsPerFreeVector);
  const net = new PrimeNetwork(p, prep.tokens.size, prep.L, nFree, rng, ablation);
  if (!skipWordVectors) {
    await initWordVectors(net.encoder.table.data, d, prep.tokens.vocab, data, { text: p.text, wordvec: p.wordvec, seed: p.train.seed }, progress);
    prep.tokens.initPairRows(net.encoder.table.data, d);
  }
  net.encoder.fitIdf(prep.queryDocs);
  const labelBags = (a: number, b: number) => net.encoder.bags(prep.labelDocs.slice(a, b));
  if (net.free) {
    const e = net.embedAll(labelBags, prep.L, rng);
    net.freeOf = clusterQueries(e, prep.L, d, p.lpn.labelsPerFreeVector, p.train.seed);
    progress.log(`free vectors: ${nFree} shared by groups of about ${p.lpn.labelsPerFreeVector} labels`);
  }
  const bank = net.embedAll((a, b) => net.encoder.bags(prep.queryDocs.slice(a, b)), prep.Y.rows, rng);
  net.setCentroids(bank, prep.Y);
  return { net, bank };
}

/** A fingerprint of what a checkpoint trains. */
function fingerprint(p: PrimeParams, prep: PrimePrepared): string {
  const { predict: _p, ann: _a, ...trained } = p;
  return JSON.stringify({ p: trained, N: prep.Y.rows, L: prep.L, V: prep.tokens.size });
}

/** Split dense parameters into decayed (weights) and not decayed (biases, norms). */
function decayGroups(params: readonly Tensor[]): { decay: Tensor[]; plain: Tensor[]; sparse: Tensor[] } {
  const out = { decay: [] as Tensor[], plain: [] as Tensor[], sparse: [] as Tensor[] };
  for (const t of params) {
    if (t.sparseGrad) out.sparse.push(t);
    else if (t.name.endsWith(".bias") || t.name.includes(".ln")) out.plain.push(t);
    else out.decay.push(t);
  }
  return out;
}

/** Train `net`; returns whether all epochs are done. */
export async function runPrimeEpochs(net: PrimeNetwork, bank: Float32Array, prep: PrimePrepared, p: PrimeParams, o: PrimeRunOptions): Promise<boolean> {
  const progress = o.progress ?? silentProgress;
  const t = p.train, d = p.encoder.dim;
  const N = prep.Y.rows, Y = prep.Y;
  const batches = Math.ceil(N / t.batch) - (N % t.batch === 1 ? 1 : 0);
  const totalSteps = Math.max(1, t.epochs * batches);
  const groups = decayGroups(net.parameters());
  const decayOpt = new AdamW(groups.decay, { lr: t.lr, weightDecay: t.weightDecay, eps: 1e-6 });
  const plainOpt = new AdamW(groups.plain, { lr: t.lr, weightDecay: 0, eps: 1e-6 });
  const sparseOpt = new SparseAdam(groups.sparse, { lr: t.sparseLr, eps: 1e-6 });
  const schedule = linearWarmupDecay({ peakLr: 1, warmupSteps: Math.min(t.warmupSteps, totalSteps - 1), totalSteps, endLr: 0 });
  const codesBuf = new Float32Array(N).fill(-1);
  const freeBuf = Float32Array.from(net.freeOf);
  const extra: LayerBuffer[] = [{ name: "bank", data: bank }, { name: "batchCodes", data: codesBuf }, { name: "freeOf", data: freeBuf }];
  const state: TrainingState = { params: net.parameters(), buffers: [...net.buffers(), ...extra], optimizers: { decay: decayOpt, plain: plainOpt, sparse: sparseOpt } };
  const fp = fingerprint(p, prep);
  let start = 0;
  if (o.checkpointDir && o.resume && hasCheckpoint(o.checkpointDir)) {
    start = readCheckpoint(o.checkpointDir, state, fp);
    net.freeOf = Int32Array.from(freeBuf);
    progress.log(`resuming after epoch ${start} from ${o.checkpointDir}`);
  }
  const stopAt = Math.min(t.epochs, start + (o.maxEpochsThisRun ?? Infinity));
  const ip = inversePropensity(prep.counts, prep.nTrain, t.propA, t.propB, prep.L);
  const stamp = new Int32Array(prep.L).fill(-1);
  let key = 0; // a fresh stamp value per query
  for (let e = start; e < stopAt; e++) {
    const rng = epochRng(t.seed, e);
    const size = curriculumSize(p.batches, e);
    if (size > 0 && (reclustersAt(p.batches, e) || codesBuf[0] < 0)) {
      const tc = performance.now();
      const codes = clusterQueries(bank, N, d, size, t.seed + e);
      for (let i = 0; i < N; i++) codesBuf[i] = codes[i];
      progress.log(`epoch ${e + 1}: batches from clusters of ${size} queries (${((performance.now() - tc) / 1000).toFixed(1)} s)`);
    }
    const order = batchOrder(N, size > 0 ? Int32Array.from(codesBuf) : null, rng);
    const t0 = performance.now();
    const sums = { loss: 0, main: 0, inter: 0, dual: 0, reg: 0 };
    progress.start(`epoch ${e + 1}/${t.epochs}`, N);
    for (let b = 0; b < batches; b++) {
      const rows = order.subarray(b * t.batch, b === batches - 1 ? N : (b + 1) * t.batch);
      const B = rows.length;
      const pool = new Int32Array(B);
      for (let i = 0; i < B; i++) pool[i] = samplePositive(Y, rows[i], ip, rng);
      const mask = new Uint8Array(B * B);
      for (let i = 0; i < B; i++) {
        const r = rows[i];
        key++;
        for (let k = Y.indptr[r]; k < Y.indptr[r + 1]; k++) stamp[Y.indices[k]] = key;
        const self = t.ignoreSelf ? prep.selfLabel[r] : -1;
        for (let j = 0; j < B; j++) {
          if (stamp[pool[j]] === key) mask[i * B + j] = 1;
          else if (pool[j] === self) mask[i * B + j] = 2; // the query's own text: no negative
        }
      }
      const qBags = net.encoder.bags(Array.from(rows, (r) => prep.queryDocs[r]));
      const pBags = net.encoder.bags(Array.from(pool, (l) => prep.labelDocs[l]));
      const s = schedule(e * batches + b).lr;
      decayOpt.lr = s * t.lr;
      plainOpt.lr = s * t.lr;
      sparseOpt.lr = s * t.sparseLr;
      decayOpt.zeroGrad();
      plainOpt.zeroGrad();
      sparseOpt.zeroGrad();
      const { loss, q } = net.batchLoss(qBags, pool, pBags, mask, rng, e < p.loss.warmupEpochs);
      backward(loss.total);
      decayOpt.step();
      plainOpt.step();
      sparseOpt.step();
      for (let i = 0; i < B; i++) bank.set(q.data.subarray(i * d, (i + 1) * d), rows[i] * d);
      net.updateCentroids(q.data, pool);
      sums.loss += loss.total.item();
      sums.main += loss.main;
      sums.inter += loss.inter;
      sums.dual += loss.dual;
      sums.reg += loss.reg;
      progress.tick(B);
    }
    progress.stop();
    if (p.lpn.centroids === "epoch") net.setCentroids(bank, Y);
    const seconds = (performance.now() - t0) / 1000;
    if (o.checkpointDir) writeCheckpoint(o.checkpointDir, state, e + 1, fp);
    const stats: PrimeEpochStats = {
      epoch: e + 1, epochs: t.epochs, loss: sums.loss / batches, main: sums.main / batches, inter: sums.inter / batches,
      dual: sums.dual / batches, reg: sums.reg / batches, clusterSize: size, seconds, qps: N / seconds,
    };
    progress.log(`epoch ${e + 1}/${t.epochs}: loss ${stats.loss.toFixed(4)} (prototype ${stats.main.toFixed(4)}, text ${stats.inter.toFixed(4)}, dual ${stats.dual.toFixed(4)}, reg ${stats.reg.toFixed(4)}), ${seconds.toFixed(1)} s, ${stats.qps.toFixed(0)} queries/s`);
    o.onEpoch?.(stats);
  }
  const complete = stopAt >= t.epochs;
  if (complete) {
    if (p.lpn.centroids === "epoch") {
      // the last recompute uses fresh embeddings of the final encoder
      const fresh = net.embedAll((a, b) => net.encoder.bags(prep.queryDocs.slice(a, b)), N, new Rng(0));
      net.setCentroids(fresh, Y);
    }
    if (o.checkpointDir) removeCheckpoint(o.checkpointDir);
  }
  return complete;
}

/**
 * Training of SyncXML / InceptionXML: vocabulary, label clusters, word-vector initialisation,
 * then epochs of mini-batch training (Adam on dense parameters, SparseAdam on the embedding and
 * label tables, both on one one-cycle schedule), with a checkpoint after every epoch.
 *
 * Determinism: initialisation draws from Rng(seed); epoch e shuffles and drops out with its own
 * Rng derived from (seed, e), and the schedule is a function of the global step, so a run resumed
 * from a checkpoint takes exactly the steps of an uninterrupted one (with the same thread count;
 * with T > 1 threads each batch is split into T parts, see `parallel.ts`).
 */
import { XmcError } from "../../core/errors.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { Dataset } from "../../data/dataset.js";
import { backward } from "../../nn/tape.js";
import { Adam, clipGradNorm, gradNorm, SparseAdam, splitParams } from "../../nn/optim.js";
import { applySchedule, oneCycle } from "../../nn/schedule.js";
import { initLabelCentroids } from "./centroids.js";
import { buildLabelClusters, type LabelClusters } from "./clusters.js";
import { hasCheckpoint, readCheckpoint, removeCheckpoint, type TrainingState, writeCheckpoint } from "../../nn/checkpoint.js";
import type { Network } from "./network.js";
import { ParallelSteps, shareParameters, type StepLoss } from "./parallel.js";
import type { SyncXMLParams } from "./params.js";
import { TokenVocab } from "../../text/vocab.js";

/** What an epoch report carries. */
export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  epochs: number;
  /** Mean losses over the epoch's batches. */
  loss: number;
  metaLoss: number;
  extLoss: number;
  /** Mean candidates scored per query. */
  candidates: number;
  seconds: number;
  /** Training queries per second. */
  qps: number;
  /** Mean and largest global gradient norm of the epoch's steps (before clipping). */
  gradNorm: number;
  gradNormMax: number;
}

/** Options of a training run (not part of the model's params). */
export interface RunOptions {
  progress?: Progress;
  /** Checkpoint directory (none: no checkpoints). */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
  /** Stop after this many epochs in this call (the checkpoint stays; resume later). */
  maxEpochsThisRun?: number;
  /** Called after every epoch (after its checkpoint). */
  onEpoch?: (stats: EpochStats) => void;
  /** Threads computing gradients (data-parallel; default 1). */
  threads?: number;
  /** Variants kept for comparison runs (see {@link SyncXMLAblation}). */
  ablation?: SyncXMLAblation;
}

/**
 * Variants of SyncXML training kept for comparison runs and tests; no model params (no schema,
 * file or flag sets them, and a saved model does not record them).
 */
export interface SyncXMLAblation {
  /**
   * When the detached warm-up ends, set each label's row of the extreme head to the centroid
   * direction of its training queries (centroids.ts); needs architecture "syncxml" and
   * 1 ≤ train.warmupEpochs < train.epochs.
   */
  centroidInit?: boolean;
}

/** Check that an ablation fits the params (an XmcError naming the conflict). */
export function checkAblation(p: SyncXMLParams, a: SyncXMLAblation): void {
  const t = p.train;
  if (a.centroidInit && (p.model.architecture !== "syncxml" || t.warmupEpochs < 1 || t.warmupEpochs >= t.epochs)) {
    throw new XmcError(`centroidInit sets the SyncXML label table when the warm-up ends, so it needs architecture "syncxml" and 1 ≤ train.warmupEpochs < train.epochs (got ${p.model.architecture}, ${t.warmupEpochs} of ${t.epochs})`);
  }
}

/** The data-derived parts of a model. */
export interface Prepared {
  vocab: TokenVocab;
  /** N × seqLen token ids. */
  ids: Int32Array;
  positives: Int32Array[];
  clusters: LabelClusters | null;
  L: number;
}

/** Vocabulary, encoded texts, positives and (SyncXML) label clusters of a training set. */
export function prepare(data: Dataset, p: SyncXMLParams, progress: Progress): Prepared {
  if (!data.texts) throw new XmcError(`${data.source}: SyncXML and InceptionXML train on raw text; give a text PREFIX (PREFIX_texts.txt, PREFIX_labels.txt)`);
  const texts = data.texts;
  const Y = data.Y;
  if (Y.rows < 2) throw new XmcError(`${data.source}: too few training instances (${Y.rows})`);
  const L = Y.cols;
  const labelTexts = p.text.labelTexts && data.labelTexts ? data.labelTexts.slice(0, L) : null;
  progress.log(`vocabulary and token ids for ${texts.length} texts`);
  const vocab = TokenVocab.build(texts, p.text, labelTexts ?? []);
  const ids = vocab.encode(texts, p.encoder.seqLen);
  const positives: Int32Array[] = [];
  for (let i = 0; i < Y.rows; i++) positives.push(Y.indices.slice(Y.indptr[i], Y.indptr[i + 1]));
  let clusters: LabelClusters | null = null;
  if (p.model.architecture === "syncxml") {
    progress.log(`clustering ${L} labels`);
    const docs = texts.map((t) => vocab.ids(t, -1));
    const labelDocs = p.model.clusterLabelTexts && data.labelTexts ? data.labelTexts.slice(0, L).map((t) => vocab.ids(t, -1)) : null;
    clusters = buildLabelClusters(docs, Y, vocab.size, labelDocs, { clusters: p.model.clusters, clusterSize: p.model.clusterSize, maxIter: p.model.kmeansMaxIter, seed: p.train.seed });
    progress.log(`${clusters.K} label clusters of ${Math.ceil(L / clusters.K)} labels or fewer`);
  }
  return { vocab, ids, positives, clusters, L };
}

/** Rng of epoch e (independent of how the run was split into calls). */
function epochRng(seed: number, epoch: number): Rng {
  return new Rng(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b));
}

/** A string identifying what a checkpoint trains (everything but the prediction defaults). */
export function runFingerprint(p: SyncXMLParams, prep: Prepared, N: number): string {
  const { predict: _ignored, ...trained } = p;
  return JSON.stringify({ p: trained, N, L: prep.L, V: prep.vocab.size, K: prep.clusters?.K ?? 0 });
}

/**
 * Train `net` (already initialised) on the prepared data; returns whether all epochs are done
 * (false when `maxEpochsThisRun` stopped it early, leaving the checkpoint for a resume).
 */
export async function runEpochs(net: Network, prep: Prepared, p: SyncXMLParams, o: RunOptions): Promise<boolean> {
  const progress = o.progress ?? silentProgress;
  const t = p.train;
  const N = prep.positives.length, S = p.encoder.seqLen;
  const batches = Math.ceil(N / t.batch) - (N % t.batch === 1 ? 1 : 0); // a 1-query batch cannot be batch-normalised
  const totalSteps = Math.max(2, t.epochs * batches);
  const { dense, sparse } = splitParams(net.parameters());
  const denseOpt = new Adam(dense, { lr: t.maxLr / t.divFactor });
  const sparseOpt = new SparseAdam(sparse, { lr: t.maxLr / t.divFactor });
  const schedule = oneCycle({ maxLr: t.maxLr, totalSteps, pctStart: t.pctStart, divFactor: t.divFactor, finalDivFactor: t.finalDivFactor, cycleMomentum: t.cycleMomentum });
  const state: TrainingState = { params: net.parameters(), buffers: net.buffers(), optimizers: { dense: denseOpt, sparse: sparseOpt } };
  const fp = runFingerprint(p, prep, N);
  let start = 0;
  if (o.checkpointDir && o.resume && hasCheckpoint(o.checkpointDir)) {
    start = readCheckpoint(o.checkpointDir, state, fp);
    progress.log(`resuming after epoch ${start} from ${o.checkpointDir}`);
  }
  const stopAt = Math.min(t.epochs, start + (o.maxEpochsThisRun ?? Infinity));
  const threads = Math.max(1, Math.floor(o.threads ?? 1));
  let par: ParallelSteps | null = null;
  if (threads > 1 && stopAt > start) {
    const shared = shareParameters(net);
    const buffers: Record<string, Float32Array> = {};
    for (const b of net.buffers()) buffers[b.name] = b.data;
    const Y = { rows: N, cols: prep.L, indptr: new Int32Array(N + 1), indices: new Int32Array(prep.positives.reduce((s, x) => s + x.length, 0)), data: new Float32Array(0) };
    prep.positives.forEach((x, i) => {
      Y.indptr[i + 1] = Y.indptr[i] + x.length;
      Y.indices.set(x, Y.indptr[i]);
    });
    par = new ParallelSteps(threads - 1, {
      params: p, vocabSize: prep.vocab.size, L: prep.L, clusterOf: prep.clusters?.clusterOf ?? null, K: prep.clusters?.K ?? 0,
      ids: prep.ids, Y, shared, buffers,
    });
  }
  const all = net.parameters();
  const order = new Int32Array(N);
  const ids = new Int32Array(t.batch * S);
  try {
    for (let e = start; e < stopAt; e++) {
      const rng = epochRng(t.seed, e);
      for (let i = 0; i < N; i++) order[i] = i;
      rng.shuffle(order);
      const detach = e < t.warmupEpochs;
      if (e === t.warmupEpochs && e > 0 && o.ablation?.centroidInit && net.ext) initLabelCentroids(net, prep.ids, prep.positives, S, sparseOpt, progress);
      /** Forward + backward of some rows on this thread, gradients left in the parameters. */
      const local = (rows: Int32Array): StepLoss => {
        const B = rows.length;
        const bid = ids.subarray(0, B * S);
        const pos: Int32Array[] = new Array(B);
        for (let k = 0; k < B; k++) {
          bid.set(prep.ids.subarray(rows[k] * S, (rows[k] + 1) * S), k * S);
          pos[k] = prep.positives[rows[k]];
        }
        const l = net.loss(bid, B, pos, detach, rng);
        const loss = l.total.item();
        backward(l.total);
        return { loss, meta: l.meta, ext: l.ext, candidates: l.candidates };
      };
      const t0 = performance.now();
      let sumLoss = 0, sumMeta = 0, sumExt = 0, sumCand = 0, seen = 0, sumNorm = 0, maxNorm = 0;
      progress.start(`epoch ${e + 1}/${t.epochs}${detach ? " (warm-up)" : ""}`, batches * t.batch);
      for (let b = 0; b < batches; b++) {
        const rows = order.subarray(b * t.batch, Math.min(N, (b + 1) * t.batch));
        applySchedule(schedule, e * batches + b, denseOpt, sparseOpt);
        denseOpt.zeroGrad();
        sparseOpt.zeroGrad();
        const l = par ? await par.step(net, rows, detach, t.seed, e, b, local) : local(rows);
        const norm = t.clipNorm > 0 ? clipGradNorm(all, t.clipNorm) : gradNorm(all);
        sumNorm += norm;
        if (norm > maxNorm) maxNorm = norm;
        denseOpt.step();
        sparseOpt.step();
        sumLoss += l.loss;
        sumMeta += l.meta;
        sumExt += l.ext;
        sumCand += l.candidates;
        seen += rows.length;
        progress.tick(rows.length);
      }
      progress.stop();
      const seconds = (performance.now() - t0) / 1000;
      if (o.checkpointDir) writeCheckpoint(o.checkpointDir, state, e + 1, fp);
      const stats: EpochStats = {
        epoch: e + 1, epochs: t.epochs, loss: sumLoss / batches, metaLoss: sumMeta / batches, extLoss: sumExt / batches,
        candidates: sumCand / batches, seconds, qps: seen / seconds, gradNorm: sumNorm / batches, gradNormMax: maxNorm,
      };
      progress.log(`epoch ${e + 1}/${t.epochs}: loss ${stats.loss.toFixed(5)} (meta ${stats.metaLoss.toFixed(5)}, ext ${stats.extLoss.toFixed(5)}), ${stats.candidates.toFixed(0)} candidates/query, grad norm ${stats.gradNorm.toPrecision(3)} (max ${stats.gradNormMax.toPrecision(3)}), ${seconds.toFixed(1)} s, ${stats.qps.toFixed(0)} queries/s${threads > 1 ? ` on ${threads} threads` : ""}`);
      o.onEpoch?.(stats);
    }
  } finally {
    await par?.close();
  }
  const complete = stopAt >= t.epochs;
  if (complete && o.checkpointDir) removeCheckpoint(o.checkpointDir);
  return complete;
}

/**
 * SyncXML (and plain InceptionXML) as an xmc model: train from a text dataset, save / load a
 * model file (header with `method: "syncxml"` or `"inceptionxml"`, the label names and the
 * vocabulary; the parameters and buffers as arrays), predict datasets and raw texts.
 */
import { XmcError } from "../../core/errors.js";
import { parseParams } from "../../core/params.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { Dataset } from "../../data/dataset.js";
import { labelCounts } from "../../eval/propensity.js";
import { type ModelSource, readModelFile, writeModelFile } from "../../model/file.js";
import { arraysWithPrefix, headerStrings, type TypedArray } from "../../model/format.js";
import type { Ranked } from "../../search/beam.js";
import { overridesOf, type PredictOverrides, type XmcModel } from "../model.js";
import { clustersFromCodes, type LabelClusters } from "./clusters.js";
import { Network } from "./network.js";
import { parseSyncXMLParams, SYNCXML_PREDICT_SCHEMA, type SyncXMLPredictParams, type SyncXMLParams, type SyncXMLParamsInput, type SyncXMLPredictInput } from "./params.js";
import { type CheckpointOptions, checkpointDirOf, hasCheckpoint } from "../../nn/checkpoint.js";
import { checkAblation, type EpochStats, prepare, runEpochs, type SyncXMLAblation } from "./train.js";
import { initWordVectors } from "../../text/wordvec-init.js";
import { TokenVocab } from "../../text/vocab.js";
import { buildNeighbourIndex, fuseNeighbours, lexicalDoc, type NeighbourIndex } from "./neighbours.js";
import { LexicalIndex } from "../../retrieval/lexical.js";
import { HnswIndex, type HnswMeta } from "../../retrieval/hnsw.js";

/** Options of {@link SyncXMLModel.train}. */
export interface SyncXMLTrainOptions extends CheckpointOptions {
  progress?: Progress;
  /** Threads computing gradients, data-parallel (default 1; see `parallel.ts`). */
  threads?: number;
  /** Called after each epoch with its statistics and the model as it stands. */
  onEpoch?: (stats: EpochStats, model: SyncXMLModel) => void;
  /** Variants kept for comparison runs (see {@link SyncXMLAblation}); not recorded in the saved model. */
  ablation?: SyncXMLAblation;
}

/** Queries per forward pass at prediction. */
const PREDICT_BATCH = 256;

/** A trained SyncXML / InceptionXML model. */
export class SyncXMLModel implements XmcModel {
  readonly calibrated = false;
  /** A model of texts. */
  readonly featureDim = null;
  /** False when training stopped early (`maxEpochsThisRun`). */
  complete = true;
  /** Training-query features and labels (kept when trained with predict.neighbours > 0), or null. */
  neighbours: NeighbourIndex | null = null;
  /** HNSW graph over the neighbour keys (built by train when predict.search is "hnsw", else on first use). */
  private hnsw: HnswIndex | null = null;

  constructor(
    readonly params: SyncXMLParams,
    readonly labelNames: string[],
    readonly vocab: TokenVocab,
    readonly clusters: LabelClusters | null,
    readonly net: Network,
    readonly trainLabelCounts: Int32Array,
    readonly nTrain: number,
  ) {}

  /** "syncxml" or "inceptionxml". */
  get method(): string {
    return this.params.model.architecture;
  }

  get nLabels(): number {
    return this.labelNames.length;
  }

  /** Train on a text dataset. */
  static async train(data: Dataset, paramsInput?: SyncXMLParamsInput, opts: SyncXMLTrainOptions = {}): Promise<SyncXMLModel> {
    const p = parseSyncXMLParams(paramsInput);
    if (opts.ablation) checkAblation(p, opts.ablation);
    const progress = opts.progress ?? silentProgress;
    const prep = prepare(data, p, progress);
    const net = new Network(p, prep.vocab.size, prep.L, prep.clusters, new Rng(p.train.seed));
    const ckpt = checkpointDirOf(opts);
    const resuming = Boolean(opts.resume && ckpt && hasCheckpoint(ckpt));
    if (!resuming) await initWordVectors(net.encoder.embedding.weight.data, p.encoder.embDim, prep.vocab, data, { text: p.text, wordvec: p.wordvec, seed: p.train.seed }, progress);
    const model = new SyncXMLModel(p, data.labelNames.slice(0, prep.L), prep.vocab, prep.clusters, net, labelCounts(data.Y), data.Y.rows);
    progress.log(`${model.method}: ${prep.vocab.size} words × ${p.encoder.embDim}, hidden ${net.encoder.outDim}, ${prep.L} labels${prep.clusters ? `, ${prep.clusters.K} clusters` : ""}, ${net.parameters().reduce((s, t) => s + t.size, 0)} parameters`);
    model.complete = await runEpochs(net, prep, p, {
      progress, threads: opts.threads, checkpointDir: ckpt, resume: opts.resume, maxEpochsThisRun: opts.maxEpochsThisRun, ablation: opts.ablation,
      onEpoch: opts.onEpoch ? (s) => opts.onEpoch!(s, model) : undefined,
    });
    if (model.complete && (p.predict.neighbours > 0 || p.predict.lexicalNeighbours > 0)) {
      model.neighbours = buildNeighbourIndex(net, prep.vocab, data.texts!, data.Y, p.encoder.seqLen, { dense: p.predict.neighbours > 0, lexical: p.predict.lexicalNeighbours > 0 }, progress);
      if (p.predict.neighbours > 0 && p.predict.search === "hnsw") model.neighbourGraph(progress);
    }
    return model;
  }

  /** The HNSW graph over the training queries' features (built now when missing). */
  neighbourGraph(progress: Progress = silentProgress): HnswIndex {
    if (!this.neighbours?.keys) throw new XmcError(`${this.method}: this model keeps no dense index of its training queries`);
    if (!this.hnsw) {
      const t0 = performance.now(), nb = this.neighbours;
      this.hnsw = HnswIndex.build(nb.keys!, nb.n, nb.d, { efSearch: this.params.predict.efSearch }, progress);
      progress.log(`HNSW over ${nb.n} training queries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return this.hnsw;
  }

  private predictOptions(overrides: PredictOverrides): SyncXMLPredictParams {
    if ((overrides as { thresholds?: unknown }).thresholds !== undefined && (overrides as { thresholds?: unknown }).thresholds !== "none") throw new XmcError(`${this.method}: tuned thresholds are not supported (this model has no calibration split)`);
    return parseParams(SYNCXML_PREDICT_SCHEMA, { ...this.params.predict, ...overridesOf(SYNCXML_PREDICT_SCHEMA, overrides) }, "predict");
  }

  /** Rank labels for texts. */
  predictTextsRanked(texts: readonly string[], overrides: SyncXMLPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    const o = this.predictOptions(overrides);
    const S = this.params.encoder.seqLen;
    const rng = new Rng(0); // unused: no dropout in evaluation
    const out: Ranked[] = [];
    progress.start("predict", texts.length);
    for (let a = 0; a < texts.length; a += PREDICT_BATCH) {
      const chunk = texts.slice(a, a + PREDICT_BATCH);
      const ids = this.vocab.encode(chunk, S);
      const score = o.score as "comb" | "probs";
      const dense = o.neighbours > 0 && o.neighbourWeight > 0, lexical = o.lexicalNeighbours > 0 && o.lexicalWeight > 0;
      if (dense || lexical) {
        if (!this.neighbours) throw new XmcError(`${this.method}: this model keeps no training queries (trained with predict.neighbours and lexicalNeighbours 0, or stopped before the end); predict with neighbours 0 and lexical-weight 0`);
        const c = this.net.candidates(ids, chunk.length, { shortlist: o.shortlist, score }, rng);
        const docs = lexical ? chunk.map((t) => lexicalDoc(this.vocab, t)) : null;
        const hnsw = dense && o.search === "hnsw" ? this.neighbourGraph() : null;
        out.push(...fuseNeighbours(c.lists, c.features, docs, this.neighbours, { ...o, hnsw }, o.topK, o.threshold));
      } else out.push(...this.net.predict(ids, chunk.length, { topK: o.topK, shortlist: o.shortlist, score, threshold: o.threshold }, rng));
      progress.tick(chunk.length);
    }
    progress.stop();
    return out;
  }

  predictDataset(data: Dataset, overrides: SyncXMLPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    if (!data.texts) throw new XmcError(`${data.source}: this ${this.method} model reads raw text; give a text PREFIX (PREFIX_texts.txt)`);
    return this.predictTextsRanked(data.texts, overrides, progress);
  }

  predictTexts(texts: string[], overrides: SyncXMLPredictInput = {}): { label: string; score: number }[][] {
    return this.predictTextsRanked(texts, overrides).map((r) => Array.from(r.labels, (l, i) => ({ label: this.labelNames[l], score: r.scores[i] })));
  }

  /** Write the model file (exactly `path`), replacing an existing one atomically. */
  save(path: string): void {
    const arrays: Record<string, TypedArray> = { trainLabelCounts: this.trainLabelCounts };
    for (const t of this.net.parameters()) arrays[`param.${t.name}`] = t.data;
    for (const b of this.net.buffers()) arrays[`buffer.${b.name}`] = b.data;
    if (this.clusters) arrays.clusterOf = this.clusters.clusterOf;
    const nb = this.neighbours;
    if (nb) {
      if (nb.keys) arrays["neighbours.keys"] = nb.keys;
      arrays["neighbours.indptr"] = nb.Y.indptr;
      arrays["neighbours.indices"] = nb.Y.indices;
      if (nb.lexical) {
        arrays["neighbours.lexical.idf"] = nb.lexical.idf;
        arrays["neighbours.lexical.indptr"] = nb.lexical.index.indptr;
        arrays["neighbours.lexical.queries"] = nb.lexical.index.queries;
        arrays["neighbours.lexical.weights"] = nb.lexical.index.weights;
      }
    }
    let hnsw: HnswMeta | null = null;
    if (this.hnsw) {
      hnsw = this.hnsw.meta();
      for (const [k, a] of Object.entries(this.hnsw.toArrays())) arrays[`neighbours.hnsw.${k}`] = a;
    }
    const header = {
      method: this.method,
      params: this.params,
      nLabels: this.nLabels,
      nTrain: this.nTrain,
      vocabSize: this.vocab.size,
      clusters: this.clusters?.K ?? 0,
      hidden: this.net.encoder.outDim,
      complete: this.complete,
      neighbours: nb ? { dense: nb.keys !== null, lexical: nb.lexical !== null } : null,
      hnsw,
      labelNames: this.labelNames,
      vocab: this.vocab.words,
    };
    writeModelFile(path, header, arrays);
  }

  /** Read a model file written by {@link save}, from its path or its bytes. */
  static load(source: ModelSource): SyncXMLModel {
    const { header: meta, arrays, source: dir } = readModelFile(source);
    if (meta.method !== "syncxml" && meta.method !== "inceptionxml") throw new XmcError(`${dir}: model method is "${String(meta.method)}", expected "syncxml" or "inceptionxml"`);
    const p = parseSyncXMLParams(meta.params, `${dir} params`);
    const labelNames = headerStrings(meta.labelNames, dir, "labelNames");
    const words = headerStrings(meta.vocab, dir, "vocab");
    if (words.length !== meta.vocabSize) throw new XmcError(`${dir}: the header's vocabulary has ${words.length} words, expected ${String(meta.vocabSize)}`);
    const vocab = new TokenVocab(words, p.text.stopWords);
    const L = labelNames.length;
    let clusters: LabelClusters | null = null;
    if (p.model.architecture === "syncxml") {
      const codes = arrays.clusterOf;
      if (!(codes instanceof Int32Array) || codes.length !== L) throw new XmcError(`${dir}: model array "clusterOf" is missing or has the wrong length`);
      clusters = clustersFromCodes(codes, meta.clusters as number);
    }
    const net = new Network(p, vocab.size, L, clusters, new Rng(p.train.seed));
    const take = (name: string, dst: Float32Array): void => {
      const a = arrays[name];
      if (!(a instanceof Float32Array) || a.length !== dst.length) throw new XmcError(`${dir}: model array "${name}" is missing or has the wrong size`);
      dst.set(a);
    };
    for (const t of net.parameters()) take(`param.${t.name}`, t.data);
    for (const b of net.buffers()) take(`buffer.${b.name}`, b.data);
    const counts = arrays.trainLabelCounts;
    if (!(counts instanceof Int32Array)) throw new XmcError(`${dir}: model array "trainLabelCounts" is missing`);
    const model = new SyncXMLModel(p, labelNames, vocab, clusters, net, counts.slice(), meta.nTrain as number);
    model.complete = meta.complete !== false;
    if (arrays["neighbours.indptr"] !== undefined) {
      model.neighbours = loadNeighbours(dir, arrays, net.encoder.outDim, meta.nTrain as number, L, vocab.size);
      if (meta.hnsw && model.neighbours.keys) model.hnsw = HnswIndex.fromArrays(model.neighbours.keys, meta.hnsw as HnswMeta, arraysWithPrefix(arrays, "neighbours.hnsw."));
    }
    // a channel without its index (trained with it off, or before it existed) is off: such a model predicts as it did
    if (!model.neighbours?.keys) p.predict.neighbours = 0;
    if (!model.neighbours?.lexical) p.predict.lexicalNeighbours = 0;
    return model;
  }
}

/** The neighbour index arrays of a model file, checked (dense keys and lexical postings when present). */
function loadNeighbours(dir: string, arrays: Record<string, TypedArray>, d: number, n: number, L: number, V: number): NeighbourIndex {
  const keys = arrays["neighbours.keys"], indptr = arrays["neighbours.indptr"], indices = arrays["neighbours.indices"];
  if (keys !== undefined && (!(keys instanceof Float32Array) || keys.length !== n * d)) throw new XmcError(`${dir}: model array "neighbours.keys" has the wrong size`);
  if (!(indptr instanceof Int32Array) || indptr.length !== n + 1 || !(indices instanceof Int32Array) || indices.length !== indptr[n]) {
    throw new XmcError(`${dir}: model arrays "neighbours.indptr" / "neighbours.indices" are missing or inconsistent`);
  }
  for (let i = 0; i < indices.length; i++) if (indices[i] < 0 || indices[i] >= L) throw new XmcError(`${dir}: model array "neighbours.indices" holds label ${indices[i]} outside [0, ${L})`);
  let lexical: NeighbourIndex["lexical"] = null;
  const idf = arrays["neighbours.lexical.idf"];
  if (idf !== undefined) {
    const li = arrays["neighbours.lexical.indptr"], lq = arrays["neighbours.lexical.queries"], lw = arrays["neighbours.lexical.weights"];
    if (!(idf instanceof Float32Array) || idf.length !== V || !(li instanceof Int32Array) || li.length !== V + 1 || !(lq instanceof Int32Array) || !(lw instanceof Float32Array)) {
      throw new XmcError(`${dir}: model arrays "neighbours.lexical.*" are missing or inconsistent`);
    }
    lexical = { index: new LexicalIndex(n, li, lq, lw), idf };
  }
  return { n, d, keys: keys ?? null, Y: { rows: n, cols: L, indptr, indices, data: new Float32Array(0) }, lexical };
}

import { availableParallelism } from "node:os";
import { addTreeArrays, treeShapes, type TreeShapes } from "../../search/tree-arrays.js";
import { decodeTrees, deferLaterTrees } from "../../search/tree-load.js";
import { type Csr, normalizeRowsL2, toShared } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import type { Dataset } from "../../data/dataset.js";
import { labelCounts } from "../../eval/propensity.js";
import { type ModelSource, readModelFile, writeModelFile } from "../../model/file.js";
import { headerStrings, type TypedArray } from "../../model/format.js";
import { BeamSearcher, type Ranked, SEARCH_BATCH_ROWS } from "../../search/beam.js";
import { type Combiner, combineRankings } from "../../search/combine.js";
import type { XmcModel } from "../model.js";
import { postProcessor, type PostProcessorName } from "../../search/postprocess.js";
import { type SavedStacked, StackedVectorizer } from "../../text/stack.js";
import { shareInPlace } from "../../core/shared.js";
import { validateChain } from "../../tree/chain.js";
import { splitDataset } from "../../data/subset.js";
import { calibrationFromFiles, calibrationToFiles, finishRanking, fitScoreCalibration, type ScoreCalibration } from "./score-calibration.js";
import { createTrainPool, pifaOnPool } from "../../linear/train-chain.js";
import { memberLabelCopies, memberPost, type TreeModel, type TreeTrainOptions, trainTree } from "./train.js";
import { trainTreeBySubTrees } from "./sub-trees.js";
import { parseParams } from "../../core/params.js";
import { XRLINEAR_PREDICT_SCHEMA, parseXRLinearParams, type XRLinearParams, type XRLinearParamsInput, type XRLinearPredictInput } from "./params.js";
import { textPaths } from "../../data/text.js";
import { type Channels, fuseQuery, fuses, NO_CHANNELS } from "./channels.js";
import { autoWarnings, needsSelection, reportToSave, resolveWithoutSelection, selectSettings, type SelectionReport } from "./auto.js";
import { buildChannels, channelArrays, channelsFromFiles, treeEmbedding } from "./fusion-build.js";

export interface TrainOptions {
  /** Worker threads (default: all cores). */
  threads?: number;
  progress?: Progress;
  /** Solver implementation; "wasm" unless the WebAssembly kernel cannot load. */
  solverKind?: "wasm" | "js";
  /** Trains every tree of the ensemble in place of the built-in loop (the distributed coordinator). */
  trainTrees?: (X: Csr, Y: Csr, params: XRLinearParams, o: TreeTrainOptions) => Promise<TreeModel[]>;
}

/** What {@link XRLinearModel.handoff} gives a worker thread. */
export interface XRLinearHandoff {
  params: XRLinearParams;
  labelNames: string[];
  dim: number;
  trees: TreeModel[];
  vectorizer: SavedStacked | null;
  trainLabelCounts: Int32Array;
  nTrain: number;
  calibration: { meta: unknown; labelThresholds: Float32Array } | null;
  channels: Record<string, TypedArray>;
  selection: SelectionReport | null;
}

/** A label with its name and score, as users see predictions. */
export interface NamedScore {
  label: string;
  score: number;
}

/**
 * XR-Linear (PECOS): TF-IDF (for text), PIFA label embeddings, a balanced B-ary label tree,
 * per-level one-vs-rest linear models trained on the instances routed to each parent,
 * and beam search at prediction.
 */
export class XRLinearModel implements XmcModel {
  readonly method = "xr-linear";
  private searchers: BeamSearcher[];

  constructor(
    readonly params: XRLinearParams,
    readonly labelNames: string[],
    /** Feature dimension d (the bias weight uses id d). */
    readonly dim: number,
    /** One or more label trees (an ensemble when several). */
    readonly trees: TreeModel[],
    readonly vectorizer: StackedVectorizer | null,
    /** Training positives per label and training set size (for propensity-scored metrics). */
    readonly trainLabelCounts: Int32Array,
    readonly nTrain: number,
    /** Calibrator and thresholds fitted on a held-out split, when trained with one. */
    readonly calibration: ScoreCalibration | null = null,
    /** Neighbour vote and label-text channels fused with the trees (none: trees only). */
    readonly channels: Channels = NO_CHANNELS,
    /** How the "auto" settings were chosen, when they were (auto.ts). */
    readonly selection: SelectionReport | null = null,
  ) {
    if (trees.length === 0) throw new XmcError("a model needs at least one tree");
    for (const t of trees) validateChain(t.chain, labelNames.length);
    this.searchers = trees.map((t) => new BeamSearcher(t.chain, t.weights, dim, params.solver.bias, {}, t.lookup));
  }

  get nLabels(): number {
    return this.labelNames.length;
  }

  get calibrated(): boolean {
    return this.calibration !== null;
  }

  get featureDim(): number | null {
    return this.vectorizer ? null : this.dim;
  }

  predictDataset(data: Dataset, overrides: XRLinearPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    return this.predict(this.featurize(data), overrides, progress);
  }

  /** Train on a dataset (text or features); params from a file or flags go through parseXRLinearParams first. */
  static async train(data: Dataset, paramsInput?: XRLinearParamsInput, opts: TrainOptions = {}): Promise<XRLinearModel> {
    let params = parseXRLinearParams(paramsInput);
    const progress = opts.progress ?? silentProgress;
    if (data.Y.rows === 0) throw new XmcError(`${data.source}: no training instances`);
    let selection: SelectionReport | null = null;
    for (const w of autoWarnings(paramsInput, params)) progress.log(w);
    if (needsSelection(params, data)) {
      ({ params, report: selection } = await selectSettings(data, params, (d, p) => XRLinearModel.trainCore(d, p, { ...opts, trainTrees: undefined, progress: silentProgress }), progress));
    } else params = resolveWithoutSelection(params, data);
    const model = await XRLinearModel.trainCalibrated(data, params, opts);
    return selection ? model.withSelection(selection) : model;
  }

  private static async trainCalibrated(data: Dataset, params: XRLinearParams, opts: TrainOptions): Promise<XRLinearModel> {
    const progress = opts.progress ?? silentProgress;
    const cp = params.calibration;
    if (cp.holdout === 0) return XRLinearModel.trainCore(data, params, opts);
    if (data.Y.rows < 20) throw new XmcError(`${data.source}: too few instances (${data.Y.rows}) to hold out a calibration split`);
    const { train, heldOut } = splitDataset(data, cp.holdout, params.tree.seed);
    progress.log(`calibration: training on ${train.Y.rows} rows, fitting on ${heldOut.Y.rows} held-out rows`);
    const base = await XRLinearModel.trainCore(train, params, opts);
    const pred = base.predict(base.featurize(heldOut), { topK: Math.max(10, params.predict.topK), threshold: 0, thresholds: "none", rawScores: true });
    const calibration = fitScoreCalibration(pred, heldOut.Y, cp);
    const model = cp.refit ? await XRLinearModel.trainCore(data, params, opts) : base;
    return model.withCalibration(calibration);
  }

  /** The same model with calibration data attached. */
  withCalibration(c: ScoreCalibration | null): XRLinearModel {
    return new XRLinearModel(this.params, this.labelNames, this.dim, this.trees, this.vectorizer, this.trainLabelCounts, this.nTrain, c, this.channels, this.selection);
  }

  /** The same model with the report of its chosen settings attached. */
  withSelection(s: SelectionReport | null): XRLinearModel {
    return new XRLinearModel(this.params, this.labelNames, this.dim, this.trees, this.vectorizer, this.trainLabelCounts, this.nTrain, this.calibration, this.channels, s);
  }

  private static async trainCore(data: Dataset, params: XRLinearParams, opts: TrainOptions): Promise<XRLinearModel> {
    const progress = opts.progress ?? silentProgress;
    const threads = opts.threads ?? availableParallelism();
    let vectorizer: StackedVectorizer | null = null;
    let X: Csr;
    if (data.texts) {
      progress.log(`featurizing ${data.texts.length} texts`);
      if (params.text === "auto") throw new XmcError("text: \"auto\" must be resolved before training");
      vectorizer = new StackedVectorizer(params.text);
      try {
        X = vectorizer.fitTransform(data.texts, "text.vectorizers");
      } catch (e) {
        if (e instanceof XmcError) throw new XmcError(`${textPaths(data.source).texts}: ${e.message}`);
        throw e;
      }
    } else if (data.X) {
      X = params.train.normalize ? normalizeRowsL2(copyCsr(data.X)) : data.X;
    } else {
      throw new XmcError(`${data.source}: dataset has neither texts nor features`);
    }
    // the solver and clustering workers read X from shared memory: make that the only working copy
    if (threads > 1) X = toShared(X);
    const Y = data.Y;
    let trees: TreeModel[] = [];
    // one set of solver workers and one PIFA embedding for every tree and disentanglement round
    const pool = createTrainPool(X, threads, opts.solverKind);
    try {
      const tp = performance.now();
      // on the solver workers, in shared memory when there are several threads (one copy for every tree)
      let embedding: Csr | undefined = treeEmbedding(await pifaOnPool(pool, X, Y), data, vectorizer, params.fusion, progress);
      progress.log(`label embeddings (PIFA): ${embedding.indptr[embedding.rows]} non-zeros in ${((performance.now() - tp) / 1000).toFixed(2)} s`);
      if (opts.trainTrees) trees = await opts.trainTrees(X, Y, params, { threads, progress, solverKind: opts.solverKind, pool, embedding });
      else for (let i = 0; i < params.ensemble.trees; i++) {
        const last = i === params.ensemble.trees - 1;
        const o: TreeTrainOptions = { threads, progress, solverKind: opts.solverKind, pool, embedding };
        // the last tree lets go of the embedding once it is clustered (the solver levels do not need
        // it) and of the solver workers, with their copies of X, before it assembles its weights
        if (last) {
          o.clustered = () => {
            embedding = undefined;
            o.embedding = undefined;
          };
          o.solved = async () => {
            await pool?.close();
          };
        }
        trees.push(await (params.train.subTrees > 1 ? trainTreeBySubTrees(X, Y, params, i, o) : trainTree(X, Y, params, i, o)));
      }
    } finally {
      await pool?.close();
    }
    const counts = labelCounts(Y);
    const channels = buildChannels(X, Y, counts, data, vectorizer, params.fusion, progress);
    return new XRLinearModel(params, data.labelNames.slice(0, Y.cols), X.cols, trees, vectorizer, counts, Y.rows, null, channels);
  }

  /** Turn a dataset into the model's feature space (vectorize texts, or normalise features). */
  featurize(data: Dataset): Csr {
    if (this.vectorizer) {
      if (!data.texts) throw new XmcError(`${data.source}: this model was trained on text; give text data (a PREFIX with PREFIX_texts.txt)`);
      return this.vectorizer.transform(data.texts);
    }
    if (!data.X) throw new XmcError(`${data.source}: this model was trained on features (.txt/.arff); text data cannot be used with it`);
    return this.params.train.normalize ? normalizeRowsL2(copyCsr(data.X)) : data.X;
  }

  /** The resolved prediction options of recent override sets (a query stream usually repeats one). */
  private optionsCache = new Map<string, ReturnType<XRLinearModel["resolvePredictOptions"]>>();

  private predictOptions(overrides: XRLinearPredictInput = {}) {
    const key = JSON.stringify(overrides);
    let o = this.optionsCache.get(key);
    if (o === undefined) {
      o = this.resolvePredictOptions(overrides);
      if (this.optionsCache.size >= 16) this.optionsCache.clear();
      this.optionsCache.set(key, o);
    }
    return o;
  }

  private resolvePredictOptions(overrides: XRLinearPredictInput) {
    const given = stripUndefined(overrides);
    const p = parseParams(XRLINEAR_PREDICT_SCHEMA, { ...this.params.predict, ...given }, "predict");
    // per-tree post-processors (mixed-loss ensembles) unless the caller overrides them
    const posts = this.trees.map((_, i) => postProcessor(given.postProcessor !== undefined ? (p.postProcessor as PostProcessorName) : memberPost(this.params, i)));
    // the most label copies of any tree, so that every tree returns the same number of candidates
    const copies = Math.max(...this.trees.map((_, i) => memberLabelCopies(this.params, i)));
    const several = this.trees.length > 1;
    return {
      beamSize: p.beamSize,
      topK: p.topK,
      // each tree returns extra candidates: label copies merge into one, trees are combined
      treeTopK: p.topK * copies + (several ? p.topK : 0) + (fuses(this.channels) ? this.params.fusion.voteK : 0),
      posts,
      finish: {
        calibrated: this.calibration !== null && !p.rawScores,
        threshold: p.threshold > 0 ? p.threshold : -Infinity,
        thresholds: p.thresholds as "none" | "global" | "tuned",
      },
      combine: this.params.ensemble.combine as Combiner,
      // fused channels re-rank a longer list of the trees' candidates
      fuse: fuses(this.channels),
      combineTopK: fuses(this.channels) ? p.topK + this.params.fusion.voteK : p.topK,
    };
  }

  private searchOne(qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number, o: ReturnType<XRLinearModel["predictOptions"]>): Ranked {
    const lists = this.searchers.map((s, i) => s.search(qIdx, qVal, q0, q1, { beamSize: o.beamSize, topK: o.treeTopK, post: o.posts[i] }));
    return this.finishOne(lists, qIdx, qVal, q0, q1, o);
  }

  /** One query's answer from its trees' rankings: combined, fused with the channels when there are, finished. */
  private finishOne(lists: Ranked[], qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number, o: ReturnType<XRLinearModel["predictOptions"]>): Ranked {
    if (!o.fuse) return finishRanking(combineRankings(lists, o.combine, o.topK), this.calibration, o.finish);
    const fused = fuseQuery(combineRankings(lists, o.combine, o.combineTopK), this.channels, qIdx, qVal, q0, q1, o.topK);
    return finishRanking(fused, this.calibration, o.finish);
  }

  /**
   * Rank labels for every row of X (already featurized). The rows are searched SEARCH_BATCH_ROWS at a
   * time (`BeamSearcher.searchRows`: the same answers as one by one, with each weight chunk read
   * once per batch).
   */
  predict(X: Csr, overrides: XRLinearPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    const o = this.predictOptions(overrides);
    const out: Ranked[] = new Array(X.rows);
    progress.start("predict", X.rows);
    for (let a = 0; a < X.rows; a += SEARCH_BATCH_ROWS) {
      const b = Math.min(X.rows, a + SEARCH_BATCH_ROWS);
      // features ≥ dim (unseen in training) are dropped by the beam search
      const lists = this.searchers.map((s, i) => s.searchRows(X, a, b, { beamSize: o.beamSize, topK: o.treeTopK, post: o.posts[i] }));
      for (let r = a; r < b; r++) {
        out[r] = this.finishOne(
          lists.map((l) => l[r - a]),
          X.indices,
          X.data,
          X.indptr[r],
          X.indptr[r + 1],
          o,
        );
      }
      progress.tick(b - a);
    }
    progress.stop();
    return out;
  }

  /** Rank labels for one query given as sorted sparse features (indices, values), L2-normalised; features ≥ dim are ignored. */
  predictFeatures(indices: Int32Array, values: Float32Array, overrides: XRLinearPredictInput = {}): Ranked {
    return this.searchOne(indices, values, 0, indices.length, this.predictOptions(overrides));
  }

  /** Rank labels for raw texts (text models only); returns label names with scores. */
  predictTexts(texts: string[], overrides: XRLinearPredictInput = {}): NamedScore[][] {
    if (!this.vectorizer) throw new XmcError("this model was trained on features, not text");
    const X = this.vectorizer.transform(texts);
    return this.predict(X, overrides).map((r) => this.name(r));
  }

  /** Attach label names to a ranked list. */
  name(r: Ranked): NamedScore[] {
    return Array.from(r.labels, (l, i) => ({ label: this.labelNames[l], score: r.scores[i] }));
  }

  /** Write the model file (exactly `path`), replacing an existing one atomically. */
  save(path: string): void {
    const arrays: Record<string, TypedArray> = { trainLabelCounts: this.trainLabelCounts, ...channelArrays(this.channels) };
    addTreeArrays(this.trees, arrays);
    let vectorizerMeta: unknown = null;
    let vocab: string[] | null = null;
    if (this.vectorizer) {
      const s = this.vectorizer.save();
      vectorizerMeta = s.meta;
      for (const [k, a] of Object.entries(s.arrays)) arrays[`text.${k}`] = a;
      vocab = s.vocab;
    }
    let calibrationMeta: unknown = null;
    if (this.calibration) {
      const c = calibrationToFiles(this.calibration);
      calibrationMeta = c.meta;
      arrays.labelThresholds = c.labelThresholds;
    }
    const header = {
      method: this.method,
      params: this.params,
      dim: this.dim,
      nLabels: this.nLabels,
      nTrain: this.nTrain,
      trees: treeShapes(this.trees),
      vectorizer: vectorizerMeta,
      calibration: calibrationMeta,
      labelNames: this.labelNames,
      vocab,
      selection: this.selection ? reportToSave(this.selection) : null,
    };
    writeModelFile(path, header, arrays);
  }

  /**
   * What a worker thread needs to predict as this model does ({@link XRLinearModel.fromHandoff}),
   * without reading or decoding the file: the trees' arrays and search lookups, moved into shared
   * memory (this model then reads the shared copies too, so they exist once for every thread), and
   * the other parts as they are saved.
   */
  handoff(): XRLinearHandoff {
    const trees = this.trees.map((t, i) => shareInPlace({ chain: t.chain, weights: t.weights, lookup: this.searchers[i].lookup }));
    const channels = shareInPlace(channelArrays(this.channels));
    return {
      params: this.params,
      labelNames: this.labelNames,
      dim: this.dim,
      trees,
      vectorizer: this.vectorizer ? this.vectorizer.save() : null,
      trainLabelCounts: this.trainLabelCounts,
      nTrain: this.nTrain,
      calibration: this.calibration ? calibrationToFiles(this.calibration) : null,
      channels,
      selection: this.selection,
    };
  }

  /** The model a worker predicts with, from {@link handoff}'s answer on the thread that loaded it. */
  static fromHandoff(h: XRLinearHandoff): XRLinearModel {
    const src = "(model handed to a worker)";
    const vectorizer = h.vectorizer ? StackedVectorizer.load(h.vectorizer, `${src} vectorizer`) : null;
    const calibration = h.calibration ? calibrationFromFiles(h.calibration.meta, h.calibration.labelThresholds, src) : null;
    const channels = channelsFromFiles(h.params, h.channels, h.nTrain, src);
    return new XRLinearModel(h.params, h.labelNames, h.dim, h.trees, vectorizer, h.trainLabelCounts, h.nTrain, calibration, channels, h.selection);
  }

  /** Read a model file written by {@link save}, from its path or its bytes. */
  static load(source: ModelSource): XRLinearModel {
    const { header: meta, arrays, source: src, deferred } = readModelFile(source, deferLaterTrees);
    if (meta.method !== "xr-linear") throw new XmcError(`${src}: model method is "${String(meta.method)}", expected "xr-linear"`);
    const need = <T extends TypedArray>(name: string): T => {
      const a = arrays[name];
      if (!a) throw new XmcError(`${src}: model array "${name}" is missing`);
      return a as T;
    };
    const params = parseXRLinearParams(meta.params, `${src} params`);
    const shapes = meta.trees as TreeShapes;
    if (!Array.isArray(shapes)) throw new XmcError(`${src}: the header has no "trees"`);
    const trees: TreeModel[] = decodeTrees(shapes, shapes.map(() => meta.dim as number), need, (k) => arrays[k] !== undefined, src, deferred);
    const labelNames = headerStrings(meta.labelNames, src, "labelNames");
    let vectorizer: StackedVectorizer | null = null;
    if (meta.vectorizer) {
      const vocab = headerStrings(meta.vocab, src, "vocab");
      const textArrays: Record<string, Float32Array> = {};
      for (const [k, a] of Object.entries(arrays)) if (k.startsWith("text.")) textArrays[k.slice(5)] = a as Float32Array;
      vectorizer = StackedVectorizer.load({ meta: meta.vectorizer as never, arrays: textArrays, vocab }, `${src} vectorizer`);
    }
    const calibration = meta.calibration ? calibrationFromFiles(meta.calibration, arrays.labelThresholds as Float32Array | undefined, src) : null;
    const channels = channelsFromFiles(params, arrays, meta.nTrain as number, src);
    const selection = (meta.selection ?? null) as SelectionReport | null;
    return new XRLinearModel(params, labelNames, meta.dim as number, trees, vectorizer, need("trainLabelCounts"), meta.nTrain as number, calibration, channels, selection);
  }
}

function copyCsr(m: Csr): Csr {
  return { rows: m.rows, cols: m.cols, indptr: m.indptr, indices: m.indices, data: m.data.slice() };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * XR-Transformer models (Zhang et al., NeurIPS 2021, as in PECOS's xtransformer) on a CPU: TF-IDF,
 * a preliminary label tree from PIFA on TF-IDF, an encoder trained coarse to fine along that tree
 * (matcher.ts), then an XR-Linear ranker on [TF-IDF | α·embedding] over refined trees
 * (ranker.ts), learnt from out-of-fold embeddings (crossfit.ts) and fused at the score level with
 * TF-IDF-only trees. Prediction encodes the query, builds its concatenated (and TF-IDF) rows, runs
 * beam search on each side and fuses the two.
 */
import { addTreeArrays, treeShapes, type TreeShapes, treesFromArrays } from "../../search/tree-arrays.js";
import type { Csr } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import { parseParams } from "../../core/params.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { Dataset } from "../../data/dataset.js";
import { textPaths } from "../../data/text.js";
import { labelCounts } from "../../eval/propensity.js";
import { type ModelSource, readModelFile, writeModelFile } from "../../model/file.js";
import { headerStrings, type TypedArray } from "../../model/format.js";
import type { Ranked } from "../../search/beam.js";
import type { Combiner } from "../../search/combine.js";
import type { PostProcessorName } from "../../search/postprocess.js";
import { StackedVectorizer } from "../../text/stack.js";
import { TokenVocab } from "../../text/vocab.js";
import { initWordVectors } from "../../text/wordvec-init.js";
import { buildLabelTree } from "../../tree/build.js";
import { validateChain } from "../../tree/chain.js";
import { overridesOf, type XmcModel } from "../model.js";
import { normalizeDenseRows, textDoc, XrtEncoder } from "./encoder.js";
import { cloneEncoder, foldAssignment, outOfFoldEmbeddings } from "./crossfit.js";
import { type StageStats, trainMatcher } from "./matcher.js";
import { parseXrtParams, XRT_PREDICT_SCHEMA, type XrtParams, type XrtParamsInput, type XrtPredictInput } from "./params.js";
import { concatFeatures, fuseRankings, rankerDim, RankerSearch, type RankerTree, trainRanker } from "./ranker.js";

export interface XrtTrainOptions {
  /** Solver threads of the ranker (default 1; the matcher trains on one thread). */
  threads?: number;
  progress?: Progress;
  /** Reuse this model's trained encoder (its params must match in vocab, wordvec, encoder and matcher) and, when it was trained on the same data, its training embeddings (out-of-fold with matcher.folds > 1): only the ranker is trained. */
  encoderFrom?: XRTransformerModel;
}

/** CPU seconds and wall seconds of each training stage. */
export interface XrtTrainReport {
  stages: { name: string; seconds: number; cpuSeconds: number }[];
  matcher: StageStats[];
}

export interface NamedScore {
  label: string;
  score: number;
}

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** See the module comment. */
export class XRTransformerModel implements XmcModel<XrtPredictInput> {
  readonly method = "xr-transformer";
  private readonly search: RankerSearch;
  /** The TF-IDF-only trees of the score-level fusion (ranker.tfidfTrees > 0), else null. */
  private readonly tfidfSearch: RankerSearch | null;
  /** How long each training stage took (set by {@link train}; null for a loaded model). */
  report: XrtTrainReport | null = null;
  /** The normalised embeddings the ranker was trained on (set by {@link train}, not saved). */
  trainEmbeddings: Float32Array | null = null;

  constructor(
    readonly params: XrtParams,
    readonly labelNames: string[],
    readonly vectorizer: StackedVectorizer,
    /** The encoder's words and the encoder (null for a TF-IDF-only ranker). */
    readonly vocab: TokenVocab | null,
    readonly encoder: XrtEncoder | null,
    /** The ranker's trees: the ranker.trees main trees, then the ranker.tfidfTrees TF-IDF-only trees. */
    readonly trees: RankerTree[],
    readonly trainLabelCounts: Int32Array,
    readonly nTrain: number,
  ) {
    if (trees.length === 0) throw new XmcError("a model needs at least one ranker tree");
    if ((encoder === null) !== (params.ranker.features === "tfidf")) throw new XmcError("an xr-transformer model has an encoder exactly when its ranker uses the embedding");
    for (const t of trees) validateChain(t.chain, labelNames.length);
    const nMain = params.ranker.trees, nTfidf = params.ranker.tfidfTrees;
    if (trees.length !== nMain + nTfidf) throw new XmcError(`the model has ${trees.length} ranker trees, its params say ${nMain} + ${nTfidf} (ranker.trees + ranker.tfidfTrees)`);
    const combine = params.ranker.combine as Combiner;
    this.search = new RankerSearch(trees.slice(0, nMain), this.dim, params.solver.bias, combine);
    this.tfidfSearch = nTfidf > 0 ? new RankerSearch(trees.slice(nMain), vectorizer.nFeatures, params.solver.bias, combine) : null;
  }

  get nLabels(): number {
    return this.labelNames.length;
  }

  get calibrated(): boolean {
    return false;
  }

  get featureDim(): null {
    return null;
  }

  /** Ranker feature dimension. */
  get dim(): number {
    return rankerDim(this.params.ranker.features, this.vectorizer.nFeatures, this.encoder?.dim ?? 0);
  }

  /** Train on a text dataset. */
  static async train(data: Dataset, paramsInput?: XrtParamsInput | XrtParams, opts: XrtTrainOptions = {}): Promise<XRTransformerModel> {
    const p = parseXrtParams(paramsInput);
    const progress = opts.progress ?? silentProgress;
    const threads = Math.max(1, opts.threads ?? 1);
    if (!data.texts) throw new XmcError(`${data.source}: xr-transformer trains on raw text; give a text PREFIX (PREFIX_texts.txt, PREFIX_labels.txt)`);
    if (data.Y.rows === 0) throw new XmcError(`${data.source}: no training instances`);
    const report: XrtTrainReport = { stages: [], matcher: [] };
    const timed = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
      const c0 = cpuNow(), t0 = performance.now();
      const out = await f();
      report.stages.push({ name, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuNow() - c0 });
      return out;
    };
    const Y = data.Y;
    const texts = data.texts;
    progress.log(`featurizing ${texts.length} texts`);
    const vectorizer = new StackedVectorizer(p.text);
    const X = await timed("tfidf", () => {
      try {
        return vectorizer.fitTransform(texts, "text.vectorizers");
      } catch (e) {
        if (e instanceof XmcError) throw new XmcError(`${textPaths(data.source).texts}: ${e.message}`);
        throw e;
      }
    });
    let vocab: TokenVocab | null = null;
    let encoder: XrtEncoder | null = null;
    let E: Float32Array = new Float32Array(0);
    if (p.ranker.features !== "tfidf" && opts.encoderFrom?.encoder && opts.encoderFrom.vocab) {
      vocab = opts.encoderFrom.vocab;
      encoder = opts.encoderFrom.encoder;
      const v = vocab, enc = encoder;
      const kept = opts.encoderFrom.trainEmbeddings;
      E = kept && kept.length === texts.length * enc.dim ? kept : await timed("embed", () => normalizeDenseRows(enc.embedAll(texts.map((t) => textDoc(v, t, p.encoder.maxTokens))), enc.dim));
    } else if (p.ranker.features !== "tfidf") {
      const labelTexts = p.vocab.labelTexts && data.labelTexts ? data.labelTexts.slice(0, Y.cols) : [];
      vocab = TokenVocab.build(texts, p.vocab, labelTexts);
      const v = vocab;
      const docs = texts.map((t) => textDoc(v, t, p.encoder.maxTokens));
      const enc = new XrtEncoder(p.encoder, vocab.size, new Rng(p.matcher.seed));
      encoder = enc;
      await timed("word vectors", () => initWordVectors(enc.table.data, p.encoder.dim, v, data, { text: p.vocab, wordvec: p.wordvec, seed: p.matcher.seed }, progress));
      enc.fitIdf(docs);
      let oof: Float32Array | null = null;
      if (p.matcher.maxMatchClusters > 0 && p.matcher.epochs > 0) {
        const chain = await timed("preliminary tree", () => buildLabelTree(X, Y, { nrSplits: p.matcher.nrSplits, maxLeafSize: p.matcher.maxLeafSize, kmeansMaxIter: 20, seed: p.matcher.seed }));
        progress.log(`preliminary tree: ${chain.map((l) => l.nNodes).join(" → ")} nodes`);
        // the fold encoders start where the full one starts: from the skip-gram vectors
        const start = p.matcher.folds > 1 ? cloneEncoder(enc) : null;
        report.matcher = await timed("matcher", () => trainMatcher(enc, docs, Y, chain, p.matcher, { progress }));
        if (start) {
          const k = p.matcher.folds;
          const fold = foldAssignment(docs.length, k, p.matcher.seed);
          oof = await timed("cross-fitting", () => outOfFoldEmbeddings(start, docs, Y, chain, p.matcher, fold, k, progress).E);
        }
      }
      E = await timed("embed", () => normalizeDenseRows(oof ?? enc.embedAll(docs), enc.dim));
    }
    const Xc = concatFeatures(X, E, encoder?.dim ?? 0, p.ranker.alpha, p.ranker.features);
    const rankerOpts = { threads, seed: p.matcher.seed, postProcessor: p.predict.postProcessor as PostProcessorName, progress };
    const trees = await timed("ranker", () => trainRanker(Xc, Y, p.ranker, p.solver, rankerOpts));
    if (p.ranker.tfidfTrees > 0) {
      const Xt = concatFeatures(X, E, 0, 0, "tfidf");
      trees.push(...(await timed("ranker (TF-IDF trees)", () => trainRanker(Xt, Y, { ...p.ranker, trees: p.ranker.tfidfTrees, features: "tfidf" }, p.solver, rankerOpts))));
    }
    const model = new XRTransformerModel(p, data.labelNames.slice(0, Y.cols), vectorizer, vocab, encoder, trees, labelCounts(Y), Y.rows);
    model.report = report;
    if (encoder) model.trainEmbeddings = E;
    return model;
  }

  /** The ranker rows of raw texts (`tfidf`: the TF-IDF rows of the fusion's TF-IDF trees, when the model has them). */
  features(texts: readonly string[]): { rows: Csr; tfidf: Csr | null } {
    const X = this.vectorizer.transform(texts as string[]);
    const tfidf = this.tfidfSearch ? concatFeatures(X, new Float32Array(0), 0, 0, "tfidf") : null;
    const enc = this.encoder;
    if (!enc || !this.vocab) return { rows: concatFeatures(X, new Float32Array(0), 0, 0, "tfidf"), tfidf };
    const v = this.vocab;
    const E = normalizeDenseRows(enc.embedAll(texts.map((t) => textDoc(v, t, this.params.encoder.maxTokens))), enc.dim);
    return { rows: concatFeatures(X, E, enc.dim, this.params.ranker.alpha, this.params.ranker.features), tfidf };
  }

  private options(overrides: XrtPredictInput = {}) {
    return parseParams(XRT_PREDICT_SCHEMA, { ...this.params.predict, ...overridesOf(XRT_PREDICT_SCHEMA, overrides) }, "predict");
  }

  /** Rank labels for every row of ranker features (as returned by {@link features}). */
  predictFeatures(f: { rows: Csr; tfidf: Csr | null }, overrides: XrtPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    const o = this.options(overrides);
    const Xc = f.rows, Xt = f.tfidf;
    if (this.tfidfSearch && !Xt) throw new XmcError("this model fuses TF-IDF trees: give the TF-IDF rows too");
    const post = o.postProcessor as PostProcessorName;
    const w = this.params.ranker.fusionWeight;
    const out: Ranked[] = new Array(Xc.rows);
    progress.start("predict", Xc.rows);
    for (let i = 0; i < Xc.rows; i++) {
      let r: Ranked;
      if (this.tfidfSearch && Xt) {
        // each side keeps a wider list so that a label strong on one side only can still make the fused top-K
        const a = this.tfidfSearch.search(Xt.indices, Xt.data, Xt.indptr[i], Xt.indptr[i + 1], o.beamSize, 2 * o.topK, post);
        const b = this.search.search(Xc.indices, Xc.data, Xc.indptr[i], Xc.indptr[i + 1], o.beamSize, 2 * o.topK, post);
        r = fuseRankings(a, b, w, o.topK);
      } else r = this.search.search(Xc.indices, Xc.data, Xc.indptr[i], Xc.indptr[i + 1], o.beamSize, o.topK, post);
      if (o.threshold > 0) {
        let n = 0;
        while (n < r.scores.length && r.scores[n] >= o.threshold) n++;
        if (n < r.scores.length) r = { labels: r.labels.slice(0, n), scores: r.scores.slice(0, n) };
      }
      out[i] = r;
      if ((i & 255) === 255) progress.tick(256);
    }
    progress.stop();
    return out;
  }

  predictDataset(data: Dataset, overrides: XrtPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    if (!data.texts) throw new XmcError(`${data.source}: this model was trained on text; give text data (a PREFIX with PREFIX_texts.txt)`);
    const o = this.options(overrides); // validate before the work
    const out: Ranked[] = [];
    // in chunks, so that the dense embedding block of a large test set is never held at once
    for (let a = 0; a < data.texts.length; a += 4096) {
      const part = this.predictFeatures(this.features(data.texts.slice(a, a + 4096)), o, progress);
      for (const r of part) out.push(r);
    }
    return out;
  }

  predictTexts(texts: string[], overrides: XrtPredictInput = {}): NamedScore[][] {
    return this.predictFeatures(this.features(texts), overrides).map((r) => Array.from(r.labels, (l, i) => ({ label: this.labelNames[l], score: r.scores[i] })));
  }

  /** Write the model file (exactly `path`), replacing an existing one atomically. */
  save(path: string): void {
    const arrays: Record<string, TypedArray> = { trainLabelCounts: this.trainLabelCounts };
    addTreeArrays(this.trees, arrays);
    const s = this.vectorizer.save();
    for (const [k, a] of Object.entries(s.arrays)) arrays[`text.${k}`] = a;
    if (this.encoder) {
      for (const t of this.encoder.parameters()) arrays[`enc.${t.name}`] = t.data;
      arrays["enc.idf"] = this.encoder.idf;
    }
    const header = {
      method: this.method,
      params: this.params,
      nLabels: this.nLabels,
      nTrain: this.nTrain,
      trees: treeShapes(this.trees),
      vectorizer: s.meta,
      vocab: s.vocab,
      words: this.vocab ? this.vocab.words : null,
      stopWords: this.vocab ? this.vocab.stopWords : null,
      labelNames: this.labelNames,
    };
    writeModelFile(path, header, arrays);
  }

  /** Read a model file written by {@link save}, from its path or its bytes. */
  static load(source: ModelSource): XRTransformerModel {
    const { header: meta, arrays, source: src } = readModelFile(source);
    if (meta.method !== "xr-transformer") throw new XmcError(`${src}: model method is "${String(meta.method)}", expected "xr-transformer"`);
    const need = <T extends TypedArray>(name: string): T => {
      const a = arrays[name];
      if (!a) throw new XmcError(`${src}: model array "${name}" is missing`);
      return a as T;
    };
    const params = parseXrtParams(meta.params, `${src} params`);
    const shapes = meta.trees as TreeShapes;
    if (!Array.isArray(shapes)) throw new XmcError(`${src}: the header has no "trees"`);
    const trees: RankerTree[] = treesFromArrays(shapes, need, (k) => arrays[k] !== undefined, src);
    const labelNames = headerStrings(meta.labelNames, src, "labelNames");
    const textArrays: Record<string, Float32Array> = {};
    for (const [k, a] of Object.entries(arrays)) if (k.startsWith("text.")) textArrays[k.slice(5)] = a as Float32Array;
    const vectorizer = StackedVectorizer.load({ meta: meta.vectorizer as never, arrays: textArrays, vocab: headerStrings(meta.vocab, src, "vocab") }, `${src} vectorizer`);
    let vocab: TokenVocab | null = null;
    let encoder: XrtEncoder | null = null;
    if (meta.words !== null && meta.words !== undefined) {
      vocab = new TokenVocab(headerStrings(meta.words, src, "words"), meta.stopWords === true);
      encoder = new XrtEncoder(params.encoder, vocab.size, new Rng(0));
      for (const t of encoder.parameters()) {
        const a = need<Float32Array>(`enc.${t.name}`);
        if (a.length !== t.data.length) throw new XmcError(`${src}: model array "enc.${t.name}" has ${a.length} values, expected ${t.data.length}`);
        t.data.set(a);
      }
      encoder.idf.set(need<Float32Array>("enc.idf"));
    }
    return new XRTransformerModel(params, labelNames, vectorizer, vocab, encoder, trees, need("trainLabelCounts"), meta.nTrain as number);
  }
}

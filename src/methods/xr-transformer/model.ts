/**
 * XR-Transformer models (Zhang et al., NeurIPS 2021, as in PECOS's xtransformer) on a CPU: TF-IDF,
 * a preliminary label tree from PIFA on TF-IDF, an encoder trained coarse to fine along that tree
 * (matcher.ts), then an XR-Linear ranker on [TF-IDF | α·embedding] over refined trees
 * (ranker.ts), learnt from out-of-fold embeddings (crossfit.ts) and fused at the score level with
 * TF-IDF-only trees. With matcher.ensemble M > 1, M encoders (different seeds, the same skip-gram
 * vectors and preliminary tree) each get their own concat trees, whose scores are averaged.
 * Prediction encodes the query with every encoder, builds its concatenated (and TF-IDF) rows, runs
 * beam search on each side and fuses the two.
 */
import { addTreeArrays, treeShapes, type TreeShapes } from "../../search/tree-arrays.js";
import { decodeTrees, deferLaterTrees } from "../../search/tree-load.js";
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
import { type Combiner, combineRankings } from "../../search/combine.js";
import type { PostProcessorName } from "../../search/postprocess.js";
import { StackedVectorizer } from "../../text/stack.js";
import { TokenVocab } from "../../text/vocab.js";
import { initWordVectors } from "../../text/wordvec-init.js";
import { buildLabelTree } from "../../tree/build.js";
import { validateChain } from "../../tree/chain.js";
import { overridesOf, type XmcModel } from "../model.js";
import { normalizeDenseRows, textDoc, XrtEncoder } from "./encoder.js";
import { foldAssignment, memberStart, outOfFoldEmbeddings } from "./crossfit.js";
import { type StageStats, trainMatcher } from "./matcher.js";
import { parseXrtParams, XRT_PREDICT_SCHEMA, type XrtParams, type XrtParamsInput, type XrtPredictInput } from "./params.js";
import { concatFeatures, fuseRankings, rankerDim, RankerSearch, type RankerTree, trainRanker } from "./ranker.js";

export interface XrtTrainOptions {
  /** Solver threads of the ranker (default 1; the matcher trains on one thread). */
  threads?: number;
  progress?: Progress;
  /** Reuse this model's trained encoders (its params must match in vocab, wordvec, encoder and matcher) and, when it was trained on the same data, their training embeddings (out-of-fold with matcher.folds > 1): only the ranker is trained. */
  encoderFrom?: XRTransformerModel;
}

/** CPU seconds and wall seconds of each training stage. */
export interface XrtTrainReport {
  stages: { name: string; seconds: number; cpuSeconds: number }[];
  matcher: StageStats[];
}

/** Ranker rows of some texts: one matrix per encoder (one TF-IDF matrix for a TF-IDF-only ranker), and the TF-IDF rows of the fusion's TF-IDF trees. */
export interface XrtFeatures {
  rows: Csr[];
  tfidf: Csr | null;
}

export interface NamedScore {
  label: string;
  score: number;
}

/** Prefix of ensemble member m's arrays in the model file. */
const encPrefix = (m: number) => (m === 0 ? "enc." : `enc${m + 1}.`);

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** See the module comment. */
export class XRTransformerModel implements XmcModel<XrtPredictInput> {
  readonly method = "xr-transformer";
  /** Per ensemble member, the search over its concat (or embedding-only, or TF-IDF-only) trees. */
  private readonly searches: RankerSearch[];
  /** The TF-IDF-only trees of the score-level fusion (ranker.tfidfTrees > 0), else null. */
  private readonly tfidfSearch: RankerSearch | null;
  /** How long each training stage took (set by {@link train}; null for a loaded model). */
  report: XrtTrainReport | null = null;
  /** Per encoder, the normalised embeddings the ranker was trained on (set by {@link train}, not saved). */
  trainEmbeddings: Float32Array[] | null = null;

  constructor(
    readonly params: XrtParams,
    readonly labelNames: string[],
    readonly vectorizer: StackedVectorizer,
    /** The encoders' words (null for a TF-IDF-only ranker) and the matcher.ensemble encoders (none for a TF-IDF-only ranker). */
    readonly vocab: TokenVocab | null,
    readonly encoders: XrtEncoder[],
    /** The ranker's trees: ranker.trees main trees per encoder (member 0's first), then the ranker.tfidfTrees TF-IDF-only trees. */
    readonly trees: RankerTree[],
    readonly trainLabelCounts: Int32Array,
    readonly nTrain: number,
  ) {
    if (trees.length === 0) throw new XmcError("a model needs at least one ranker tree");
    const members = params.ranker.features === "tfidf" ? 1 : params.matcher.ensemble;
    if (params.ranker.features === "tfidf" ? encoders.length !== 0 : encoders.length !== members) {
      throw new XmcError(`an xr-transformer model has matcher.ensemble (${params.matcher.ensemble}) encoders exactly when its ranker uses the embedding (it has ${encoders.length})`);
    }
    if ((vocab === null) !== (encoders.length === 0)) throw new XmcError("an xr-transformer model has a vocabulary exactly when it has encoders");
    for (const t of trees) validateChain(t.chain, labelNames.length);
    const nMain = params.ranker.trees, nTfidf = params.ranker.tfidfTrees;
    if (trees.length !== members * nMain + nTfidf) throw new XmcError(`the model has ${trees.length} ranker trees, its params say ${members} × ${nMain} + ${nTfidf} (matcher.ensemble × ranker.trees + ranker.tfidfTrees)`);
    const combine = params.ranker.combine as Combiner;
    this.searches = Array.from({ length: members }, (_, m) => new RankerSearch(trees.slice(m * nMain, (m + 1) * nMain), this.dim, params.solver.bias, combine));
    this.tfidfSearch = nTfidf > 0 ? new RankerSearch(trees.slice(members * nMain), vectorizer.nFeatures, params.solver.bias, combine) : null;
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

  /** The first encoder (ensemble member 0), or null for a TF-IDF-only ranker. */
  get encoder(): XrtEncoder | null {
    return this.encoders[0] ?? null;
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
    let encoders: XrtEncoder[] = [];
    let Es: Float32Array[] = [];
    const M = p.matcher.ensemble;
    const from = opts.encoderFrom;
    if (p.ranker.features !== "tfidf" && from && from.vocab && from.encoders.length === M) {
      vocab = from.vocab;
      encoders = from.encoders;
      const v = vocab;
      const kept = from.trainEmbeddings;
      if (kept && kept.length === M && kept.every((E, m) => E.length === texts.length * encoders[m].dim)) Es = kept;
      else {
        const docs = texts.map((t) => textDoc(v, t, p.encoder.maxTokens));
        Es = await timed("embed", () => encoders.map((enc) => normalizeDenseRows(enc.embedAll(docs), enc.dim)));
      }
    } else if (p.ranker.features !== "tfidf") {
      const labelTexts = p.vocab.labelTexts && data.labelTexts ? data.labelTexts.slice(0, Y.cols) : [];
      vocab = TokenVocab.build(texts, p.vocab, labelTexts);
      const v = vocab;
      const docs = texts.map((t) => textDoc(v, t, p.encoder.maxTokens));
      const start = new XrtEncoder(p.encoder, vocab.size, new Rng(p.matcher.seed));
      await timed("word vectors", () => initWordVectors(start.table.data, p.encoder.dim, v, data, { text: p.vocab, wordvec: p.wordvec, seed: p.matcher.seed }, progress));
      start.fitIdf(docs);
      const train = p.matcher.maxMatchClusters > 0 && p.matcher.epochs > 0;
      const chain = train ? await timed("preliminary tree", () => buildLabelTree(X, Y, { nrSplits: p.matcher.nrSplits, maxLeafSize: p.matcher.maxLeafSize, kmeansMaxIter: 20, seed: p.matcher.seed })) : null;
      if (chain) progress.log(`preliminary tree: ${chain.map((l) => l.nNodes).join(" → ")} nodes`);
      // ensemble member m trains with seed + m; every member (and its fold encoders) starts from the same skip-gram vectors
      for (let m = 0; m < M; m++) {
        const pm = { ...p.matcher, seed: p.matcher.seed + m };
        const tag = M > 1 ? ` (encoder ${m + 1}/${M})` : "";
        const enc = memberStart(start, m, p.matcher.seed);
        encoders.push(enc);
        let oof: Float32Array | null = null;
        if (chain) {
          const fresh = p.matcher.folds > 1 ? memberStart(start, m, p.matcher.seed) : null;
          if (M > 1) progress.log(`encoder ${m + 1}/${M}, seed ${pm.seed}`);
          report.matcher.push(...(await timed(`matcher${tag}`, () => trainMatcher(enc, docs, Y, chain, pm, { progress }))));
          if (fresh) {
            const k = p.matcher.folds;
            const fold = foldAssignment(docs.length, k, pm.seed);
            oof = await timed(`cross-fitting${tag}`, () => outOfFoldEmbeddings(fresh, docs, Y, chain, pm, fold, k, progress).E);
          }
        }
        Es.push(await timed(`embed${tag}`, () => normalizeDenseRows(oof ?? enc.embedAll(docs), enc.dim)));
      }
    }
    const rankerOpts = (seed: number) => ({ threads, seed, postProcessor: p.predict.postProcessor as PostProcessorName, progress });
    const trees: RankerTree[] = [];
    if (p.ranker.features === "tfidf") {
      trees.push(...(await timed("ranker", () => trainRanker(concatFeatures(X, new Float32Array(0), 0, 0, "tfidf"), Y, p.ranker, p.solver, rankerOpts(p.matcher.seed)))));
    } else {
      for (let m = 0; m < M; m++) {
        const d = encoders[m].dim;
        const Xc = concatFeatures(X, Es[m], d, p.ranker.alpha, p.ranker.features);
        // member m's trees cluster with seeds seed + m·trees + i: no two trees of the ensemble share a seed
        trees.push(...(await timed(`ranker${M > 1 ? ` (encoder ${m + 1}/${M})` : ""}`, () => trainRanker(Xc, Y, p.ranker, p.solver, rankerOpts(p.matcher.seed + m * p.ranker.trees)))));
      }
    }
    if (p.ranker.tfidfTrees > 0) {
      const Xt = concatFeatures(X, new Float32Array(0), 0, 0, "tfidf");
      trees.push(...(await timed("ranker (TF-IDF trees)", () => trainRanker(Xt, Y, { ...p.ranker, trees: p.ranker.tfidfTrees, features: "tfidf" }, p.solver, rankerOpts(p.matcher.seed)))));
    }
    const model = new XRTransformerModel(p, data.labelNames.slice(0, Y.cols), vectorizer, vocab, encoders, trees, labelCounts(Y), Y.rows);
    model.report = report;
    if (encoders.length > 0) model.trainEmbeddings = Es;
    return model;
  }

  /** The ranker rows of raw texts, one matrix per encoder (`tfidf`: the TF-IDF rows of the fusion's TF-IDF trees, when the model has them). */
  features(texts: readonly string[]): XrtFeatures {
    const X = this.vectorizer.transform(texts as string[]);
    const tfidf = this.tfidfSearch ? concatFeatures(X, new Float32Array(0), 0, 0, "tfidf") : null;
    if (this.encoders.length === 0 || !this.vocab) return { rows: [concatFeatures(X, new Float32Array(0), 0, 0, "tfidf")], tfidf };
    const v = this.vocab;
    const docs = texts.map((t) => textDoc(v, t, this.params.encoder.maxTokens));
    const rows = this.encoders.map((enc) => concatFeatures(X, normalizeDenseRows(enc.embedAll(docs), enc.dim), enc.dim, this.params.ranker.alpha, this.params.ranker.features));
    return { rows, tfidf };
  }

  /** The top `k` of every row on the main trees: every encoder's trees on its own rows, scores combined over all of them (rows searched together). */
  private searchMain(rows: Csr[], beamSize: number, k: number, post: PostProcessorName): Ranked[] {
    const n = rows[0].rows;
    if (this.searches.length === 1) return this.searches[0].searchRows(rows[0], 0, n, beamSize, k, post);
    const byEncoder = this.searches.map((s, m) => s.listsRows(rows[m], 0, n, beamSize, 2 * k, post));
    return Array.from({ length: n }, (_, i) => combineRankings(byEncoder.flatMap((l) => l[i]), this.params.ranker.combine as Combiner, k));
  }

  private options(overrides: XrtPredictInput = {}) {
    return parseParams(XRT_PREDICT_SCHEMA, { ...this.params.predict, ...overridesOf(XRT_PREDICT_SCHEMA, overrides) }, "predict");
  }

  /** Rank labels for every row of ranker features (as returned by {@link features}). */
  predictFeatures(f: XrtFeatures, overrides: XrtPredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    const o = this.options(overrides);
    const Xt = f.tfidf;
    if (this.tfidfSearch && !Xt) throw new XmcError("this model fuses TF-IDF trees: give the TF-IDF rows too");
    if (f.rows.length !== this.searches.length) throw new XmcError(`this model needs ${this.searches.length} ranker row matrices (one per encoder), got ${f.rows.length}`);
    const post = o.postProcessor as PostProcessorName;
    const w = this.params.ranker.fusionWeight;
    const n = f.rows[0].rows;
    const out: Ranked[] = new Array(n);
    progress.start("predict", n);
    // each side keeps a wider list so that a label strong on one side only can still make the fused top-K
    const fused = this.tfidfSearch !== null && Xt !== null;
    const main = this.searchMain(f.rows, o.beamSize, fused ? 2 * o.topK : o.topK, post);
    const side = fused ? this.tfidfSearch!.searchRows(Xt!, 0, n, o.beamSize, 2 * o.topK, post) : null;
    for (let i = 0; i < n; i++) {
      let r = side ? fuseRankings(side[i], main[i], w, o.topK) : main[i];
      if (o.threshold > 0) {
        let n = 0;
        while (n < r.scores.length && r.scores[n] >= o.threshold) n++;
        if (n < r.scores.length) r = { labels: r.labels.slice(0, n), scores: r.scores.slice(0, n) };
      }
      out[i] = r;
    }
    progress.tick(n);
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
    // encoder 0 as enc.*, further ensemble members as enc2.*, enc3.*, ...
    this.encoders.forEach((enc, m) => {
      for (const t of enc.parameters()) arrays[`${encPrefix(m)}${t.name}`] = t.data;
      arrays[`${encPrefix(m)}idf`] = enc.idf;
    });
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
    const { header: meta, arrays, source: src, deferred } = readModelFile(source, deferLaterTrees);
    if (meta.method !== "xr-transformer") throw new XmcError(`${src}: model method is "${String(meta.method)}", expected "xr-transformer"`);
    const need = <T extends TypedArray>(name: string): T => {
      const a = arrays[name];
      if (!a) throw new XmcError(`${src}: model array "${name}" is missing`);
      return a as T;
    };
    // a file written before matcher.ensemble existed holds one encoder
    const mp = (meta.params ?? {}) as { matcher?: Record<string, unknown> };
    const params = parseXrtParams(mp.matcher && mp.matcher.ensemble === undefined ? { ...mp, matcher: { ...mp.matcher, ensemble: 1 } } : mp, `${src} params`);
    const shapes = meta.trees as TreeShapes;
    if (!Array.isArray(shapes)) throw new XmcError(`${src}: the header has no "trees"`);
    const labelNames = headerStrings(meta.labelNames, src, "labelNames");
    const textArrays: Record<string, Float32Array> = {};
    for (const [k, a] of Object.entries(arrays)) if (k.startsWith("text.")) textArrays[k.slice(5)] = a as Float32Array;
    const vectorizer = StackedVectorizer.load({ meta: meta.vectorizer as never, arrays: textArrays, vocab: headerStrings(meta.vocab, src, "vocab") }, `${src} vectorizer`);
    let vocab: TokenVocab | null = null;
    const encoders: XrtEncoder[] = [];
    if (meta.words !== null && meta.words !== undefined) {
      vocab = new TokenVocab(headerStrings(meta.words, src, "words"), meta.stopWords === true);
      for (let m = 0; m < params.matcher.ensemble; m++) {
        const enc = new XrtEncoder(params.encoder, vocab.size, new Rng(0));
        for (const t of [...enc.parameters(), { name: "idf", data: enc.idf }]) {
          const name = `${encPrefix(m)}${t.name}`;
          const a = need<Float32Array>(name);
          if (a.length !== t.data.length) throw new XmcError(`${src}: model array "${name}" has ${a.length} values, expected ${t.data.length}`);
          t.data.set(a);
        }
        encoders.push(enc);
      }
    }
    // the trees of each ensemble member search [TF-IDF | embedding] (or either), the TF-IDF trees TF-IDF alone
    const memberDim = rankerDim(params.ranker.features, vectorizer.nFeatures, encoders[0]?.dim ?? 0);
    const nMember = (params.ranker.features === "tfidf" ? 1 : params.matcher.ensemble) * params.ranker.trees;
    const dims = shapes.map((_, i) => (i < nMember ? memberDim : vectorizer.nFeatures));
    const trees: RankerTree[] = decodeTrees(shapes, dims, need, (k) => arrays[k] !== undefined, src, deferred);
    return new XRTransformerModel(params, labelNames, vectorizer, vocab, encoders, trees, need("trainLabelCounts"), meta.nTrain as number);
  }
}

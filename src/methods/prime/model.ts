/**
 * PRIME as an xmc model: train on a text dataset with label texts, compute every label's
 * normalised prototype once, rank labels for queries by cosine with exact search
 * (blocked GEMM + top-k) or HNSW, save / load a model file (header with `method: "prime"`,
 * the label names and texts and the vocabulary; parameters, prototypes and the optional HNSW
 * graph as arrays).
 *
 * The optional second stage (§7, classifier.epochs > 0, on by default): a cosine classifier per
 * label trained on the frozen query embeddings (`classifier.ts`); prediction then takes the
 * `candidates` best labels of the prototype search and ranks them by
 * mix · prototype cosine + (1 − mix) · classifier cosine.
 *
 * The nearest training queries add their labels (`fuse.ts`): by embedding cosine and by TF-IDF cosine over the model's tokens (`lexical.ts`,
 * predict.lexicalNeighbours); the model keeps both indexes.
 *
 * Labels without training data (zero-shot, §3): a label borrows the free vector and centroid of
 * its most similar trained label (label-text cosine ≥ lpn.zeroShotCos); otherwise its prototype is
 * its own text embedding.
 */
import { XmcError } from "../../core/errors.js";
import { parseParams } from "../../core/params.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { Dataset } from "../../data/dataset.js";
import { dropSelf, labelsByText, normText } from "../../retrieval/self-filter.js";
import { type Csr, csrFromRows } from "../../core/csr.js";
import { type ModelSource, readModelFile, writeModelFile } from "../../model/file.js";
import { arraysWithPrefix, headerStrings, type TypedArray } from "../../model/format.js";
import { noGrad } from "../../nn/tape.js";
import { Tensor } from "../../nn/tensor.js";
import { ExactIndex, exactTopK, type TopK } from "../../retrieval/exact.js";
import { HnswIndex, type HnswMeta } from "../../retrieval/hnsw.js";
import type { Ranked } from "../../search/beam.js";
import { type CheckpointOptions, checkpointDirOf, hasCheckpoint } from "../../nn/checkpoint.js";
import { TokenVocab } from "../../text/vocab.js";
import { overridesOf, type PredictOverrides, type XmcModel } from "../model.js";
import { PrimeNetwork } from "./network.js";
import { PrimeTokens } from "./tokens.js";
import { PRIME_CLASSIFIER_SCHEMA, type ClassifierParams, parsePrimeParams, PRIME_PREDICT_SCHEMA, type PrimePredictParams, type PrimeAblation, type PrimeParams, type PrimeParamsInput, type PrimePredictInput } from "./params.js";
import { trainClassifier } from "./classifier.js";
import { fuse } from "./fuse.js";
import { LexicalIndex } from "../../retrieval/lexical.js";
import { freeVectorCount, initPrime, type PrimeEpochStats, preparePrime, runPrimeEpochs } from "./train.js";

/** Options of {@link PrimeModel.train}. */
export interface PrimeTrainOptions extends CheckpointOptions {
  progress?: Progress;
  /** Called after each epoch (the model's prototypes are not computed yet). */
  onEpoch?: (stats: PrimeEpochStats, model: PrimeModel) => void;
  /** Parts switched off for ablation runs (see {@link PrimeAblation}); not recorded in the saved model. */
  ablation?: PrimeAblation;
}

/** Queries per encoder pass at prediction. */
const PREDICT_BATCH = 1024;

/** A trained PRIME model. */
export class PrimeModel implements XmcModel {
  readonly method = "prime";
  readonly calibrated = false;
  /** A model of texts. */
  readonly featureDim = null;
  complete = true;
  /** Normalised prototypes [L × d]. */
  prototypes: Float32Array = new Float32Array(0);
  /** Normalised rows of the second-stage classifier [L × d], or null when it has none. */
  classifier: Float32Array | null = null;
  /** Normalised embeddings of the training queries with labels [n × d] and their labels (for predict.neighbours), or null. */
  queries: { vectors: Float32Array; labels: Csr } | null = null;
  /** TF-IDF posting lists of the same training queries (for predict.lexicalNeighbours), or null. */
  lexical: LexicalIndex | null = null;
  private queryHnsw: HnswIndex | null = null;
  /** Labels whose prototype came from the zero-shot path, and how many borrowed a trained label's. */
  zeroShot = { labels: 0, borrowed: 0 };
  private hnsw: HnswIndex | null = null;
  /** Labels by text, and the most labels sharing one text (built on the first excludeSelf call). */
  private selfFilter: { byText: Map<string, number[]>; extra: number } | null = null;

  constructor(
    readonly params: PrimeParams,
    readonly labelNames: string[],
    readonly labelTexts: string[],
    readonly tokens: PrimeTokens,
    readonly net: PrimeNetwork,
    readonly trainLabelCounts: Int32Array,
    readonly nTrain: number,
  ) {}

  get nLabels(): number {
    return this.labelNames.length;
  }

  get dim(): number {
    return this.params.encoder.dim;
  }

  /** Train on a text dataset with label texts. */
  static async train(data: Dataset, paramsInput?: PrimeParamsInput, opts: PrimeTrainOptions = {}): Promise<PrimeModel> {
    const p = parsePrimeParams(paramsInput);
    const progress = opts.progress ?? silentProgress;
    const ablation = opts.ablation ?? {};
    const prep = preparePrime(data, p, progress, ablation);
    const ckpt = checkpointDirOf(opts);
    const resuming = Boolean(opts.resume && ckpt && hasCheckpoint(ckpt));
    const { net, bank } = await initPrime(data, prep, p, progress, resuming, ablation);
    const model = new PrimeModel(p, data.labelNames.slice(0, prep.L), data.labelTexts!.slice(0, prep.L), prep.tokens, net, prep.counts, prep.nTrain);
    progress.log(`prime: ${prep.tokens.vocab.size} words and ${prep.tokens.nPairs} word pairs × ${p.encoder.dim}, ${prep.L} labels, ${prep.Y.rows} training queries, ${net.parameters().reduce((s, t) => s + t.size, 0)} parameters`);
    model.complete = await runPrimeEpochs(net, bank, prep, p, {
      progress, checkpointDir: ckpt, resume: opts.resume, maxEpochsThisRun: opts.maxEpochsThisRun,
      onEpoch: opts.onEpoch ? (s) => opts.onEpoch!(s, model) : undefined,
    });
    model.computePrototypes(progress);
    if (p.classifier.epochs > 0 || p.predict.neighbours > 0 || p.predict.lexicalNeighbours > 0) model.indexTrainingQueries(data, progress);
    if (p.classifier.epochs > 0) model.fitClassifier(null, p.classifier, progress);
    if (p.predict.lexicalNeighbours === 0) model.lexical = null;
    if (p.predict.neighbours === 0 && p.predict.lexicalNeighbours === 0) model.queries = null;
    if (p.predict.search === "hnsw") model.buildIndex(progress);
    return model;
  }

  /** Token-id bags of label texts [a, b). */
  private labelBags(a: number, b: number) {
    return this.net.encoder.bags(this.labelTexts.slice(a, b).map((t) => this.tokens.doc(t)));
  }

  /**
   * Compute every label's normalised prototype (after training, or after a change of encoder).
   * `ablation.zeroShotText` gives labels without a close trained label their text embedding instead.
   */
  computePrototypes(progress: Progress = silentProgress, ablation: Pick<PrimeAblation, "zeroShotText"> = this.net.ablation): void {
    const L = this.nLabels, d = this.dim, net = this.net;
    const rng = new Rng(0);
    const e = net.embedAll((a, b) => this.labelBags(a, b), L, rng);
    this.zeroShot = { labels: 0, borrowed: 0 };
    if (!net.lpn) {
      this.prototypes = e;
      this.hnsw = null;
      return;
    }
    const seen: number[] = [], unseen: number[] = [];
    for (let l = 0; l < L; l++) (this.trainLabelCounts[l] > 0 ? seen : unseen).push(l);
    const freeRow = Int32Array.from(net.freeOf);
    // centroid input of every label: its own bank row, a borrowed one, or (zero-shot "lpn") its text
    const bank = net.centroids.length > 0 ? net.centroids.slice() : null;
    const textOnly = new Uint8Array(L);
    if (unseen.length > 0 && seen.length > 0) {
      const seenVecs = new Float32Array(seen.length * d);
      seen.forEach((l, i) => seenVecs.set(e.subarray(l * d, (l + 1) * d), i * d));
      const unseenVecs = new Float32Array(unseen.length * d);
      unseen.forEach((l, i) => unseenVecs.set(e.subarray(l * d, (l + 1) * d), i * d));
      const nn = exactTopK(seenVecs, seen.length, d, unseenVecs, unseen.length, 1);
      unseen.forEach((l, i) => {
        if (nn.scores[i] >= this.params.lpn.zeroShotCos && nn.ids[i] >= 0) {
          const m = seen[nn.ids[i]];
          freeRow[l] = net.freeOf[m];
          if (bank) bank.set(net.centroids.subarray(m * d, (m + 1) * d), l * d);
          this.zeroShot.borrowed++;
        } else textOnly[l] = 1;
      });
      this.zeroShot.labels = unseen.length;
    } else if (seen.length === 0) textOnly.fill(1);
    const zeroShotText = ablation.zeroShotText === true;
    if (!zeroShotText && bank) {
      // the text embedding stands in for the missing centroid (the label's own row is zero)
      for (let l = 0; l < L; l++) if (textOnly[l]) bank.set(e.subarray(l * d, (l + 1) * d), l * d);
    }
    const protos = new Float32Array(L * d);
    progress.start("label prototypes", L);
    noGrad(() => {
      for (let a = 0; a < L; a += PREDICT_BATCH) {
        const b = Math.min(L, a + PREDICT_BATCH);
        const labels = Int32Array.from({ length: b - a }, (_, i) => a + i);
        const et = new Tensor(e.slice(a * d, b * d), [b - a, d]);
        const z = net.prototypes(et, labels, false, rng, freeRow.subarray(a, b), bank?.subarray(a * d, b * d));
        protos.set(z.data, a * d);
        progress.tick(b - a);
      }
    });
    progress.stop();
    if (zeroShotText) for (let l = 0; l < L; l++) if (textOnly[l]) protos.set(e.subarray(l * d, (l + 1) * d), l * d);
    this.prototypes = protos;
    this.hnsw = null;
  }

  /**
   * Embed the training queries with labels (rows of `data`, read with the model's labels) and
   * keep them with their labels: the classifier's training set and the neighbours' index.
   */
  indexTrainingQueries(data: Dataset, progress: Progress = silentProgress): void {
    if (!data.texts) throw new XmcError(`${data.source}: PRIME reads raw text; give a text PREFIX`);
    const known = Math.min(data.Y.cols, this.nLabels);
    for (let l = 0; l < known; l++) {
      if (data.labelNames[l] !== this.labelNames[l]) throw new XmcError(`${data.source}: label ${l} is "${data.labelNames[l]}", the model's is "${this.labelNames[l]}"; read the data with the model's labels (loadDataset(path, { labels: model.labelNames }))`);
    }
    // rows with at least one of the model's labels; labels outside its space are left out
    const keep: number[] = [], rows: number[][] = [];
    for (let i = 0; i < data.Y.rows; i++) {
      const r = Array.from(data.Y.indices.subarray(data.Y.indptr[i], data.Y.indptr[i + 1])).filter((l) => l < this.nLabels);
      if (r.length === 0) continue;
      keep.push(i);
      rows.push(r);
    }
    if (keep.length === 0) throw new XmcError(`${data.source}: no instance has a label of the model`);
    const texts = keep.map((i) => data.texts![i]), docs = texts.map((t) => this.tokens.doc(t));
    progress.log(`embedding ${texts.length} training queries`);
    this.queries = { vectors: this.embedDocs(docs), labels: csrFromRows(this.nLabels, rows) };
    this.lexical = LexicalIndex.build(docs, this.net.encoder.idf, this.tokens.size);
    const byText = this.selfTable().byText;
    this.querySelf = Int32Array.from(texts, (t) => byText.get(normText(t))?.[0] ?? -1);
    this.queryHnsw = null;
  }

  /** Labels by text and the most labels sharing one text (built once, on first use). */
  private selfTable(): { byText: Map<string, number[]>; extra: number } {
    if (!this.selfFilter) {
      const byText = labelsByText(this.labelTexts);
      let extra = 0;
      for (const ls of byText.values()) extra = Math.max(extra, ls.length);
      this.selfFilter = { byText, extra };
    }
    return this.selfFilter;
  }

  /** Per indexed training query, a label with the query's own text (−1: none); not saved. */
  private querySelf: Int32Array | null = null;

  /**
   * Train (or retrain) the second-stage classifier with the frozen encoder on the indexed training
   * queries, or on `data` (indexed first); `params` overrides the model's classifier section
   * (epochs 0 removes the classifier).
   */
  fitClassifier(data: Dataset | null = null, params: Partial<ClassifierParams> = {}, progress: Progress = silentProgress): void {
    const p = parseParams(PRIME_CLASSIFIER_SCHEMA, { ...this.params.classifier, ...params }, "classifier");
    if (data) this.indexTrainingQueries(data, progress);
    if (!this.queries) throw new XmcError("prime: fitClassifier needs the training data (this model keeps no training queries)");
    this.params.classifier = p;
    if (p.epochs === 0) {
      this.classifier = null;
      return;
    }
    const selfLabel = this.params.train.ignoreSelf ? this.querySelf : null;
    const { vectors, labels } = this.queries;
    this.classifier = trainClassifier(vectors, labels, this.prototypes, this.dim, this.trainLabelCounts, selfLabel, p, this.params.train.seed, progress);
  }

  /** Build the HNSW indexes over the prototypes and the kept training queries (done by `train` when predict.search is "hnsw"). */
  buildIndex(progress: Progress = silentProgress): HnswIndex {
    const hp = { ...this.params.ann, efSearch: this.params.predict.efSearch };
    if (!this.hnsw) {
      const t0 = performance.now();
      this.hnsw = HnswIndex.build(this.prototypes, this.nLabels, this.dim, hp, progress);
      progress.log(`HNSW over ${this.nLabels} prototypes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (this.queries && !this.queryHnsw) {
      const t0 = performance.now(), n = this.queries.labels.rows;
      this.queryHnsw = HnswIndex.build(this.queries.vectors, n, this.dim, hp, progress);
      progress.log(`HNSW over ${n} training queries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return this.hnsw;
  }

  private predictOptions(overrides: PredictOverrides): PrimePredictParams {
    if ((overrides as { thresholds?: unknown }).thresholds !== undefined && (overrides as { thresholds?: unknown }).thresholds !== "none") throw new XmcError("prime: tuned thresholds are not supported; use a cosine threshold (--threshold)");
    return parseParams(PRIME_PREDICT_SCHEMA, { ...this.params.predict, ...overridesOf(PRIME_PREDICT_SCHEMA, overrides) }, "predict");
  }

  /** Normalised query embeddings [n × d] of texts. */
  embedTexts(texts: readonly string[]): Float32Array {
    return this.embedDocs(texts.map((t) => this.tokens.doc(t)));
  }

  /** Normalised embeddings [n × d] of token-id documents ({@link PrimeTokens.doc}). */
  embedDocs(docs: readonly Int32Array[]): Float32Array {
    return this.net.embedAll((a, b) => this.net.encoder.bags(docs.slice(a, b)), docs.length, new Rng(0), PREDICT_BATCH);
  }

  /**
   * Top-k labels of queries given as normalised embeddings `q` [m × d] and their token-id
   * documents (m = docs.length): the prototype search, re-scored by the classifier and joined
   * with the labels of the nearest training queries, by embedding and by TF-IDF cosine, when the
   * model has them.
   */
  search(q: Float32Array, docs: readonly Int32Array[], o: PrimePredictParams): TopK {
    const m = docs.length, k = Math.min(o.topK, this.nLabels);
    const W = o.mix < 1 ? this.classifier : null;
    const kq = o.neighbourWeight > 0 ? o.neighbours : 0, kl = o.lexicalWeight > 0 ? o.lexicalNeighbours : 0;
    if (kq > 0 && !this.queries) throw new XmcError("prime: this model keeps no training queries (trained with predict.neighbours 0); predict with neighbours 0");
    if (kl > 0 && !this.lexical) throw new XmcError("prime: this model keeps no lexical index of its training queries (trained with predict.lexicalNeighbours 0, or before it existed); predict with lexical-weight 0");
    const c = W || kq > 0 || kl > 0 ? Math.min(this.nLabels, Math.max(k, o.candidates)) : k;
    const hnsw = o.search === "hnsw";
    const first = hnsw ? this.buildIndex().searchBatch(q, m, c, Math.max(o.efSearch, c)) : ExactIndex.of(this.prototypes, this.nLabels, this.dim).search(q, m, c);
    if (!W && kq === 0 && kl === 0) return first;
    let near: TopK | null = null;
    if (kq > 0) {
      const { vectors, labels } = this.queries!, n = labels.rows, kk = Math.min(kq, n);
      near = hnsw ? this.queryHnsw!.searchBatch(q, m, kk, Math.max(o.efSearch, kk)) : ExactIndex.of(vectors, n, this.dim).search(q, m, kk);
    }
    const lex = kl > 0 ? this.lexical!.search(docs, this.net.encoder.idf, kl) : null;
    const lab = { prototypes: this.prototypes, classifier: W, mix: o.mix, counts: this.trainLabelCounts };
    return fuse(first, c, k, lab, { near, lex, QY: this.queries?.labels ?? null }, o, this.dim, q);
  }

  /** Rank labels for texts. */
  predictTextsRanked(texts: readonly string[], overrides: PrimePredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    const o0 = this.predictOptions(overrides);
    const byText = o0.excludeSelf ? this.selfTable().byText : null;
    const o = { ...o0, topK: o0.topK + (byText ? this.selfTable().extra : 0) };
    const out: Ranked[] = [];
    progress.start("predict", texts.length);
    for (let a = 0; a < texts.length; a += PREDICT_BATCH) {
      const chunk = texts.slice(a, a + PREDICT_BATCH);
      const docs = chunk.map((t) => this.tokens.doc(t));
      const r = this.search(this.embedDocs(docs), docs, o);
      const k = r.ids.length / chunk.length;
      for (let i = 0; i < chunk.length; i++) {
        const labels: number[] = [], scores: number[] = [];
        for (let j = 0; j < k; j++) {
          const id = r.ids[i * k + j], s = r.scores[i * k + j];
          if (id < 0 || (o.threshold > -1 && s < o.threshold)) continue;
          labels.push(id);
          scores.push(s);
        }
        const ranked: Ranked = { labels: Int32Array.from(labels), scores: Float32Array.from(scores) };
        out.push(byText ? dropSelf(ranked, chunk[i], byText, o0.topK) : ranked);
      }
      progress.tick(chunk.length);
    }
    progress.stop();
    return out;
  }

  predictDataset(data: Dataset, overrides: PrimePredictInput = {}, progress: Progress = silentProgress): Ranked[] {
    if (!data.texts) throw new XmcError(`${data.source}: this PRIME model reads raw text; give a text PREFIX (PREFIX_texts.txt)`);
    return this.predictTextsRanked(data.texts, overrides, progress);
  }

  predictTexts(texts: string[], overrides: PrimePredictInput = {}): { label: string; score: number }[][] {
    return this.predictTextsRanked(texts, overrides).map((r) => Array.from(r.labels, (l, i) => ({ label: this.labelNames[l], score: r.scores[i] })));
  }

  /** Write the model file (exactly `path`), replacing an existing one atomically. */
  save(path: string): void {
    const arrays: Record<string, TypedArray> = { trainLabelCounts: this.trainLabelCounts, prototypes: this.prototypes, freeOf: this.net.freeOf };
    if (this.tokens.nPairs > 0) arrays.wordPairs = this.tokens.pairs;
    if (this.classifier) arrays.classifier = this.classifier;
    if (this.queries) {
      arrays.queryVectors = this.queries.vectors;
      arrays.queryIndptr = this.queries.labels.indptr;
      arrays.queryLabels = this.queries.labels.indices;
    }
    if (this.lexical) {
      arrays.lexIndptr = this.lexical.indptr;
      arrays.lexQueries = this.lexical.queries;
      arrays.lexWeights = this.lexical.weights;
    }
    let queryHnsw: HnswMeta | null = null;
    if (this.queryHnsw) {
      queryHnsw = this.queryHnsw.meta();
      for (const [k, a] of Object.entries(this.queryHnsw.toArrays())) arrays[`qhnsw.${k}`] = a;
    }
    for (const t of this.net.parameters()) arrays[`param.${t.name}`] = t.data;
    for (const b of this.net.buffers()) arrays[`buffer.${b.name}`] = b.data;
    let hnsw: HnswMeta | null = null;
    if (this.hnsw) {
      hnsw = this.hnsw.meta();
      for (const [k, a] of Object.entries(this.hnsw.toArrays())) arrays[`hnsw.${k}`] = a;
    }
    const header = {
      method: this.method, params: this.params, nLabels: this.nLabels, nTrain: this.nTrain, vocabSize: this.tokens.vocab.size, pairs: this.tokens.nPairs,
      nFree: this.net.nFree, complete: this.complete, zeroShot: this.zeroShot, hnsw, classifier: this.classifier !== null,
      queries: this.queries ? this.queries.labels.rows : 0, queryHnsw, lexical: this.lexical !== null,
      labelNames: this.labelNames, labelTexts: this.labelTexts, vocab: this.tokens.vocab.words,
    };
    writeModelFile(path, header, arrays);
  }

  /** Read a model file written by {@link save}, from its path or its bytes. */
  static load(source: ModelSource): PrimeModel {
    const { header: meta, arrays, source: dir } = readModelFile(source);
    if (meta.method !== "prime") throw new XmcError(`${dir}: model method is "${String(meta.method)}", expected "prime"`);
    const p = parsePrimeParams(meta.params, `${dir} params`);
    const labelNames = headerStrings(meta.labelNames, dir, "labelNames");
    const labelTexts = headerStrings(meta.labelTexts, dir, "labelTexts");
    const words = headerStrings(meta.vocab, dir, "vocab");
    if (words.length !== meta.vocabSize) throw new XmcError(`${dir}: the header's vocabulary has ${words.length} words, expected ${String(meta.vocabSize)}`);
    const L = labelNames.length;
    if (labelTexts.length !== L) throw new XmcError(`${dir}: the header has ${labelTexts.length} label texts, expected ${L}`);
    const nFree = freeVectorCount(L, p.lpn.labelsPerFreeVector);
    const pairs = Number(meta.pairs ?? 0) > 0 ? arrays.wordPairs : new Int32Array(0);
    if (!(pairs instanceof Int32Array) || pairs.length !== 2 * Number(meta.pairs ?? 0)) throw new XmcError(`${dir}: model array "wordPairs" is missing or has the wrong length`);
    for (const w of pairs) if (w < 2 || w >= words.length) throw new XmcError(`${dir}: model array "wordPairs" has word id ${w} outside 2..${words.length - 1}`);
    const tokens = new PrimeTokens(new TokenVocab(words, p.text.stopWords), pairs.slice(), p.encoder.maxTokens);
    const net = new PrimeNetwork(p, tokens.size, L, nFree, new Rng(p.train.seed));
    const take = (name: string, dst: Float32Array): void => {
      const a = arrays[name];
      if (!(a instanceof Float32Array) || a.length !== dst.length) throw new XmcError(`${dir}: model array "${name}" is missing or has the wrong size`);
      dst.set(a);
    };
    for (const t of net.parameters()) take(`param.${t.name}`, t.data);
    for (const b of net.buffers()) take(`buffer.${b.name}`, b.data);
    const freeOf = arrays.freeOf, counts = arrays.trainLabelCounts;
    if (!(freeOf instanceof Int32Array) || freeOf.length !== L) throw new XmcError(`${dir}: model array "freeOf" is missing or has the wrong length`);
    if (!(counts instanceof Int32Array) || counts.length !== L) throw new XmcError(`${dir}: model array "trainLabelCounts" is missing or has the wrong length`);
    net.freeOf = freeOf.slice();
    const model = new PrimeModel(p, labelNames, labelTexts, tokens, net, counts.slice(), meta.nTrain as number);
    const protos = new Float32Array(L * p.encoder.dim);
    take("prototypes", protos);
    model.prototypes = protos;
    if (meta.classifier === true) {
      model.classifier = new Float32Array(L * p.encoder.dim);
      take("classifier", model.classifier);
    }
    const nq = typeof meta.queries === "number" ? meta.queries : 0;
    // a model without training queries (trained with neighbours 0, or before they existed) predicts from its labels
    if (nq === 0) p.predict.neighbours = 0;
    // nor lexical neighbours without their index (models from before it)
    if (nq === 0 || meta.lexical !== true) p.predict.lexicalNeighbours = 0;
    if (nq > 0) {
      const vectors = new Float32Array(nq * p.encoder.dim);
      take("queryVectors", vectors);
      const indptr = arrays.queryIndptr, indices = arrays.queryLabels;
      if (!(indptr instanceof Int32Array) || indptr.length !== nq + 1 || !(indices instanceof Int32Array) || indices.length !== indptr[nq]) {
        throw new XmcError(`${dir}: model arrays "queryIndptr" / "queryLabels" are missing or inconsistent`);
      }
      for (const l of indices) if (l < 0 || l >= L) throw new XmcError(`${dir}: model array "queryLabels" has label ${l} outside 0..${L - 1}`);
      model.queries = { vectors, labels: { rows: nq, cols: L, indptr, indices, data: new Float32Array(indices.length).fill(1) } };
      if (meta.lexical === true) {
        const li = arrays.lexIndptr, lq = arrays.lexQueries, lw = arrays.lexWeights;
        if (!(li instanceof Int32Array) || li.length !== tokens.size + 1 || !(lq instanceof Int32Array) || !(lw instanceof Float32Array)) {
          throw new XmcError(`${dir}: model arrays "lexIndptr" / "lexQueries" / "lexWeights" are missing or inconsistent`);
        }
        model.lexical = new LexicalIndex(nq, li, lq, lw);
      }
      const qm = meta.queryHnsw as HnswMeta | null;
      if (qm) model.queryHnsw = HnswIndex.fromArrays(vectors, qm, arraysWithPrefix(arrays, "qhnsw."));
    }
    model.complete = meta.complete !== false;
    model.zeroShot = (meta.zeroShot as { labels: number; borrowed: number }) ?? { labels: 0, borrowed: 0 };
    const hm = meta.hnsw as HnswMeta | null;
    if (hm) model.hnsw = HnswIndex.fromArrays(protos, hm, arraysWithPrefix(arrays, "hnsw."));
    return model;
  }
}

/**
 * A TF-IDF vectorizer (one analyzer, one n-gram range), after PECOS's base vectorizer.
 * Differences from PECOS:
 * - tokens come from the Unicode tokenizer in ./tokenizer.ts (NFKC, lower-case,
 *   punctuation splits) instead of splitting on spaces;
 * - idf defaults to sklearn's formula (`idfFormula: "pecos"` gives PECOS's); on a
 *   nearest-label-centroid proxy (bench/tfidf-probe.ts) sklearn's was better on both
 *   debian-debtags and wordnet-hyper3, and so was sublinear tf (the default here);
 * - one `minDf` (a count if >= 1, else a fraction of N) and one `maxDf` (a fraction);
 * - feature ids follow the sorted feature strings, not ascending df;
 * - entries whose value is exactly 0 (pecos idf 0) are not stored.
 */
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf, type Schema } from "../core/params.js";
import { buildLookup, countNgrams, IntBuf, type FeatureLookup } from "./ngram-index.js";
import { analyze, displayNgram, type Analyzer } from "./tokenizer.js";

/** Parameters of {@link TfidfVectorizer}. */
export const TFIDF_SCHEMA = {
  analyzer: {
    type: "string",
    default: "word",
    choices: ["word", "char_wb", "char"],
    help: "word: word n-grams; char_wb: character n-grams inside padded words; char: character n-grams over the whole text",
  },
  ngramMin: { type: "number", default: 1, min: 1, max: 32, integer: true, help: "smallest n-gram length" },
  ngramMax: { type: "number", default: 1, min: 1, max: 32, integer: true, help: "largest n-gram length (>= ngramMin)" },
  lowercase: { type: "boolean", default: true, help: "lower-case after NFKC normalisation" },
  minDf: {
    type: "number",
    default: 1,
    min: 0,
    help: "keep n-grams with df >= minDf when minDf >= 1 (a document count), or df >= minDf*N when minDf < 1 (a fraction of the N training documents)",
  },
  maxDf: { type: "number", default: 1, min: 0, max: 1, help: "keep n-grams with df <= maxDf*N (a fraction of the training documents, > 0)" },
  maxFeatures: { type: "number", default: 0, min: 0, integer: true, help: "keep at most this many n-grams, the highest-df ones (ties: smaller string); 0: no cap" },
  binary: { type: "boolean", default: false, help: "tf is 1 for every present n-gram" },
  sublinearTf: { type: "boolean", default: true, help: "tf -> 1 + ln(tf)" },
  smoothIdf: { type: "boolean", default: true, help: "add 1 to df (and, for sklearn, to N) inside the idf" },
  idfFormula: {
    type: "string",
    default: "sklearn",
    choices: ["sklearn", "pecos"],
    help: "sklearn: ln((1+N)/(1+df)) + 1 (smooth) or ln(N/df) + 1; pecos: max(ln(N/(df+s)), 0) with s = 1 if smooth else 0",
  },
  norm: { type: "string", default: "l2", choices: ["l2", "l1", "none"], help: "row normalisation" },
  truncateLength: { type: "number", default: 0, min: 0, integer: true, help: "use only the first T tokens of each text; 0: all" },
} as const satisfies Schema;

/** Validated, defaulted parameters of a {@link TfidfVectorizer}. */
export type TfidfParams = Omit<ParamsOf<typeof TFIDF_SCHEMA>, "analyzer" | "idfFormula" | "norm"> & {
  analyzer: Analyzer;
  idfFormula: "sklearn" | "pecos";
  norm: "l2" | "l1" | "none";
};

/** What callers may pass: any subset of {@link TfidfParams}. */
export type TfidfParamsInput = Partial<TfidfParams>;

/** Validate and default vectorizer params; unknown keys and bad values throw an XmcError naming them. */
export function parseTfidfParams(input: unknown, where = "tfidf"): TfidfParams {
  const p = parseParams(TFIDF_SCHEMA, input, where) as TfidfParams;
  if (p.ngramMax < p.ngramMin) throw new XmcError(`${where}.ngramMax: must be >= ngramMin (${p.ngramMin}), got ${p.ngramMax}`);
  if (p.maxDf <= 0) throw new XmcError(`${where}.maxDf: must be > 0, got ${p.maxDf}`);
  return p;
}

/** Serialised vectorizer: a JSON header, typed arrays, and the vocabulary in feature-id order. */
export interface SavedTfidf {
  meta: { kind: "tfidf"; version: 1; params: TfidfParams; nDocs: number; nFeatures: number };
  arrays: { idf: Float32Array };
  /** Feature strings in id order; they never contain "\n" (word n-grams are joined by U+0001). */
  vocab: string[];
}

/** Plain-JSON form of a fitted vectorizer ({@link TfidfVectorizer.toJSON}). */
export interface TfidfJson {
  kind: "tfidf";
  version: 1;
  params: TfidfParams;
  nDocs: number;
  vocab: string[];
  idf: number[];
}

/** N-gram ids of a batch of documents: ids of document d are ids[ptr[d] .. ptr[d+1]). */
interface DocIds {
  ptr: Int32Array;
  ids: Int32Array;
}

/**
 * TF-IDF vectorizer. `fit` counts document frequencies of n-grams on training texts
 * and keeps those passing minDf/maxDf/maxFeatures; feature ids follow the sorted order
 * of the n-gram strings (code-unit order), so a refit on the same texts gives the same
 * ids whatever the document order. `transform` maps texts to a CSR matrix (sorted
 * indices per row, float32 values): tf (binary / 1+ln tf) times idf, then the row
 * norm; n-grams outside the vocabulary are ignored and exact zeros (pecos idf 0) dropped.
 */
export class TfidfVectorizer {
  /** The parameter schema (for help texts and CLI option lists). */
  static readonly schema = TFIDF_SCHEMA;
  readonly params: TfidfParams;
  private vocabList: string[] = [];
  private lookup: FeatureLookup | null = null;
  private idfArr: Float32Array = new Float32Array(0);
  /**
   * Per-feature scratch of weigh, kept across calls (`count` is all zero between calls, `value`
   * is written before it is read): allocating and zeroing two vocabulary-sized arrays on every
   * call cost more than weighing a short text.
   */
  private scratch: { count: Int32Array; value: Float64Array } | null = null;
  private nDocsFit = 0;

  /** @param params any subset of {@link TfidfParams}; validated (throws XmcError). */
  constructor(params?: unknown, where = "tfidf") {
    this.params = Object.freeze(parseTfidfParams(params, where));
  }

  /** True once fitted (or loaded). */
  get fitted(): boolean {
    return this.lookup !== null;
  }
  /** Number of features (vocabulary size); 0 before fitting. */
  get nFeatures(): number {
    return this.vocabList.length;
  }
  /** Number of training documents seen by `fit`. */
  get nDocs(): number {
    return this.nDocsFit;
  }
  /** Feature strings in id order (word n-grams joined by U+0001). */
  get vocabulary(): readonly string[] {
    return this.vocabList;
  }
  /** The idf of every feature (float32, id order). */
  get idf(): Float32Array {
    return this.idfArr;
  }
  /** Readable feature names (word n-grams joined by spaces). */
  featureNames(): string[] {
    return this.vocabList.map(displayNgram);
  }

  /** The n-grams of one text (with repeats), as used by fit and transform. */
  analyze(text: string): string[] {
    return analyze(text, this.params);
  }

  /** Learn the vocabulary and idf from training texts. */
  /** `where` names these params in error messages (e.g. `text.vectorizers[0]`). */
  fit(texts: readonly string[], where = "tfidf"): this {
    this.fitIds(texts, where);
    return this;
  }

  /** `fit(texts)` then `transform(texts)`, analysing each text only once. */
  fitTransform(texts: readonly string[], where = "tfidf"): Csr {
    return this.weigh(this.fitIds(texts, where));
  }

  /** Map texts to TF-IDF rows (N × nFeatures). */
  transform(texts: readonly string[]): Csr {
    const lookup = this.lookup;
    if (!lookup) throw new XmcError("tfidf: transform called before fit");
    const ptr = new Int32Array(texts.length + 1);
    const buf = new IntBuf();
    for (let d = 0; d < texts.length; d++) {
      lookup.features(texts[d], buf);
      ptr[d + 1] = buf.n;
    }
    return this.weigh({ ptr, ids: buf.a.subarray(0, buf.n) });
  }

  /** Count df, select and order the vocabulary, set idf; returns the training documents' final ids. */
  private fitIds(texts: readonly string[], where: string): DocIds {
    const p = this.params;
    const N = texts.length;
    if (N === 0) throw new XmcError("tfidf: cannot fit on zero texts");
    const counts = countNgrams(texts, p);
    const df = counts.df;
    const lo = p.minDf >= 1 ? p.minDf : p.minDf * N;
    const hi = p.maxDf * N;
    let kept: number[] = [];
    let seen = 0;
    for (let id = 0; id < counts.nIds; id++) {
      if (df[id] === 0) continue;
      seen++;
      if (df[id] >= lo && df[id] <= hi) kept.push(id);
    }
    if (seen === 0) {
      throw new XmcError(`${where}: none of the ${N} texts has a ${p.analyzer} n-gram (are the texts empty?)`);
    }
    if (kept.length === 0) {
      throw new XmcError(
        `${where}: no n-gram left after minDf=${p.minDf}/maxDf=${p.maxDf} filtering (${seen} n-grams in ${N} texts); lower ${where}.minDf or raise ${where}.maxDf`,
      );
    }
    // Feature ids follow the code-unit order of the feature strings (independent of document order).
    kept = counts.sortByName(kept);
    if (p.maxFeatures > 0 && kept.length > p.maxFeatures) {
      const pos = Array.from(kept.keys());
      pos.sort((a, b) => df[kept[b]] - df[kept[a]] || a - b); // highest df first, ties by string order
      const top = pos.slice(0, p.maxFeatures).sort((a, b) => a - b);
      kept = top.map((i) => kept[i]);
    }
    const vocab = kept.map((id) => counts.name(id));
    const remap = new Int32Array(counts.nIds).fill(-1);
    const idf = new Float32Array(vocab.length);
    for (let f = 0; f < vocab.length; f++) {
      const id = kept[f];
      remap[id] = f;
      idf[f] = idfValue(p, N, df[id]);
    }
    this.setModel(vocab, idf, N, counts.lookup(kept));
    // Rewrite the training ids in place, dropping filtered n-grams.
    const { ptr, ids } = counts;
    let q = 0;
    for (let d = 0; d < N; d++) {
      const s = ptr[d];
      const e = ptr[d + 1];
      ptr[d] = q;
      for (let k = s; k < e; k++) {
        const v = remap[ids[k]];
        if (v >= 0) ids[q++] = v;
      }
    }
    ptr[N] = q;
    return { ptr, ids: ids.subarray(0, q) };
  }

  private setModel(vocabList: string[], idf: Float32Array, nDocs: number, lookup?: FeatureLookup): void {
    this.lookup = lookup ?? buildLookup(vocabList, this.params);
    this.vocabList = vocabList;
    this.idfArr = idf;
    this.nDocsFit = nDocs;
  }

  /**
   * Turn per-document feature ids (with repeats, any order) into weighted, normalised CSR
   * rows. Values and norms are computed in first-occurrence order (the same for a text
   * whichever way it reaches here), then each row's distinct ids are sorted.
   */
  private weigh(docs: DocIds): Csr {
    const { binary, sublinearTf, norm } = this.params;
    const idf = this.idfArr;
    const rows = docs.ptr.length - 1;
    const nf = this.vocabList.length;
    if (this.scratch?.count.length !== nf) this.scratch = { count: new Int32Array(nf), value: new Float64Array(nf) };
    const { count, value } = this.scratch;
    const indptr = new Int32Array(rows + 1);
    const indices = new Int32Array(docs.ids.length);
    const data = new Float32Array(docs.ids.length);
    let p = 0;
    for (let d = 0; d < rows; d++) {
      const start = p;
      const e = docs.ptr[d + 1];
      for (let k = docs.ptr[d]; k < e; k++) {
        const f = docs.ids[k];
        if (count[f]++ === 0) indices[p++] = f;
      }
      let s = 0;
      let q = start;
      for (let k = start; k < p; k++) {
        const f = indices[k];
        let v = binary ? 1 : count[f];
        count[f] = 0;
        if (sublinearTf) v = 1 + Math.log(v);
        v *= idf[f];
        if (v === 0) continue; // pecos idf 0
        value[f] = v;
        indices[q++] = f;
        s += norm === "l2" ? v * v : norm === "l1" ? Math.abs(v) : 0;
      }
      p = q;
      if (norm === "l2") s = Math.sqrt(s);
      const scale = norm !== "none" && s > FLOAT32_EPS ? 1 / s : 1;
      const row = indices.subarray(start, p);
      row.sort();
      for (let k = start; k < p; k++) data[k] = value[indices[k]] * scale;
      indptr[d + 1] = p;
    }
    return { rows, cols: nf, indptr, indices: indices.slice(0, p), data: data.slice(0, p) };
  }

  /** Serialise: JSON-able meta, the idf array and the vocabulary; {@link TfidfVectorizer.load} restores it exactly. */
  save(): SavedTfidf {
    this.requireFitted("save");
    return {
      meta: { kind: "tfidf", version: 1, params: { ...this.params }, nDocs: this.nDocsFit, nFeatures: this.vocabList.length },
      arrays: { idf: this.idfArr.slice() },
      vocab: this.vocabList.slice(),
    };
  }

  /** Restore a vectorizer saved by {@link TfidfVectorizer.save}; throws XmcError on inconsistent input. */
  static load(saved: SavedTfidf, where = "tfidf"): TfidfVectorizer {
    const meta = saved?.meta as Partial<SavedTfidf["meta"]> | undefined;
    if (!meta || meta.kind !== "tfidf") throw new XmcError(`${where}: not a saved tfidf vectorizer`);
    if (meta.version !== 1) throw new XmcError(`${where}: unsupported version ${String(meta.version)}`);
    const idf = saved.arrays?.idf;
    const vocab = saved.vocab;
    if (!(idf instanceof Float32Array) || !Array.isArray(vocab)) throw new XmcError(`${where}: missing idf array or vocabulary`);
    return TfidfVectorizer.build(meta.params, vocab, idf, meta.nDocs, meta.nFeatures, where);
  }

  /** Plain-JSON form: params, vocabulary (id order) and idf values. */
  toJSON(): TfidfJson {
    this.requireFitted("toJSON");
    return {
      kind: "tfidf",
      version: 1,
      params: { ...this.params },
      nDocs: this.nDocsFit,
      vocab: this.vocabList.slice(),
      idf: Array.from(this.idfArr),
    };
  }

  /** Restore from {@link TfidfVectorizer.toJSON} output (possibly after JSON.stringify/parse). */
  static fromJSON(obj: unknown, where = "tfidf"): TfidfVectorizer {
    const o = obj as Partial<TfidfJson> | null;
    if (!o || typeof o !== "object" || o.kind !== "tfidf") throw new XmcError(`${where}: not a tfidf vectorizer JSON object`);
    if (o.version !== 1) throw new XmcError(`${where}: unsupported version ${String(o.version)}`);
    if (!Array.isArray(o.vocab) || !Array.isArray(o.idf)) throw new XmcError(`${where}: missing vocab or idf`);
    return TfidfVectorizer.build(o.params, o.vocab, Float32Array.from(o.idf), o.nDocs, o.vocab.length, where);
  }

  private static build(params: unknown, vocab: unknown[], idf: Float32Array, nDocs: unknown, nFeatures: unknown, where: string): TfidfVectorizer {
    const v = new TfidfVectorizer(params, `${where}.params`);
    if (vocab.length !== idf.length || nFeatures !== vocab.length) {
      throw new XmcError(`${where}: vocabulary (${vocab.length}), idf (${idf.length}) and nFeatures (${String(nFeatures)}) disagree`);
    }
    if (typeof nDocs !== "number" || !Number.isInteger(nDocs) || nDocs < 1) throw new XmcError(`${where}: bad nDocs ${String(nDocs)}`);
    for (const s of vocab) if (typeof s !== "string") throw new XmcError(`${where}: vocabulary entries must be strings`);
    if (new Set(vocab).size !== vocab.length) throw new XmcError(`${where}: duplicate entries in the vocabulary`);
    v.setModel((vocab as string[]).slice(), idf.slice(), nDocs);
    return v;
  }

  private requireFitted(what: string): void {
    if (!this.lookup) throw new XmcError(`tfidf: ${what} called before fit`);
  }
}

const FLOAT32_EPS = 1.1920928955078125e-7;

/** The idf of a feature with document frequency df among N training documents (rounded to float32). */
export function idfValue(p: Pick<TfidfParams, "idfFormula" | "smoothIdf">, N: number, df: number): number {
  if (p.idfFormula === "pecos") {
    const s = p.smoothIdf ? 1 : 0;
    return Math.fround(Math.max(Math.log(N / (df + s)), 0));
  }
  return Math.fround(p.smoothIdf ? Math.log((1 + N) / (1 + df)) + 1 : Math.log(N / df) + 1);
}

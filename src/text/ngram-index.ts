/**
 * N-gram → id machinery behind the TF-IDF vectorizer.
 *
 * Word n-grams are never materialised as strings while counting: each distinct token
 * gets an id, and an n-gram's id is looked up from (id of its first n−1 tokens, id of
 * its last token) in an open-addressing hash table on Int32Arrays. Strings are built
 * only for the n-grams that are kept. Character n-grams use a Map<string, number>;
 * for char_wb the ids of each distinct token's n-grams are computed once and cached.
 */
import { analyze, charWbNgrams, NGRAM_SEP, tokenize, type AnalyzeOptions } from "./tokenizer.js";

/** Growable Int32 buffer. */
export class IntBuf {
  a = new Int32Array(1 << 12);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) this.a = grow(this.a, this.n * 2, 0);
    this.a[this.n++] = v;
  }
}

function grow(a: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** Hash table (a, b) → value for non-negative int32 a, b, values; -1 means absent. */
export class PairTable {
  private ka: Int32Array;
  private kb: Int32Array;
  private val: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.ka = new Int32Array(cap).fill(-1);
    this.kb = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let i = h & this.mask;
    const ka = this.ka;
    while (ka[i] !== -1 && (ka[i] !== a || this.kb[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  /** The value stored for (a, b), or -1. */
  get(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.ka[i] === -1 ? -1 : this.val[i];
  }

  /** The value stored for (a, b); if absent, store `v` and return -1. */
  getOrAdd(a: number, b: number, v: number): number {
    const i = this.slot(a, b);
    if (this.ka[i] !== -1) return this.val[i];
    this.ka[i] = a;
    this.kb[i] = b;
    this.val[i] = v;
    if (++this.size * 2 > this.mask) this.rehash();
    return -1;
  }

  private rehash(): void {
    const { ka, kb, val } = this;
    const cap = ka.length * 2;
    this.ka = new Int32Array(cap).fill(-1);
    this.kb = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < ka.length; j++) {
      if (ka[j] === -1) continue;
      const i = this.slot(ka[j], kb[j]);
      this.ka[i] = ka[j];
      this.kb[i] = kb[j];
      this.val[i] = val[j];
    }
  }
}

/** Result of counting n-grams over training texts (ids are provisional, dense from 0). */
export interface NgramCounts {
  /** n-gram ids of document d (counted n only, with repeats): ids[ptr[d] .. ptr[d+1]). */
  ptr: Int32Array;
  ids: Int32Array;
  /** Document frequency per id (0 for ids that only serve as prefixes). */
  df: Int32Array;
  /** Number of ids. */
  nIds: number;
  /** The feature string of an id. */
  name(id: number): string;
  /** The transform-time lookup for the given ids (feature f = ids[f]). */
  lookup(ids: readonly number[]): FeatureLookup;
  /** The ids sorted by the code-unit order of their feature strings (possibly a new array). */
  sortByName(ids: number[]): number[];
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Count document frequencies of all n-grams in `texts`. */
export function countNgrams(texts: readonly string[], opts: AnalyzeOptions): NgramCounts {
  return opts.analyzer === "word" ? countWordNgrams(texts, opts) : countStringNgrams(texts, opts);
}

function countStringNgrams(texts: readonly string[], opts: AnalyzeOptions): NgramCounts {
  const map = new Map<string, number>();
  let df = new Int32Array(1 << 12);
  let last = new Int32Array(1 << 12).fill(-1);
  const ptr = new Int32Array(texts.length + 1);
  const buf = new IntBuf();
  const idOf = (g: string): number => {
    let id = map.get(g);
    if (id === undefined) {
      id = map.size;
      map.set(g, id);
      if (id === df.length) {
        df = grow(df, id * 2, 0);
        last = grow(last, id * 2, -1);
      }
    }
    return id;
  };
  const add = (id: number, d: number): void => {
    if (last[id] !== d) {
      last[id] = d;
      df[id]++;
    }
    buf.push(id);
  };
  // char_wb n-grams depend only on the token: analyse each distinct token once.
  const cache = opts.analyzer === "char_wb" ? new Map<string, Int32Array>() : null;
  for (let d = 0; d < texts.length; d++) {
    if (cache) {
      for (const tok of tokenize(texts[d], opts)) {
        let ids = cache.get(tok);
        if (ids === undefined) cache.set(tok, (ids = Int32Array.from(charWbNgrams([tok], opts.ngramMin, opts.ngramMax), idOf)));
        for (let k = 0; k < ids.length; k++) add(ids[k], d);
      }
    } else {
      for (const g of analyze(texts[d], opts)) add(idOf(g), d);
    }
    ptr[d + 1] = buf.n;
  }
  const names = Array.from(map.keys());
  return {
    ptr,
    ids: buf.a.subarray(0, buf.n),
    df,
    nIds: names.length,
    name: (id) => names[id],
    lookup: (ids) => new StringLookup(ids.map((id) => names[id]), opts),
    sortByName: (ids) => ids.sort((a, b) => cmpStr(names[a], names[b])),
  };
}

function countWordNgrams(texts: readonly string[], opts: AnalyzeOptions): NgramCounts {
  const { ngramMin: nMin, ngramMax: nMax } = opts;
  const tokMap = new Map<string, number>();
  const tokName: string[] = []; // by id; "" for ids of n-grams with n > 1
  const pairs = new PairTable();
  let cap = 1 << 12;
  let df = new Int32Array(cap);
  let last = new Int32Array(cap).fill(-1);
  let parent = new Int32Array(cap); // id of the first n−1 tokens, -1 for a single token
  let lastTok = new Int32Array(cap); // id of the last token
  let nIds = 0;
  const newId = (par: number, tok: number, name: string): number => {
    if (nIds === cap) {
      cap *= 2;
      df = grow(df, cap, 0);
      last = grow(last, cap, -1);
      parent = grow(parent, cap, 0);
      lastTok = grow(lastTok, cap, 0);
    }
    parent[nIds] = par;
    lastTok[nIds] = tok;
    tokName.push(name);
    return nIds++;
  };
  const ptr = new Int32Array(texts.length + 1);
  const buf = new IntBuf();
  let tid = new Int32Array(256);
  for (let d = 0; d < texts.length; d++) {
    const toks = tokenize(texts[d], opts);
    const L = toks.length;
    if (tid.length < L) tid = new Int32Array(L * 2);
    for (let i = 0; i < L; i++) {
      let id = tokMap.get(toks[i]);
      if (id === undefined) {
        id = newId(-1, nIds, toks[i]);
        tokMap.set(toks[i], id);
      }
      tid[i] = id;
    }
    for (let i = 0; i < L; i++) {
      let id = tid[i];
      const top = Math.min(nMax, L - i);
      for (let n = 1; n <= top; n++) {
        if (n > 1) {
          const t = tid[i + n - 1];
          const found = pairs.getOrAdd(id, t, nIds);
          id = found >= 0 ? found : newId(id, t, "");
        }
        if (n >= nMin) {
          if (last[id] !== d) {
            last[id] = d;
            df[id]++;
          }
          buf.push(id);
        }
      }
    }
    ptr[d + 1] = buf.n;
  }
  const tokensOf = (id: number): string[] => {
    const out: string[] = [];
    for (let p = id; p >= 0; p = parent[p]) out.push(tokName[lastTok[p]]);
    return out.reverse();
  };
  const name = (id: number): string => tokensOf(id).join(NGRAM_SEP);
  const lookup = (ids: readonly number[]): FeatureLookup => new WordLookup(ids.length, (f) => tokensOf(ids[f]), opts);
  // Joined n-grams compare like their token sequences (U+0001 sorts before any token
  // character), so sort by sequences of token ranks instead of building strings.
  const sortByName = (ids: number[]): number[] => {
    const toks: number[] = [];
    for (let id = 0; id < nIds; id++) if (parent[id] === -1) toks.push(id);
    toks.sort((a, b) => cmpStr(tokName[a], tokName[b]));
    const rank = new Int32Array(nIds);
    toks.forEach((t, r) => (rank[t] = r));
    const seq = new Int32Array(ids.length * nMax).fill(-1);
    ids.forEach((id, k) => {
      let j = -1;
      for (let p = id; p >= 0; p = parent[p]) j++;
      for (let p = id; p >= 0; p = parent[p]) seq[k * nMax + j--] = rank[lastTok[p]];
    });
    const order = Array.from(ids.keys());
    order.sort((a, b) => {
      const oa = a * nMax;
      const ob = b * nMax;
      for (let j = 0; j < nMax; j++) {
        const d = seq[oa + j] - seq[ob + j];
        if (d !== 0) return d;
      }
      return 0;
    });
    return order.map((k) => ids[k]);
  };
  return { ptr, ids: buf.a.subarray(0, buf.n), df, nIds, name, sortByName, lookup };
}

/** Maps a text to the ids of its in-vocabulary features (with repeats). */
export interface FeatureLookup {
  features(text: string, out: IntBuf): void;
}

/** Build the transform-time lookup for a vocabulary (feature id = index in `vocab`). */
export function buildLookup(vocab: readonly string[], opts: AnalyzeOptions): FeatureLookup {
  return opts.analyzer === "word" ? new WordLookup(vocab.length, (f) => vocab[f].split(NGRAM_SEP), opts) : new StringLookup(vocab, opts);
}

/** Most tokens whose char_wb feature ids a lookup remembers before starting afresh. */
const TOKEN_CACHE_MAX = 1 << 18;

class StringLookup implements FeatureLookup {
  private map = new Map<string, number>();
  private cache: Map<string, Int32Array> | null;
  constructor(
    vocab: readonly string[],
    private opts: AnalyzeOptions,
  ) {
    for (let i = 0; i < vocab.length; i++) this.map.set(vocab[i], i);
    this.cache = opts.analyzer === "char_wb" ? new Map() : null;
  }
  features(text: string, out: IntBuf): void {
    const cache = this.cache;
    if (cache) {
      for (const tok of tokenize(text, this.opts)) {
        let ids = cache.get(tok);
        if (ids === undefined) {
          ids = this.lookupAll(charWbNgrams([tok], this.opts.ngramMin, this.opts.ngramMax));
          if (cache.size >= TOKEN_CACHE_MAX) cache.clear();
          cache.set(tok, ids);
        }
        for (let k = 0; k < ids.length; k++) out.push(ids[k]);
      }
    } else {
      for (const g of analyze(text, this.opts)) {
        const f = this.map.get(g);
        if (f !== undefined) out.push(f);
      }
    }
  }
  private lookupAll(grams: string[]): Int32Array {
    const ids: number[] = [];
    for (const g of grams) {
      const f = this.map.get(g);
      if (f !== undefined) ids.push(f);
    }
    return Int32Array.from(ids);
  }
}

class WordLookup implements FeatureLookup {
  private tokMap = new Map<string, number>();
  private pairs = new PairTable();
  private feat: Int32Array;
  private tid = new Int32Array(256);

  /** Feature f is the word n-gram tokensOf(f). */
  constructor(
    nFeatures: number,
    tokensOf: (f: number) => string[],
    private opts: AnalyzeOptions,
  ) {
    let nIds = 0;
    let feat = new Int32Array(Math.max(16, nFeatures)).fill(-1);
    const idOf = (tok: string): number => {
      let id = this.tokMap.get(tok);
      if (id === undefined) this.tokMap.set(tok, (id = nIds++));
      return id;
    };
    for (let f = 0; f < nFeatures; f++) {
      const toks = tokensOf(f);
      let id = idOf(toks[0]);
      for (let j = 1; j < toks.length; j++) {
        const t = idOf(toks[j]);
        const found = this.pairs.getOrAdd(id, t, nIds);
        id = found >= 0 ? found : nIds++;
      }
      if (nIds > feat.length) feat = grow(feat, Math.max(nIds, feat.length * 2), -1);
      feat[id] = f;
    }
    this.feat = feat.length === nIds ? feat : feat.slice(0, Math.max(nIds, 1));
  }

  features(text: string, out: IntBuf): void {
    const { ngramMin: nMin, ngramMax: nMax } = this.opts;
    const toks = tokenize(text, this.opts);
    const L = toks.length;
    if (this.tid.length < L) this.tid = new Int32Array(L * 2);
    const tid = this.tid;
    for (let i = 0; i < L; i++) tid[i] = this.tokMap.get(toks[i]) ?? -1;
    const feat = this.feat;
    for (let i = 0; i < L; i++) {
      let id = tid[i];
      if (id < 0) continue;
      const top = Math.min(nMax, L - i);
      for (let n = 1; n <= top; n++) {
        if (n > 1) {
          const t = tid[i + n - 1];
          if (t < 0) break;
          id = this.pairs.get(id, t);
          if (id < 0) break;
        }
        if (n >= nMin) {
          const f = feat[id];
          if (f >= 0) out.push(f);
        }
      }
    }
  }
}

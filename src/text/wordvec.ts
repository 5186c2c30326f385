/**
 * Word vectors for neural text encoders: (a) loading GloVe / word2vec *text* files for a given
 * vocabulary, and (b) skip-gram with negative sampling (Mikolov et al. 2013, the word2vec C
 * recipe) trained on the caller's own texts, the default when no pretrained vectors are at hand.
 *
 * Skip-gram here is plain typed-array SGD (no autograd): for each kept centre word and each
 * context word within a randomly shrunk window, the context's input vector is pulled towards the
 * centre's output vector and pushed away from `negative` words drawn from the unigram^0.75
 * table; frequent words are subsampled (keep probability (√(f/(s·T)) + 1)·(s·T)/f); the learning
 * rate decays linearly to lr·1e-4 over all epochs. One thread, seeded, deterministic.
 */
import { fileError, XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf } from "../core/params.js";
import { type Progress, silentProgress } from "../core/progress.js";
import { Rng } from "../core/rng.js";
import { forEachLine } from "../data/lines.js";

/** Vectors read from a file for a vocabulary. */
export interface LoadedWordVectors {
  /** Vector dimension (from the header or the first vector line). */
  dim: number;
  /** vocab.length × dim, row r the vector of vocab[r]; zero rows for words the file lacks. */
  vectors: Float32Array;
  /** found[r] = 1 when vocab[r] got a vector. */
  found: Uint8Array;
  /** Number of vocabulary words found. */
  nFound: number;
}

/** Options of {@link loadWordVectors}. */
export interface LoadWordVectorsOptions {
  /**
   * Also match a file word lower-cased against the vocabulary (GloVe 840B is cased, xmc's
   * tokenizer lower-cases); an exact match always wins over a lower-cased one. Default true.
   */
  lowercase?: boolean;
  /** Expected dimension; a file of another dimension is an error. */
  dim?: number;
}

const NUM_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Read GloVe (`word v1 v2 ...`) or word2vec text vectors (the same, after a header line
 * `count dim`), keeping only the words of `vocab` (row r of the result is `vocab[r]`). A line
 * whose value count differs from the dimension, or with a value that is not a number, is an
 * {@link XmcError} naming `file:line`. Words containing spaces (a few GloVe 840B entries) are
 * read as everything before the last `dim` fields. Empty lines are skipped.
 */
export async function loadWordVectors(path: string, vocab: readonly string[], opts: LoadWordVectorsOptions = {}): Promise<LoadedWordVectors> {
  const lower = opts.lowercase ?? true;
  const index = new Map<string, number>();
  vocab.forEach((w, r) => {
    if (!index.has(w)) index.set(w, r);
  });
  let dim = opts.dim ?? 0;
  let vectors: Float32Array | null = dim > 0 ? new Float32Array(vocab.length * dim) : null;
  const found = new Uint8Array(vocab.length); // 0 none, 1 lower-cased match, 2 exact match
  let sawVector = false;
  await forEachLine(path, (line, no) => {
    const t = line.trim();
    if (t === "") return;
    const parts = t.split(/\s+/);
    if (!sawVector && no === 1 && parts.length === 2 && /^\d+$/.test(parts[0]) && /^\d+$/.test(parts[1])) {
      const hd = Number(parts[1]);
      if (hd < 1) throw fileError(path, no, `word2vec header gives dimension ${hd}`);
      if (dim > 0 && hd !== dim) throw fileError(path, no, `vectors have dimension ${hd}, expected ${dim}`);
      dim = hd;
      vectors = new Float32Array(vocab.length * dim);
      return;
    }
    if (dim === 0) {
      dim = parts.length - 1;
      if (dim < 1) throw fileError(path, no, `expected "word v1 v2 ...", got a single field`);
      vectors = new Float32Array(vocab.length * dim);
    }
    sawVector = true;
    if (parts.length < dim + 1) throw fileError(path, no, `expected a word and ${dim} values, got ${parts.length} fields`);
    const word = parts.length === dim + 1 ? parts[0] : parts.slice(0, parts.length - dim).join(" ");
    let r = index.get(word);
    let quality = 2;
    if (r === undefined && lower) {
      r = index.get(word.toLowerCase());
      quality = 1;
    }
    const off = parts.length - dim;
    // validate every line, not only the kept ones: a malformed file should fail loudly
    for (let j = 0; j < dim; j++) {
      const s = parts[off + j];
      if (!NUM_RE.test(s) && s !== "nan" && s !== "NaN") throw fileError(path, no, `value ${j + 1} ("${s.slice(0, 30)}") is not a number`);
    }
    if (r === undefined || found[r] >= quality) return;
    found[r] = quality;
    const v = vectors!;
    for (let j = 0; j < dim; j++) v[r * dim + j] = Number(parts[off + j]);
  }, { strictUtf8: false }); // a word with bytes that are not UTF-8 then matches no vocabulary word
  if (dim === 0 || !vectors) throw new XmcError(`${path}: no word vectors in the file`);
  let nFound = 0;
  for (let r = 0; r < found.length; r++) if (found[r]) {
    found[r] = 1;
    nFound++;
  }
  return { dim, vectors, found, nFound };
}

/** Options of {@link trainSkipGram}. */
export const SKIPGRAM_SCHEMA = {
  dim: { type: "number", default: 100, min: 1, integer: true, help: "vector dimension" },
  window: { type: "number", default: 5, min: 1, integer: true, help: "largest distance between centre and context words" },
  negative: { type: "number", default: 5, min: 1, integer: true, help: "negative samples per positive pair" },
  epochs: { type: "number", default: 5, min: 0, integer: true, help: "passes over the corpus" },
  lr: { type: "number", default: 0.025, min: 0, help: "initial learning rate (decays linearly to lr·1e-4)" },
  subsample: { type: "number", default: 1e-3, min: 0, help: "frequent-word subsampling threshold (0: off)" },
  minCount: { type: "number", default: 1, min: 1, integer: true, help: "ids seen fewer times are ignored" },
  seed: { type: "number", default: 1, integer: true, help: "random seed" },
} as const;

/** Skip-gram options. */
export type SkipGramParams = ParamsOf<typeof SKIPGRAM_SCHEMA>;

const TABLE_SIZE = 1 << 22;
const MAX_EXP = 6;

/**
 * Train skip-gram vectors with negative sampling. `sentences` are token-id sequences in
 * [0, vocabSize); negative ids are skipped (use them for padding / unknown words). Returns the
 * input vectors, vocabSize × dim (rows of ids never seen keep their small random init).
 */
export function trainSkipGram(
  sentences: readonly Int32Array[],
  vocabSize: number,
  input: Partial<SkipGramParams> = {},
  progress: Progress = silentProgress,
): Float32Array {
  const o = parseParams(SKIPGRAM_SCHEMA, input, "skipgram");
  const D = o.dim, V = vocabSize;
  const rng = new Rng(o.seed);
  const syn0 = new Float32Array(V * D);
  for (let i = 0; i < syn0.length; i++) syn0[i] = (rng.next() - 0.5) / D;
  const syn1 = new Float32Array(V * D);
  const counts = new Float64Array(V);
  for (const s of sentences) for (let i = 0; i < s.length; i++) {
    const w = s[i];
    if (w >= V) throw new XmcError(`skipgram: token id ${w} outside the vocabulary (${V})`);
    if (w >= 0) counts[w]++;
  }
  let total = 0;
  for (let w = 0; w < V; w++) if (counts[w] >= o.minCount) total += counts[w];
  if (total === 0 || o.epochs === 0) return syn0;
  // unigram^0.75 table for negatives
  const table = new Int32Array(TABLE_SIZE);
  let norm = 0;
  for (let w = 0; w < V; w++) if (counts[w] >= o.minCount) norm += Math.pow(counts[w], 0.75);
  {
    let w = 0;
    while (counts[w] < o.minCount) w++;
    let cum = Math.pow(counts[w], 0.75) / norm;
    for (let a = 0; a < TABLE_SIZE; a++) {
      table[a] = w;
      if (a / TABLE_SIZE > cum) {
        let nw = w + 1;
        while (nw < V && counts[nw] < o.minCount) nw++;
        if (nw < V) {
          w = nw;
          cum += Math.pow(counts[w], 0.75) / norm;
        }
      }
    }
  }
  // keep probabilities (word2vec's subsampling formula)
  const keep = new Float32Array(V);
  for (let w = 0; w < V; w++) {
    if (counts[w] < o.minCount) continue;
    if (o.subsample <= 0) keep[w] = 1;
    else {
      const st = o.subsample * total;
      keep[w] = Math.min(1, (Math.sqrt(counts[w] / st) + 1) * (st / counts[w]));
    }
  }
  const neu1e = new Float32Array(D);
  const buf = new Int32Array(1024);
  const totalWork = o.epochs * total;
  const lr0 = o.lr;
  let done = 0;
  progress.start("word vectors (skip-gram)", o.epochs * sentences.length);
  for (let ep = 0; ep < o.epochs; ep++) {
    for (let si = 0; si < sentences.length; si++) {
      const s = sentences[si];
      // subsampled sentence
      let n = 0;
      for (let i = 0; i < s.length && n < buf.length; i++) {
        const w = s[i];
        if (w < 0 || counts[w] < o.minCount) continue;
        done++;
        if (keep[w] < 1 && keep[w] < rng.next()) continue;
        buf[n++] = w;
      }
      const alpha = Math.max(lr0 * 1e-4, lr0 * (1 - done / (totalWork + 1)));
      for (let pos = 0; pos < n; pos++) {
        const centre = buf[pos];
        const b = rng.int(o.window);
        const span = o.window - b;
        const lo = Math.max(0, pos - span), hi = Math.min(n - 1, pos + span);
        for (let c = lo; c <= hi; c++) {
          if (c === pos) continue;
          const l1 = buf[c] * D;
          neu1e.fill(0);
          for (let d = 0; d <= o.negative; d++) {
            let target: number, label: number;
            if (d === 0) {
              target = centre;
              label = 1;
            } else {
              target = table[(rng.nextU32() >>> 10) & (TABLE_SIZE - 1)];
              if (target === centre) continue;
              label = 0;
            }
            const l2 = target * D;
            let f = 0;
            for (let j = 0; j < D; j++) f += syn0[l1 + j] * syn1[l2 + j];
            let g: number;
            if (f > MAX_EXP) g = (label - 1) * alpha;
            else if (f < -MAX_EXP) g = label * alpha;
            else g = (label - 1 / (1 + Math.exp(-f))) * alpha;
            for (let j = 0; j < D; j++) {
              neu1e[j] += g * syn1[l2 + j];
              syn1[l2 + j] += g * syn0[l1 + j];
            }
          }
          for (let j = 0; j < D; j++) syn0[l1 + j] += neu1e[j];
        }
      }
      if ((si & 1023) === 1023) progress.tick(1024);
    }
    progress.tick(sentences.length & 1023);
  }
  progress.stop();
  return syn0;
}

/** Cosine similarity of rows a and b of a row-major matrix with `dim` columns. */
export function cosineRows(m: Float32Array, dim: number, a: number, b: number): number {
  let s = 0, na = 0, nb = 0;
  for (let j = 0; j < dim; j++) {
    const x = m[a * dim + j], y = m[b * dim + j];
    s += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? s / Math.sqrt(na * nb) : 0;
}

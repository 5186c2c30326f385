/**
 * Initial word vectors of a neural text encoder: their params section and the fill of an
 * embedding table from skip-gram vectors trained on the data or from a vectors file.
 */
import { XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf, type Schema } from "../core/params.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import { type TEXT_SCHEMA, type TokenVocab } from "./vocab.js";
import { loadWordVectors, trainSkipGram } from "./wordvec.js";

/** Initial word vectors. */
export const WORDVEC_SCHEMA = {
  source: { type: "string", default: "skipgram", choices: ["skipgram", "file", "random"] as const, help: "skipgram (pretrained here on the training and label texts), file (GloVe / word2vec text file), random (U(±0.25))" },
  file: { type: "string", default: "", help: "vectors file for source = file (its dimension must equal encoder.embDim)" },
  window: { type: "number", default: 5, min: 1, integer: true, help: "skip-gram window" },
  negative: { type: "number", default: 5, min: 1, integer: true, help: "skip-gram negative samples" },
  epochs: { type: "number", default: 5, min: 0, integer: true, help: "skip-gram epochs" },
  lr: { type: "number", default: 0.025, min: 0, help: "skip-gram initial learning rate" },
  subsample: { type: "number", default: 1e-3, min: 0, help: "skip-gram subsampling threshold" },
  rms: { type: "number", default: 0.15, min: 0, help: "pretrained vectors are rescaled to this per-coordinate RMS (0: as they are); U(±0.25) has 0.144" },
} as const satisfies Schema;

/** Validate the word-vector section (a file is needed when the source is "file"). */
export function parseWordvec(input: unknown, where: string): ParamsOf<typeof WORDVEC_SCHEMA> {
  const w = parseParams(WORDVEC_SCHEMA, input, where);
  if (w.source === "file" && w.file === "") throw new XmcError(`${where}.file: needed when source is "file"`);
  return w;
}

export type WordvecParams = ParamsOf<typeof WORDVEC_SCHEMA>;

/** What word-vector initialisation reads from a model's params. */
export interface WordvecSettings {
  text: ParamsOf<typeof TEXT_SCHEMA>;
  wordvec: ParamsOf<typeof WORDVEC_SCHEMA>;
  seed: number;
}

/**
 * Fill an embedding table (V × E, rows in `vocab` order) from pretrained vectors: skip-gram on the
 * training texts (and label texts), or a GloVe / word2vec file. Rows 0 (PAD) and 1 (UNK) keep
 * their initialisation.
 */
export async function initWordVectors(table: Float32Array, E: number, vocab: TokenVocab, data: Dataset, s: WordvecSettings, progress: Progress): Promise<void> {
  const w = s.wordvec;
  if (w.source === "random") return;
  const V = vocab.size;
  if (w.source === "file") {
    const got = await loadWordVectors(w.file, vocab.words, { dim: E });
    for (let r = 2; r < V; r++) if (got.found[r]) table.set(got.vectors.subarray(r * E, (r + 1) * E), r * E);
    progress.log(`word vectors: ${got.nFound} of ${V - 2} vocabulary words found in ${w.file}`);
    return;
  }
  const corpus = data.texts!.map((t) => vocab.ids(t, -1));
  if (s.text.labelTexts && data.labelTexts) for (const t of data.labelTexts) corpus.push(vocab.ids(t, -1));
  const t0 = performance.now();
  const vecs = trainSkipGram(corpus, V, { dim: E, window: w.window, negative: w.negative, epochs: w.epochs, lr: w.lr, subsample: w.subsample, seed: s.seed }, progress);
  let scale = 1;
  if (w.rms > 0) {
    let sum = 0;
    for (let i = 2 * E; i < vecs.length; i++) sum += vecs[i] * vecs[i];
    const rms = Math.sqrt(sum / Math.max(1, vecs.length - 2 * E));
    if (rms > 0) scale = w.rms / rms;
  }
  for (let i = 2 * E; i < V * E; i++) table[i] = vecs[i] * scale;
  progress.log(`word vectors: skip-gram on ${corpus.length} texts, ${V} words × ${E} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

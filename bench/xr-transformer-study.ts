/**
 * The common start of the XR-Transformer study benches (bench/xr-transformer-crossfit.ts,
 * bench/xr-transformer-ensemble.ts): the training set split into 90 % train and a 10 %
 * validation split (seed 0; never the test set), TF-IDF features of both, the token vocabulary
 * and documents, an encoder with its skip-gram word vectors and IDF, and the preliminary
 * label tree, with the CPU seconds of each timed step.
 */
import { join } from "node:path";
import { Rng } from "../src/core/rng.js";
import type { Dataset } from "../src/data/dataset.js";
import { loadDataset } from "../src/data/load.js";
import { splitDataset } from "../src/data/subset.js";
import { textDoc, XrtEncoder } from "../src/methods/xr-transformer/encoder.js";
import type { XrtParams } from "../src/methods/xr-transformer/params.js";
import { StackedVectorizer } from "../src/text/stack.js";
import { TokenVocab } from "../src/text/vocab.js";
import { initWordVectors } from "../src/text/wordvec-init.js";
import { buildLabelTree } from "../src/tree/build.js";

const cpu = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
export const log = (m: string): void => console.error(`  ${m}`);
export const progress = { start() {}, tick() {}, stop() {}, log } as never;

/** CPU seconds of each step run through {@link timed}, by name. */
export const cpuLog: Record<string, number> = {};

/** Run a step, logging and recording its CPU seconds under `name`. */
export async function timed<T>(name: string, f: () => T | Promise<T>): Promise<T> {
  const c0 = cpu();
  const out = await f();
  cpuLog[name] = Math.round((cpu() - c0) * 10) / 10;
  log(`${name}: ${cpuLog[name]} CPU s`);
  return out;
}

export async function prepareStudy(dataDir: string, dataset: string, p: XrtParams) {
  const full = await loadDataset(join(dataDir, dataset, "train"));
  const { train, heldOut: val } = splitDataset(full, 0.1, 0);
  const texts = train.texts!, vtexts = val.texts!;
  const Y = train.Y;
  const vectorizer = new StackedVectorizer(p.text);
  const X = vectorizer.fitTransform(texts, "text.vectorizers");
  const Xv = vectorizer.transform(vtexts);
  const labelTexts = p.vocab.labelTexts && train.labelTexts ? train.labelTexts.slice(0, Y.cols) : [];
  const vocab = TokenVocab.build(texts, p.vocab, labelTexts);
  const docs = texts.map((t) => textDoc(vocab, t, p.encoder.maxTokens));
  const vdocs = vtexts.map((t) => textDoc(vocab, t, p.encoder.maxTokens));
  const start = new XrtEncoder(p.encoder, vocab.size, new Rng(p.matcher.seed));
  await timed("word vectors", () => initWordVectors(start.table.data, p.encoder.dim, vocab, train, { text: p.vocab, wordvec: p.wordvec, seed: p.matcher.seed }, progress));
  start.fitIdf(docs);
  const chain = buildLabelTree(X, Y, { nrSplits: p.matcher.nrSplits, maxLeafSize: p.matcher.maxLeafSize, kmeansMaxIter: 20, seed: p.matcher.seed });
  return { train: train as Dataset, val: val as Dataset, Y, X, Xv, docs, vdocs, start, chain, d: start.dim };
}

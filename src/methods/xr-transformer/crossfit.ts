/**
 * Cross-fitted (out-of-fold) embeddings for XR-Transformer's ranker. An encoder trained on the
 * same instances the ranker then learns from embeds them closer to their own labels than it
 * embeds an unseen query, and the ranker learns to trust the embedding more than it deserves at
 * prediction time. With K folds, K encoders are trained from the same starting point (the
 * skip-gram word vectors), each on the instances outside one fold, and each fold is embedded by
 * the encoder that did not see it. Queries are embedded by the encoder trained on every instance.
 */
import { type Csr, selectRows } from "../../core/csr.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { ClusterChain } from "../../tree/chain.js";
import { XrtEncoder } from "./encoder.js";
import { type StageStats, trainMatcher } from "./matcher.js";
import type { XrtMatcherParams } from "./params.js";

/** Fold of each of n rows: a seeded random partition into k folds whose sizes differ by at most one. */
export function foldAssignment(n: number, k: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(seed * 31 + 0xf01d).shuffle(order);
  const fold = new Int32Array(n);
  for (let j = 0; j < n; j++) fold[order[j]] = j % k;
  return fold;
}

/** A copy of an encoder (same params, weights and idf). */
export function cloneEncoder(enc: XrtEncoder): XrtEncoder {
  const c = new XrtEncoder(enc.p, enc.vocabSize, new Rng(0));
  const src = enc.parameters(), dst = c.parameters();
  for (let i = 0; i < src.length; i++) dst[i].data.set(src[i].data);
  c.idf.set(enc.idf);
  return c;
}

export interface OutOfFold {
  /** n × d embeddings, not normalised: row i from the encoder that did not train on row i. */
  E: Float32Array;
  /** Per fold, the matcher's stage statistics. */
  stats: StageStats[][];
  /** The K fold encoders. */
  encoders: XrtEncoder[];
}

/**
 * Out-of-fold embeddings of `docs`: for each fold f, a copy of `start` (left untouched) is trained
 * along `chain` on the rows outside f and embeds the rows of f.
 */
export function outOfFoldEmbeddings(start: XrtEncoder, docs: readonly Int32Array[], Y: Csr, chain: ClusterChain, p: XrtMatcherParams, fold: Int32Array, k: number, progress: Progress = silentProgress): OutOfFold {
  const d = start.dim, n = docs.length;
  const E = new Float32Array(n * d);
  const stats: StageStats[][] = [];
  const encoders: XrtEncoder[] = [];
  for (let f = 0; f < k; f++) {
    const inRows: number[] = [], outRows: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? outRows : inRows).push(i);
    progress.log(`cross-fitting: fold ${f + 1}/${k}, encoder trained on ${inRows.length} instances, embeds ${outRows.length}`);
    const enc = cloneEncoder(start);
    encoders.push(enc);
    stats.push(trainMatcher(enc, inRows.map((i) => docs[i]), selectRows(Y, inRows), chain, p, { progress }));
    const Ef = enc.embedAll(outRows.map((i) => docs[i]));
    for (let j = 0; j < outRows.length; j++) E.set(Ef.subarray(j * d, (j + 1) * d), outRows[j] * d);
  }
  return { E, stats, encoders };
}

/**
 * The starting encoder of ensemble member m (matcher.ensemble): member 0 is a copy of `start`;
 * member m > 0 has the same skip-gram word vectors and idf but residual layers drawn from
 * Rng(seed + m), so that the members differ in initialisation as well as in their batches.
 */
export function memberStart(start: XrtEncoder, m: number, seed: number): XrtEncoder {
  if (m === 0) return cloneEncoder(start);
  const c = new XrtEncoder(start.p, start.vocabSize, new Rng(seed + m));
  c.table.data.set(start.table.data);
  c.idf.set(start.idf);
  return c;
}

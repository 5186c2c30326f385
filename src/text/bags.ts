/** Token-id documents as the bag layout of an embedding-bag layer, weighted by idf. */
import { UNK } from "./vocab.js";

/** Texts as a bag layout: ids and their offsets (CSR), with per-id weights. */
export interface Bags {
  ids: Int32Array;
  offsets: Int32Array;
  weights: Float32Array;
}

/**
 * The bags of `docs` (ids ≤ UNK dropped; a document left empty is the UNK row), each id
 * weighted by idf[id] / Σ idf over its document.
 */
export function idfBags(docs: readonly Int32Array[], idf: Float32Array): Bags {
  let n = 0;
  for (const d of docs) n += Math.max(1, d.length);
  const ids = new Int32Array(n), weights = new Float32Array(n), offsets = new Int32Array(docs.length + 1);
  let o = 0;
  docs.forEach((d, b) => {
    const start = o;
    for (let i = 0; i < d.length; i++) if (d[i] > UNK) ids[o++] = d[i];
    if (o === start) ids[o++] = UNK;
    let s = 0;
    for (let i = start; i < o; i++) s += idf[ids[i]];
    for (let i = start; i < o; i++) weights[i] = idf[ids[i]] / s;
    offsets[b + 1] = o;
  });
  return { ids: ids.subarray(0, o), offsets, weights: weights.subarray(0, o) };
}

/**
 * Centroid initialisation of SyncXML's label table (the `centroidInit` ablation of SyncXMLTrainOptions), run once when
 * the detached warm-up ends: every label with training positives gets the row
 * s · (μ_c − μ) / ‖μ_c − μ‖, where μ_c is the mean extreme-head feature h_c (evaluation mode) of
 * its training queries, μ the mean over all training queries, and s the RMS norm of the table's
 * rows at that moment (so logits keep their scale). A label seen once starts as a prototype of
 * its one query instead of a random vector that a handful of updates per epoch must move; the
 * SparseAdam moments of the overwritten rows are cleared. Labels without positives keep their
 * rows. This is an xmc addition, not part of the reference code.
 */
import type { Progress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import type { SparseAdam } from "../../nn/optim.js";
import type { Network } from "./network.js";

/** Queries per forward pass. */
const BATCH = 256;

/**
 * Overwrite the rows of `net`'s label table with centroid directions (see the module comment).
 * `ids` holds N × seqLen token ids, `positives[i]` the labels of query i. Returns the number of
 * rows set.
 */
export function initLabelCentroids(net: Network, ids: Int32Array, positives: readonly Int32Array[], seqLen: number, opt: SparseAdam, progress: Progress): number {
  const ext = net.ext, cl = net.clusters;
  if (!ext || !cl) throw new Error("initLabelCentroids: needs the SyncXML heads");
  const table = ext.table, D = table.shape[1], L = table.shape[0];
  const rowOf = new Int32Array(L);
  for (let r = 0; r < L; r++) rowOf[cl.labels[r]] = r;
  const sums = new Float64Array(L * D);
  const counts = new Int32Array(L);
  const mean = new Float64Array(D);
  const N = positives.length;
  const rng = new Rng(0); // unused: no dropout in evaluation mode
  progress.start("label centroids", N);
  for (let a = 0; a < N; a += BATCH) {
    const B = Math.min(BATCH, N - a);
    const h = net.extFeatures(ids.subarray(a * seqLen, (a + B) * seqLen), B, rng);
    for (let i = 0; i < B; i++) {
      const o = i * D;
      for (let d = 0; d < D; d++) mean[d] += h[o + d];
      for (const l of positives[a + i]) {
        const r = rowOf[l];
        counts[r]++;
        for (let d = 0; d < D; d++) sums[r * D + d] += h[o + d];
      }
    }
    progress.tick(B);
  }
  progress.stop();
  for (let d = 0; d < D; d++) mean[d] /= Math.max(1, N);
  const w = table.data;
  let norm2 = 0, seen = 0;
  for (let r = 0; r < L; r++) {
    if (counts[r] === 0) continue;
    let s = 0;
    for (let d = 0; d < D; d++) s += w[r * D + d] * w[r * D + d];
    norm2 += s;
    seen++;
  }
  const scale = seen > 0 ? Math.sqrt(norm2 / seen) : 1;
  const set: number[] = [];
  for (let r = 0; r < L; r++) {
    const c = counts[r];
    if (c === 0) continue;
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = sums[r * D + d] / c - mean[d];
      sums[r * D + d] = v;
      s += v * v;
    }
    if (!(s > 0)) continue;
    const f = scale / Math.sqrt(s);
    for (let d = 0; d < D; d++) w[r * D + d] = sums[r * D + d] * f;
    set.push(r);
  }
  const k = opt.params.indexOf(table);
  if (k >= 0) opt.resetRows(k, set);
  progress.log(`label table: ${set.length} of ${L} rows set to centroid directions (row norm ${scale.toFixed(3)})`);
  return set.length;
}

/**
 * Thresholded (set-valued) prediction: turn ranked lists into "labels likely
 * enough", with a global threshold or per-label thresholds tuned on a validation
 * split to maximise F1 (micro-F1 for the global one, each label's own F1 for the
 * per-label ones).
 *
 * Convention everywhere: a label is predicted when `score >= threshold`.
 * Tuned thresholds are scores that occur in the validation predictions (or the
 * float32 just above the largest one), so applying them to the validation split
 * reproduces exactly the sets the tuner scored.
 *
 * Scores are whatever the model's post-processor produced (for XR-Linear: a
 * product of per-level l3-hinge values in [0, 1]); they are not probabilities —
 * see `calibrate.ts` for that.
 */
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import type { Prediction } from "./metrics.js";

/** The smallest float32 strictly greater than the float32 `x` (x finite). */
export function nextUpFloat32(x: number): number {
  const f = new Float32Array(1);
  const b = new Int32Array(f.buffer);
  f[0] = x;
  if (f[0] === 0) {
    b[0] = 1; // smallest positive subnormal (also for -0)
  } else if (f[0] > 0) {
    b[0]++;
  } else {
    b[0]--;
  }
  return f[0];
}

/**
 * Validation predictions flattened to one entry per (query, label), duplicates
 * within a list reduced to their highest score.
 */
interface Entries {
  label: Int32Array;
  score: Float32Array;
  pos: Uint8Array;
  n: number;
}

function collect(pred: Prediction[], truth: Csr, where: string): Entries {
  if (pred.length !== truth.rows) throw new XmcError(`${where}: ${pred.length} predictions for ${truth.rows} validation points`);
  let total = 0;
  for (const p of pred) total += p.labels.length;
  const label = new Int32Array(total), score = new Float32Array(total), pos = new Uint8Array(total);
  const cols = truth.cols;
  const truthStamp = new Int32Array(cols);
  const seenStamp = new Int32Array(cols);
  const seenAt = new Int32Array(cols);
  let n = 0;
  for (let i = 0; i < pred.length; i++) {
    const stamp = i + 1;
    for (let q = truth.indptr[i]; q < truth.indptr[i + 1]; q++) truthStamp[truth.indices[q]] = stamp;
    const { labels, scores } = pred[i];
    if (scores.length !== labels.length) {
      throw new XmcError(`${where}: prediction ${i} has ${labels.length} labels but ${scores.length} scores (thresholds need scores)`);
    }
    for (let r = 0; r < labels.length; r++) {
      const l = labels[r], s = scores[r];
      if (!(l >= 0 && l < cols)) throw new XmcError(`${where}: prediction ${i} has label id ${l} outside [0, ${cols})`);
      if (Number.isNaN(s)) throw new XmcError(`${where}: prediction ${i} has a NaN score at position ${r}`);
      if (seenStamp[l] === stamp) {
        const e = seenAt[l];
        if (s > score[e]) score[e] = s;
        continue;
      }
      seenStamp[l] = stamp;
      seenAt[l] = n;
      label[n] = l;
      score[n] = s;
      pos[n] = truthStamp[l] === stamp ? 1 : 0;
      n++;
    }
  }
  return { label, score, pos, n };
}

/**
 * Best threshold for F1 = 2TP / (TP + FP + nPos) given ascending-sorted scores of
 * retrieved positives and negatives; nPos counts all positives, retrieved or not.
 * Ties go to the highest threshold. When no threshold gives F1 > 0, returns the
 * float32 just above the largest score (predict nothing). Both segments empty: NaN.
 */
function sweep(posS: Float32Array, negS: Float32Array, nPos: number): number {
  let i = posS.length, j = negS.length;
  if (i === 0 && j === 0) return NaN;
  const top = Math.max(i > 0 ? posS[i - 1] : -Infinity, j > 0 ? negS[j - 1] : -Infinity);
  let tp = 0, fp = 0, best = 0, thr = NaN;
  while (i > 0 || j > 0) {
    const s = Math.max(i > 0 ? posS[i - 1] : -Infinity, j > 0 ? negS[j - 1] : -Infinity);
    while (i > 0 && posS[i - 1] === s) { tp++; i--; }
    while (j > 0 && negS[j - 1] === s) { fp++; j--; }
    const f1 = (2 * tp) / (tp + fp + nPos);
    if (f1 > best) {
      best = f1;
      thr = s;
    }
  }
  return best > 0 ? thr : top === Infinity ? Infinity : nextUpFloat32(top);
}

/**
 * The global threshold on scores that maximises micro-F1 of the thresholded sets
 * on a validation split (the same micro-F1 as `setMetrics`: positives that were
 * never retrieved count as false negatives at every threshold).
 *
 * Candidates are the distinct scores present; cost O(M log M) for M predicted
 * entries. Ties: among thresholds with the same best micro-F1 the HIGHEST is
 * returned (smaller sets, higher precision). If no threshold retrieves a single
 * true label (micro-F1 is 0 everywhere), the float32 just above the largest
 * score is returned, i.e. "predict nothing".
 *
 * @throws XmcError when there is no scored prediction at all, or on malformed input.
 */
export function tuneGlobalThreshold(pred: Prediction[], truth: Csr): number {
  const e = collect(pred, truth, "tuneGlobalThreshold");
  if (e.n === 0) throw new XmcError("tuneGlobalThreshold: the validation predictions are empty");
  let np = 0;
  for (let k = 0; k < e.n; k++) np += e.pos[k];
  const posS = new Float32Array(np), negS = new Float32Array(e.n - np);
  let a = 0, b = 0;
  for (let k = 0; k < e.n; k++) {
    if (e.pos[k]) posS[a++] = e.score[k];
    else negS[b++] = e.score[k];
  }
  posS.sort();
  negS.sort();
  return sweep(posS, negS, truth.indptr[truth.rows]);
}

/** Options of `tunePerLabelThresholds`. */
export interface PerLabelThresholdOptions {
  /**
   * Labels with fewer positives than this in the validation truth get the
   * fallback unchanged (default 5; an integer ≥ 0).
   */
  minSupport?: number;
  /**
   * Threshold for rare and never-predicted labels (default: `tuneGlobalThreshold(pred, truth)`,
   * or +Infinity — predict nothing — when the validation predictions are empty).
   */
  fallback?: number;
  /**
   * Pseudo-count k of the shrinkage toward the fallback: a label with n ≥
   * minSupport validation positives gets w·t + (1 − w)·fallback, w = n / (n + k),
   * where t is its own F1-optimal threshold. Default: minSupport (so a label at
   * exactly minSupport positives is halfway). 0 disables the shrinkage.
   */
  shrinkage?: number;
}

/**
 * Per-label thresholds tuned on a validation split; returns a Float32Array of
 * length truth.cols, indexed by label id.
 *
 * For each label l the tuner collects (score, isPositive) of its occurrences in
 * the predicted lists, plus the number of its validation positives that were never
 * retrieved (false negatives at any threshold), and picks the candidate score t
 * maximising F1_l = 2TP / (2TP + FP + FN) (ties: the highest t; if no positive
 * of l is ever retrieved, t is just above l's largest score, i.e. "never"). Then:
 *   - l never occurs in the predictions        → fallback;
 *   - l has n < minSupport validation positives → fallback;
 *   - otherwise                                 → w·t + (1 − w)·fallback, w = n / (n + shrinkage).
 * The shrinkage keeps thresholds of moderately rare labels from overfitting a
 * handful of validation points. Cost O(M log M) for M predicted entries.
 */
export function tunePerLabelThresholds(pred: Prediction[], truth: Csr, opts: PerLabelThresholdOptions = {}): Float32Array {
  const minSupport = opts.minSupport ?? 5;
  if (!Number.isInteger(minSupport) || minSupport < 0) {
    throw new XmcError(`tunePerLabelThresholds: minSupport must be an integer >= 0, got ${minSupport}`);
  }
  const k = opts.shrinkage ?? minSupport;
  if (!(k >= 0 && Number.isFinite(k))) throw new XmcError(`tunePerLabelThresholds: shrinkage must be a finite number >= 0, got ${k}`);
  if (opts.fallback !== undefined && Number.isNaN(opts.fallback)) throw new XmcError("tunePerLabelThresholds: fallback is NaN");
  const e = collect(pred, truth, "tunePerLabelThresholds");
  const fallback = opts.fallback ?? (e.n > 0 ? tuneGlobalThreshold(pred, truth) : Infinity);
  const L = truth.cols;

  // positives per label in the validation truth
  const support = new Int32Array(L);
  const nz = truth.indptr[truth.rows];
  for (let q = 0; q < nz; q++) support[truth.indices[q]]++;

  // bucket retrieved scores by label: positives and negatives in separate segments
  const posStart = new Int32Array(L + 1), negStart = new Int32Array(L + 1);
  for (let q = 0; q < e.n; q++) {
    if (e.pos[q]) posStart[e.label[q] + 1]++;
    else negStart[e.label[q] + 1]++;
  }
  for (let l = 0; l < L; l++) {
    posStart[l + 1] += posStart[l];
    negStart[l + 1] += negStart[l];
  }
  const posS = new Float32Array(posStart[L]), negS = new Float32Array(negStart[L]);
  const pNext = posStart.slice(0, L), nNext = negStart.slice(0, L);
  for (let q = 0; q < e.n; q++) {
    const l = e.label[q];
    if (e.pos[q]) posS[pNext[l]++] = e.score[q];
    else negS[nNext[l]++] = e.score[q];
  }

  const out = new Float32Array(L);
  for (let l = 0; l < L; l++) {
    const p = posS.subarray(posStart[l], posStart[l + 1]);
    const g = negS.subarray(negStart[l], negStart[l + 1]);
    const n = support[l];
    if ((p.length === 0 && g.length === 0) || n < minSupport) {
      out[l] = fallback;
      continue;
    }
    p.sort();
    g.sort();
    const t = sweep(p, g, n);
    const w = k === 0 ? 1 : n / (n + k);
    out[l] = w === 1 ? t : w * t + (1 - w) * fallback;
  }
  return out;
}

/** Options of `applyThreshold`. */
export interface ApplyThresholdOptions {
  /**
   * Threshold for label ids at or beyond the length of a per-label array (e.g.
   * labels added to the model after tuning). Without it such a label is an error.
   */
  fallback?: number;
}

/**
 * Keep the entries with `score >= threshold`, in their original order (so ranked
 * lists stay ranked). `thr` is one global threshold or a per-label array indexed
 * by label id; labels at or beyond its length use `opts.fallback`, and throw an
 * XmcError when no fallback is given. Rows with nothing removed are returned as
 * the same objects. Needs scores (a ranking-only prediction is an error).
 */
export function applyThreshold(pred: Prediction[], thr: number | Float32Array, opts: ApplyThresholdOptions = {}): Prediction[] {
  if (typeof thr === "number" && Number.isNaN(thr)) throw new XmcError("applyThreshold: threshold is NaN");
  const fb = opts.fallback;
  return pred.map((p, i) => {
    const { labels, scores } = p;
    if (scores.length !== labels.length) {
      throw new XmcError(`applyThreshold: prediction ${i} has ${labels.length} labels but ${scores.length} scores`);
    }
    const keep: number[] = [];
    for (let r = 0; r < labels.length; r++) {
      let t: number;
      if (typeof thr === "number") {
        t = thr;
      } else {
        const l = labels[r];
        if (l >= 0 && l < thr.length) t = thr[l];
        else if (fb !== undefined) t = fb;
        else throw new XmcError(`applyThreshold: label ${l} has no threshold (array has ${thr.length}); pass opts.fallback`);
      }
      if (scores[r] >= t) keep.push(r);
    }
    if (keep.length === labels.length) return p;
    const outL = new Int32Array(keep.length), outS = new Float32Array(keep.length);
    for (let q = 0; q < keep.length; q++) {
      outL[q] = labels[keep[q]];
      outS[q] = scores[keep[q]];
    }
    return { labels: outL, scores: outS };
  });
}

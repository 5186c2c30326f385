/**
 * Ranking metrics for extreme multi-label classification, as defined in
 * specs/metrics.md (Extreme Classification Repository / pyxclib / napkinXC):
 * P@k, R@k, nDCG@k and the propensity-scored PSP@k, PSnDCG@k, PSR@k, plus
 * micro/macro F1 for set-valued (thresholded) predictions.
 *
 * All values are percentages. Averages run over ALL test points; a point with no
 * true label contributes 0 to every numerator (and, for the normalised PS metrics,
 * 0 to the denominator too).
 */
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";

/** One test point's ranked prediction: labels by descending score. */
export interface Prediction {
  labels: Int32Array;
  /** Same length as `labels`, non-increasing; may be empty when only the ranking is known. */
  scores: Float32Array;
}

/**
 * Metric values keyed "P@1", "nDCG@3", "PSP@5", ... (percent), plus `n`, the number
 * of test points. PS keys are present only when inverse propensities were given.
 * Key order: P, nDCG, PSP, PSnDCG, R, PSR (each for ascending k), then n.
 */
export type MetricsReport = { n: number } & Record<string, number>;

export interface EvaluateOptions {
  /** Cut-offs (positive integers); default [1, 3, 5]. Sorted and de-duplicated. */
  ks?: number[];
  /** Inverse propensity per label (length ≥ truth.cols), e.g. from `inversePropensity`. Enables PSP/PSnDCG/PSR. */
  invProp?: Float64Array;
  /**
   * true (default): PS metrics normalised by the best achievable value, as a ratio
   * of sums over the test set — the values published in XC repository tables.
   * false: unnormalised repository-page definitions —
   *   PSP@k = mean_i PSP_num@k(i), PSnDCG@k = mean_i PSDCG@k(i) / Σ_{r=1..k} 1/log2(r+1),
   *   PSR@k = mean_i (1/|y_i|) Σ_{hits} ip.
   */
  psNormalize?: boolean;
}

/** The metric families in report order; PS families need inverse propensities. */
export const METRIC_FAMILIES = ["P", "nDCG", "PSP", "PSnDCG", "R", "PSR"] as const;
export type MetricFamily = (typeof METRIC_FAMILIES)[number];

/** Validate, sort and de-duplicate cut-offs. */
export function normalizeKs(ks: readonly number[] | undefined): number[] {
  const list = ks ?? [1, 3, 5];
  if (list.length === 0) throw new XmcError("metrics: ks must not be empty");
  for (const k of list) {
    if (!Number.isInteger(k) || k < 1) throw new XmcError(`metrics: every k must be a positive integer (got ${k})`);
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

/** safe ratio: 0 when the denominator is 0 (e.g. no test point has a label). */
function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

/** Check one prediction's shape and order; throws XmcError when malformed. */
function checkPrediction(p: Prediction, i: number, cols: number): void {
  const { labels, scores } = p;
  if (scores.length !== 0 && scores.length !== labels.length) {
    throw new XmcError(`metrics: prediction ${i} has ${labels.length} labels but ${scores.length} scores`);
  }
  for (let r = 0; r < labels.length; r++) {
    const l = labels[r];
    if (l < 0 || l >= cols) throw new XmcError(`metrics: prediction ${i} has label id ${l} outside [0, ${cols})`);
    if (r > 0 && scores.length !== 0 && scores[r] > scores[r - 1]) {
      throw new XmcError(`metrics: prediction ${i} is not sorted by descending score (position ${r})`);
    }
  }
}

/**
 * Compute P@k, nDCG@k, R@k (and PSP@k, PSnDCG@k, PSR@k when `invProp` is given)
 * for ranked predictions against a 0/1 truth matrix (every stored entry of
 * `truth` is a positive). Lists shorter than k count the missing slots as misses;
 * a label repeated within one list counts only at its first position.
 */
export function evaluate(pred: Prediction[], truth: Csr, opts: EvaluateOptions = {}): MetricsReport {
  const n = truth.rows;
  if (pred.length !== n) throw new XmcError(`metrics: ${pred.length} predictions for ${n} test points`);
  const ks = normalizeKs(opts.ks);
  const ip = opts.invProp;
  if (ip && ip.length < truth.cols) {
    throw new XmcError(`metrics: invProp has ${ip.length} entries but truth has ${truth.cols} labels`);
  }
  const psNormalize = opts.psNormalize ?? true;
  const kmax = ks[ks.length - 1];
  const nk = ks.length;

  // disc[r] = 1/log2(r+2); zcum[j] = Σ_{r<j} disc[r]
  const disc = new Float64Array(kmax);
  const zcum = new Float64Array(kmax + 1);
  for (let r = 0; r < kmax; r++) {
    disc[r] = 1 / Math.log2(r + 2);
    zcum[r + 1] = zcum[r] + disc[r];
  }

  // accumulators per cut-off
  const sP = new Float64Array(nk), sR = new Float64Array(nk), sN = new Float64Array(nk);
  const pspNum = new Float64Array(nk), pspDen = new Float64Array(nk);
  const psnNum = new Float64Array(nk), psnDen = new Float64Array(nk), psdcgSum = new Float64Array(nk);
  const psrNum = new Float64Array(nk), psrDen = new Float64Array(nk);

  // per-point prefix sums over positions 0..kmax-1
  const hitC = new Float64Array(kmax), dcgC = new Float64Array(kmax);
  const psC = new Float64Array(kmax), psdcgC = new Float64Array(kmax);
  const idPsC = new Float64Array(kmax), idPsdcgC = new Float64Array(kmax);
  let scratch = new Float64Array(16);

  // mark[l] === stamp: l is a true label of the current point not yet hit
  const mark = new Int32Array(truth.cols);

  for (let i = 0; i < n; i++) {
    const stamp = i + 1;
    const t0 = truth.indptr[i], t1 = truth.indptr[i + 1];
    const ny = t1 - t0;
    for (let p = t0; p < t1; p++) mark[truth.indices[p]] = stamp;

    const p = pred[i];
    checkPrediction(p, i, truth.cols);
    const labels = p.labels;
    const len = labels.length;
    let h = 0, d = 0, s = 0, sd = 0;
    for (let r = 0; r < kmax; r++) {
      if (r < len) {
        const l = labels[r];
        if (mark[l] === stamp) {
          mark[l] = -stamp;
          h++;
          d += disc[r];
          if (ip) {
            s += ip[l];
            sd += ip[l] * disc[r];
          }
        }
      }
      hitC[r] = h; dcgC[r] = d; psC[r] = s; psdcgC[r] = sd;
    }

    if (ip) {
      // ideal ranking: true labels by descending inverse propensity
      if (scratch.length < ny) scratch = new Float64Array(Math.max(ny, scratch.length * 2));
      for (let q = 0; q < ny; q++) scratch[q] = ip[truth.indices[t0 + q]];
      const sorted = scratch.subarray(0, ny).sort(); // ascending; read from the end
      let a = 0, b = 0;
      for (let r = 0; r < kmax; r++) {
        if (r < ny) {
          const w = sorted[ny - 1 - r];
          a += w;
          b += w * disc[r];
        }
        idPsC[r] = a; idPsdcgC[r] = b;
      }
    }

    if (ny === 0) continue; // contributes 0 to every numerator and denominator
    for (let j = 0; j < nk; j++) {
      const k = ks[j];
      const r = k - 1;
      const z = zcum[Math.min(k, ny)];
      sP[j] += hitC[r] / k;
      sR[j] += hitC[r] / ny;
      sN[j] += dcgC[r] / z;
      if (ip) {
        pspNum[j] += psC[r] / k;
        pspDen[j] += idPsC[r] / k;
        psnNum[j] += psdcgC[r] / z;
        psnDen[j] += idPsdcgC[r] / z;
        psdcgSum[j] += psdcgC[r];
        psrNum[j] += psC[r] / ny;
        psrDen[j] += idPsC[r] / ny;
      }
    }
  }

  const out: Record<string, number> = {};
  const put = (fam: MetricFamily, vals: (j: number) => number): void => {
    for (let j = 0; j < nk; j++) out[`${fam}@${ks[j]}`] = 100 * vals(j);
  };
  put("P", (j) => ratio(sP[j], n));
  put("nDCG", (j) => ratio(sN[j], n));
  if (ip) {
    if (psNormalize) {
      put("PSP", (j) => ratio(pspNum[j], pspDen[j]));
      put("PSnDCG", (j) => ratio(psnNum[j], psnDen[j]));
    } else {
      put("PSP", (j) => ratio(pspNum[j], n));
      put("PSnDCG", (j) => ratio(psdcgSum[j], n * zcum[ks[j]]));
    }
  }
  put("R", (j) => ratio(sR[j], n));
  if (ip) put("PSR", (j) => (psNormalize ? ratio(psrNum[j], psrDen[j]) : ratio(psrNum[j], n)));
  out.n = n;
  return out as MetricsReport;
}

/**
 * Remove (row, label) pairs from the predictions — the LF-* reciprocal-pair test
 * filter (specs/metrics.md §5). Order of the remaining entries is kept, so the
 * lists stay ranked; predict more than k labels per point before filtering.
 * Rows without a listed pair are returned as the same objects.
 */
export function filterPredictions(pred: Prediction[], pairs: ArrayLike<readonly [number, number]>): Prediction[] {
  const byRow = new Map<number, Set<number>>();
  for (let q = 0; q < pairs.length; q++) {
    const [row, label] = pairs[q];
    if (!Number.isInteger(row) || row < 0 || row >= pred.length) {
      throw new XmcError(`filterPredictions: row ${row} outside [0, ${pred.length})`);
    }
    let set = byRow.get(row);
    if (!set) byRow.set(row, (set = new Set()));
    set.add(label);
  }
  return pred.map((p, i) => {
    const drop = byRow.get(i);
    if (!drop) return p;
    const keep: number[] = [];
    for (let r = 0; r < p.labels.length; r++) if (!drop.has(p.labels[r])) keep.push(r);
    const labels = new Int32Array(keep.length);
    const scores = new Float32Array(p.scores.length === 0 ? 0 : keep.length);
    keep.forEach((r, q) => {
      labels[q] = p.labels[r];
      if (scores.length) scores[q] = p.scores[r];
    });
    return { labels, scores };
  });
}

/** Micro/macro scores of set-valued predictions (percent). */
export interface SetMetrics {
  /** 2·TP / (2·TP + FP + FN) over all (point, label) pairs. */
  microF1: number;
  /** Mean per-label F1 over the labels that occur in the truth or in the predictions (see `macroLabels`). */
  macroF1: number;
  /** TP / (TP + FP). */
  microP: number;
  /** TP / (TP + FN). */
  microR: number;
  /** How many labels the macro average ran over (labels with TP + FP + FN > 0). */
  macroLabels: number;
}

/**
 * Micro/macro F1 for thresholded (set) predictions. `pred[i]` is the label set
 * predicted for test point i (order irrelevant, duplicates ignored).
 *
 * macroF1 averages per-label F1 = 2TP/(2TP+FP+FN) over labels that appear in the
 * truth or in the predictions only; labels in neither are excluded (their F1 is
 * undefined). This differs from napkinXC's MacroF1, which averages over 0..maxLabel
 * counting such labels as 0. Empty denominators give 0.
 *
 * @param nLabels size of the label space (default truth.cols); every id must be below it.
 */
export function setMetrics(pred: Int32Array[], truth: Csr, nLabels: number = truth.cols): SetMetrics {
  const n = truth.rows;
  if (pred.length !== n) throw new XmcError(`setMetrics: ${pred.length} predictions for ${n} test points`);
  if (!Number.isInteger(nLabels) || nLabels < truth.cols) {
    throw new XmcError(`setMetrics: nLabels (${nLabels}) must be an integer >= truth.cols (${truth.cols})`);
  }
  const tp = new Int32Array(nLabels), fp = new Int32Array(nLabels), fn = new Int32Array(nLabels);
  const mark = new Int32Array(nLabels);
  for (let i = 0; i < n; i++) {
    const stamp = i + 1;
    const t0 = truth.indptr[i], t1 = truth.indptr[i + 1];
    for (let p = t0; p < t1; p++) mark[truth.indices[p]] = stamp;
    const set = pred[i];
    for (let r = 0; r < set.length; r++) {
      const l = set[r];
      if (l < 0 || l >= nLabels) throw new XmcError(`setMetrics: prediction ${i} has label id ${l} outside [0, ${nLabels})`);
      if (mark[l] === -stamp) continue; // duplicate
      if (mark[l] === stamp) tp[l]++;
      else fp[l]++;
      mark[l] = -stamp;
    }
    for (let p = t0; p < t1; p++) if (mark[truth.indices[p]] === stamp) fn[truth.indices[p]]++;
  }
  let TP = 0, FP = 0, FN = 0, macro = 0, m = 0;
  for (let l = 0; l < nLabels; l++) {
    const a = tp[l], b = fp[l], c = fn[l];
    TP += a; FP += b; FN += c;
    if (a + b + c > 0) {
      macro += (2 * a) / (2 * a + b + c);
      m++;
    }
  }
  return {
    microF1: 100 * ratio(2 * TP, 2 * TP + FP + FN),
    macroF1: 100 * ratio(macro, m),
    microP: 100 * ratio(TP, TP + FP),
    microR: 100 * ratio(TP, TP + FN),
    macroLabels: m,
  };
}

/**
 * Score calibration: map a model's final scores (for XR-Linear a product of
 * per-level l3-hinge values in [0, 1], NOT a probability) to P(label relevant),
 * fitted on a validation split, and measure how well probabilities are calibrated
 * (expected calibration error + the bins of a reliability diagram).
 *
 * Building blocks: isotonic regression (pool-adjacent-violators) and Platt's
 * logistic fit. On top, a per-rank-bin `Calibrator`: the same score means
 * something different at rank 1 than at rank 5 (it competed against different
 * labels), so one map is fitted per rank bin; see `fitCalibrator`.
 */
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import { parseParams, type Schema } from "../core/params.js";
import type { Prediction } from "./metrics.js";

// ---------------------------------------------------------------------------
// Isotonic regression

/**
 * A fitted isotonic map: breakpoints `x` (strictly increasing block centres) with
 * values `y` (strictly increasing, in [min target, max target]). Serialise with
 * `{ x: Array.from(m.x), y: Array.from(m.y) }`.
 */
export interface IsotonicMap {
  x: Float64Array;
  y: Float64Array;
}

/** Anything shaped like an isotonic map (typed arrays or plain JSON arrays). */
export interface IsotonicLike {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * Weighted isotonic (non-decreasing) least-squares regression of `targets` on
 * `scores` by pool-adjacent-violators.
 *
 * Equal scores are pooled first (tied inputs get one value). Blocks are merged
 * while the previous block's mean is ≥ the next one's, so the resulting `y` is
 * strictly increasing. Each block becomes one breakpoint: x = the weighted mean
 * score of its points, y = their weighted mean target. Points with weight 0 are
 * ignored. O(n log n).
 *
 * @param weights non-negative, default all 1.
 * @throws XmcError on length mismatch, NaN, negative weights, or no point with positive weight.
 */
export function fitIsotonic(scores: Float64Array, targets: Float64Array | Uint8Array, weights?: Float64Array): IsotonicMap {
  const n = scores.length;
  if (targets.length !== n) throw new XmcError(`fitIsotonic: ${n} scores but ${targets.length} targets`);
  if (weights && weights.length !== n) throw new XmcError(`fitIsotonic: ${n} scores but ${weights.length} weights`);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (Number.isNaN(scores[i]) || Number.isNaN(targets[i])) throw new XmcError(`fitIsotonic: NaN at index ${i}`);
    if (!(w >= 0 && w < Infinity)) throw new XmcError(`fitIsotonic: weight ${w} at index ${i} is not a finite number >= 0`);
    if (w > 0) idx.push(i);
  }
  if (idx.length === 0) throw new XmcError("fitIsotonic: no point with a positive weight");
  idx.sort((a, b) => scores[a] - scores[b]);

  // block stack: sums of w·x, w·y and w
  const sx = new Float64Array(idx.length), sy = new Float64Array(idx.length), sw = new Float64Array(idx.length);
  let top = -1;
  let q = 0;
  while (q < idx.length) {
    const s = scores[idx[q]];
    let gx = 0, gy = 0, gw = 0;
    for (; q < idx.length && scores[idx[q]] === s; q++) {
      const i = idx[q];
      const w = weights ? weights[i] : 1;
      gx += w * scores[i];
      gy += w * targets[i];
      gw += w;
    }
    top++;
    sx[top] = gx; sy[top] = gy; sw[top] = gw;
    // merge while mean(top-1) >= mean(top)  ⇔  sy[t-1]·sw[t] >= sy[t]·sw[t-1]
    while (top > 0 && sy[top - 1] * sw[top] >= sy[top] * sw[top - 1]) {
      sx[top - 1] += sx[top];
      sy[top - 1] += sy[top];
      sw[top - 1] += sw[top];
      top--;
    }
  }
  const x = new Float64Array(top + 1), y = new Float64Array(top + 1);
  for (let b = 0; b <= top; b++) {
    x[b] = sx[b] / sw[b];
    y[b] = sy[b] / sw[b];
  }
  return { x, y };
}

/**
 * Evaluate an isotonic map at score `s`: piecewise-linear interpolation between
 * block centres, constant (clamped) below the first and above the last centre.
 * Monotone non-decreasing in `s`. NaN in, NaN out.
 */
export function applyIsotonic(m: IsotonicLike, s: number): number {
  const { x, y } = m;
  const n = x.length;
  if (n === 0) throw new XmcError("applyIsotonic: empty map");
  if (Number.isNaN(s)) return NaN;
  if (s <= x[0]) return y[0];
  if (s >= x[n - 1]) return y[n - 1];
  let lo = 0, hi = n - 1; // x[lo] < s < x[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= s) lo = mid;
    else hi = mid;
  }
  const t = (s - x[lo]) / (x[hi] - x[lo]);
  return y[lo] + t * (y[hi] - y[lo]);
}

// ---------------------------------------------------------------------------
// Platt scaling

/** Platt's sigmoid p = 1 / (1 + exp(a·s + b)); a < 0 when probability rises with the score. */
export interface PlattMap {
  a: number;
  b: number;
}

/**
 * Fit Platt's sigmoid by Newton's method with backtracking line search, on
 * smoothed targets t+ = (N+ + 1)/(N+ + 2), t− = 1/(N− + 2) — the algorithm of
 * Lin, Lin & Weng (2007), "A note on Platt's probabilistic outputs for SVMs".
 * Targets are read as 0/1 (any value > 0.5 is positive).
 */
export function fitPlatt(scores: Float64Array, targets: Float64Array | Uint8Array): PlattMap {
  const n = scores.length;
  if (targets.length !== n) throw new XmcError(`fitPlatt: ${n} scores but ${targets.length} targets`);
  if (n === 0) throw new XmcError("fitPlatt: no data");
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i]) || Number.isNaN(targets[i])) throw new XmcError(`fitPlatt: non-finite value at index ${i}`);
    if (targets[i] > 0.5) nPos++;
  }
  const nNeg = n - nPos;
  const hi = (nPos + 1) / (nPos + 2), lo = 1 / (nNeg + 2);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = targets[i] > 0.5 ? hi : lo;

  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = a * scores[i] + b;
      f += z >= 0 ? t[i] * z + Math.log1p(Math.exp(-z)) : (t[i] - 1) * z + Math.log1p(Math.exp(z));
    }
    return f;
  };
  let a = 0, b = Math.log((nNeg + 1) / (nPos + 1));
  let fval = objective(a, b);
  const sigma = 1e-12, minStep = 1e-10, eps = 1e-5;
  for (let it = 0; it < 100; it++) {
    let h11 = sigma, h22 = sigma, h21 = 0, g1 = 0, g2 = 0;
    for (let i = 0; i < n; i++) {
      const z = a * scores[i] + b;
      // p = P(y = 1) = 1/(1+e^z), q = 1 - p
      let p: number, q: number;
      if (z >= 0) {
        const e = Math.exp(-z);
        p = e / (1 + e);
        q = 1 / (1 + e);
      } else {
        const e = Math.exp(z);
        p = 1 / (1 + e);
        q = e / (1 + e);
      }
      const d2 = p * q, s = scores[i];
      h11 += s * s * d2;
      h22 += d2;
      h21 += s * d2;
      const d1 = t[i] - p;
      g1 += s * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= minStep) {
      const na = a + step * dA, nb = b + step * dB;
      const nf = objective(na, nb);
      if (nf < fval + 1e-4 * step * gd) {
        a = na; b = nb; fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < minStep) break; // line search failed: keep the best point so far
  }
  return { a, b };
}

/** Evaluate Platt's sigmoid 1 / (1 + exp(a·s + b)) without overflow. */
export function applyPlatt(m: PlattMap, s: number): number {
  const z = m.a * s + m.b;
  if (z >= 0) {
    const e = Math.exp(-z);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(z));
}

// ---------------------------------------------------------------------------
// Validation pairs

/** Flattened (query, predicted label) pairs of the top-K of each list. */
export interface CalibrationPairs {
  scores: Float64Array;
  /** 1 when the label is relevant for the query. */
  targets: Uint8Array;
  /** 0-based position of the label in its list. */
  rank: Int32Array;
}

/**
 * Every (query, predicted label among the first `topK` positions) pair, with
 * target 1 if the label is in the query's truth row. A label repeated within one
 * list is kept at its first position only. Lists need scores.
 */
export function calibrationPairs(pred: Prediction[], truth: Csr, topK: number): CalibrationPairs {
  if (!Number.isInteger(topK) || topK < 1) throw new XmcError(`calibrationPairs: topK must be a positive integer, got ${topK}`);
  if (pred.length !== truth.rows) throw new XmcError(`calibrationPairs: ${pred.length} predictions for ${truth.rows} points`);
  let total = 0;
  for (const p of pred) total += Math.min(topK, p.labels.length);
  const scores = new Float64Array(total), targets = new Uint8Array(total), rank = new Int32Array(total);
  const cols = truth.cols;
  const truthStamp = new Int32Array(cols), seen = new Int32Array(cols);
  let n = 0;
  for (let i = 0; i < pred.length; i++) {
    const stamp = i + 1;
    for (let q = truth.indptr[i]; q < truth.indptr[i + 1]; q++) truthStamp[truth.indices[q]] = stamp;
    const { labels, scores: sc } = pred[i];
    if (sc.length !== labels.length) throw new XmcError(`calibrationPairs: prediction ${i} has ${labels.length} labels but ${sc.length} scores`);
    const len = Math.min(topK, labels.length);
    for (let r = 0; r < len; r++) {
      const l = labels[r];
      if (!(l >= 0 && l < cols)) throw new XmcError(`calibrationPairs: prediction ${i} has label id ${l} outside [0, ${cols})`);
      if (seen[l] === stamp) continue;
      seen[l] = stamp;
      scores[n] = sc[r];
      targets[n] = truthStamp[l] === stamp ? 1 : 0;
      rank[n] = r;
      n++;
    }
  }
  return { scores: scores.slice(0, n), targets: targets.slice(0, n), rank: rank.slice(0, n) };
}

// ---------------------------------------------------------------------------
// Per-rank-bin calibrator

/** Parameters of `fitCalibrator` (parse with `parseParams(calibratorSchema, …)`). */
export const calibratorSchema = {
  method: { type: "string", default: "isotonic", choices: ["isotonic", "platt"], help: "score → probability map: isotonic (PAV) or platt (sigmoid)" },
  topK: { type: "number", default: 5, integer: true, min: 1, help: "fit on the first topK positions of each validation list" },
  rankBins: {
    type: "number", default: 4, integer: true, min: 1, max: 30,
    help: "number of log2-spaced rank bins: ranks {1}, {2,3}, {4..7}, …, the last bin open-ended; 1 = one map for all ranks",
  },
  minBinPairs: {
    type: "number", default: 200, integer: true, min: 0,
    help: "a rank bin with fewer validation pairs (or without both classes) uses the map fitted on all pairs",
  },
} as const satisfies Schema;

/** Options of `fitCalibrator`; all optional, defaults in `calibratorSchema`. */
export interface CalibratorOptions {
  method?: "isotonic" | "platt";
  topK?: number;
  rankBins?: number;
  minBinPairs?: number;
}

/** An isotonic map as plain arrays (what `JSON.stringify` keeps). */
export interface IsotonicJson {
  x: number[];
  y: number[];
}

interface CalibratorBase {
  /** Validation lists were cut to this many positions when fitting. */
  topK: number;
  /** Number of rank bins; 1-based rank r falls in bin min(rankBins − 1, ⌊log2 r⌋). */
  rankBins: number;
  /** Validation pairs per rank bin. */
  pairs: number[];
  /** Per bin: true when it had too few pairs (or one class only) and got the pooled map. */
  pooled: boolean[];
}

/**
 * A fitted calibrator: one map per rank bin. Plain JSON (numbers, arrays,
 * strings) — `JSON.parse(JSON.stringify(c))` is an equivalent calibrator; use
 * `parseCalibrator` to validate one read from disk.
 */
export type Calibrator =
  | (CalibratorBase & { method: "isotonic"; maps: IsotonicJson[] })
  | (CalibratorBase & { method: "platt"; maps: PlattMap[] });

/** The rank bin of 0-based position `r`: min(rankBins − 1, ⌊log2(r + 1)⌋). */
export function rankBin(r: number, rankBins: number): number {
  return Math.min(rankBins - 1, 31 - Math.clz32(r + 1));
}

/**
 * Fit a per-rank-bin calibrator on validation predictions.
 *
 * Design: the (query, label) pairs of the first `topK` positions of each list
 * (`calibrationPairs`) are split by rank into `rankBins` log2-spaced bins —
 * ranks {1}, {2,3}, {4..7}, … with the last bin open-ended — and one monotone
 * map (isotonic or Platt) from score to P(relevant) is fitted per bin. A bin with
 * fewer than `minBinPairs` pairs, or without both relevant and irrelevant pairs,
 * gets the map fitted on all pairs together. With `rankBins: 1` this is plain
 * global isotonic/Platt calibration.
 *
 * @throws XmcError when the validation predictions yield no pair, or on bad options.
 */
export function fitCalibrator(pred: Prediction[], truth: Csr, opts: CalibratorOptions = {}): Calibrator {
  const p = parseParams(calibratorSchema, opts, "fitCalibrator");
  const method = p.method as "isotonic" | "platt";
  const { topK, rankBins, minBinPairs } = p;
  const all = calibrationPairs(pred, truth, topK);
  const n = all.scores.length;
  if (n === 0) throw new XmcError("fitCalibrator: the validation predictions have no (query, label) pair");

  const fit = (s: Float64Array, t: Uint8Array): IsotonicJson | PlattMap => {
    if (method === "platt") return fitPlatt(s, t);
    const m = fitIsotonic(s, t);
    return { x: Array.from(m.x), y: Array.from(m.y) };
  };
  const pooledMap = fit(all.scores, all.targets);

  const bin = new Int32Array(n);
  const count = new Array<number>(rankBins).fill(0), pos = new Array<number>(rankBins).fill(0);
  for (let q = 0; q < n; q++) {
    const b = rankBin(all.rank[q], rankBins);
    bin[q] = b;
    count[b]++;
    pos[b] += all.targets[q];
  }
  const maps: (IsotonicJson | PlattMap)[] = [];
  const pooled: boolean[] = [];
  for (let b = 0; b < rankBins; b++) {
    const usable = rankBins > 1 && count[b] >= Math.max(1, minBinPairs) && pos[b] > 0 && pos[b] < count[b];
    if (!usable) {
      maps.push(pooledMap);
      pooled.push(rankBins > 1);
      continue;
    }
    const s = new Float64Array(count[b]), t = new Uint8Array(count[b]);
    let k = 0;
    for (let q = 0; q < n; q++) {
      if (bin[q] !== b) continue;
      s[k] = all.scores[q];
      t[k++] = all.targets[q];
    }
    maps.push(fit(s, t));
    pooled.push(false);
  }
  const base = { topK, rankBins, pairs: count, pooled };
  return method === "platt"
    ? { method, ...base, maps: maps as PlattMap[] }
    : { method, ...base, maps: maps as IsotonicJson[] };
}

/** Probability for `score` at 0-based position `r` under calibrator `c`. */
export function calibratedProbability(c: Calibrator, score: number, r: number): number {
  const b = rankBin(r, c.rankBins);
  return c.method === "platt" ? applyPlatt(c.maps[b], score) : applyIsotonic(c.maps[b], score);
}

/**
 * Replace every score by its calibrated probability (using the rank bin of the
 * entry's position in the INPUT list; positions at or past the fitted topK use
 * the bin their rank falls in, usually the last, open-ended one) and re-sort each
 * list by descending probability, stably (ties keep the input order). Within one
 * rank bin the output is monotone in the input score (non-decreasing for isotonic
 * maps, and for Platt maps with a ≤ 0 — the usual fit). Needs scores.
 */
export function calibrate(c: Calibrator, pred: Prediction[]): Prediction[] {
  return pred.map((p, i) => {
    const { labels, scores } = p;
    const len = labels.length;
    if (scores.length !== len) throw new XmcError(`calibrate: prediction ${i} has ${len} labels but ${scores.length} scores`);
    const prob = new Float32Array(len);
    for (let r = 0; r < len; r++) prob[r] = calibratedProbability(c, scores[r], r);
    const order = Array.from({ length: len }, (_, r) => r).sort((a, b) => prob[b] - prob[a] || a - b);
    const outL = new Int32Array(len), outS = new Float32Array(len);
    for (let q = 0; q < len; q++) {
      outL[q] = labels[order[q]];
      outS[q] = prob[order[q]];
    }
    return { labels: outL, scores: outS };
  });
}

/** Validate a calibrator read from JSON; returns it typed, or throws XmcError naming the problem. */
export function parseCalibrator(json: unknown): Calibrator {
  const bad = (what: string): never => {
    throw new XmcError(`calibrator: ${what}`);
  };
  if (typeof json !== "object" || json === null) return bad("expected an object");
  const o = json as Record<string, unknown>;
  if (o.method !== "isotonic" && o.method !== "platt") bad(`method must be "isotonic" or "platt"`);
  const int = (k: string): number => {
    const v = o[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) bad(`${k} must be a positive integer`);
    return v as number;
  };
  const topK = int("topK"), rankBins = int("rankBins");
  const maps = o.maps;
  if (!Array.isArray(maps) || maps.length !== rankBins) return bad(`maps must be an array of ${rankBins} maps`);
  const nums = (v: unknown): v is number[] => Array.isArray(v) && v.every((z) => typeof z === "number" && Number.isFinite(z));
  for (const m of maps as unknown[]) {
    const r = (m ?? {}) as Record<string, unknown>;
    if (o.method === "platt") {
      if (typeof r.a !== "number" || typeof r.b !== "number" || !Number.isFinite(r.a) || !Number.isFinite(r.b)) bad("platt map needs finite a and b");
    } else {
      if (!nums(r.x) || !nums(r.y) || r.x.length !== r.y.length || r.x.length === 0) bad("isotonic map needs equal-length non-empty x and y");
      const x = r.x as number[], y = r.y as number[];
      for (let k = 1; k < x.length; k++) if (!(x[k] > x[k - 1]) || y[k] < y[k - 1]) bad("isotonic map must be increasing");
    }
  }
  const pairs = Array.isArray(o.pairs) ? (o.pairs as number[]) : new Array<number>(rankBins).fill(0);
  const pooled = Array.isArray(o.pooled) ? (o.pooled as boolean[]) : new Array<boolean>(rankBins).fill(false);
  return { method: o.method, topK, rankBins, pairs, pooled, maps } as Calibrator;
}

// ---------------------------------------------------------------------------
// Expected calibration error

/** One equal-width probability bin of a reliability diagram. */
export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability in the bin (0 when empty). */
  meanProb: number;
  /** Fraction of positives in the bin (0 when empty). */
  fracPositive: number;
}

/**
 * Expected calibration error over `nBins` equal-width bins of [0, 1] (bin b holds
 * probabilities in [b/nBins, (b+1)/nBins), the last bin also holds 1):
 * ECE = Σ_b count_b / N · |fracPositive_b − meanProb_b|. All bins are returned,
 * empty ones with count 0. N = 0 gives ECE 0.
 *
 * @throws XmcError when a probability is outside [0, 1] or NaN, or lengths differ.
 */
export function expectedCalibrationError(
  probs: Float64Array,
  targets: Uint8Array,
  nBins = 10,
): { ece: number; bins: CalibrationBin[] } {
  if (!Number.isInteger(nBins) || nBins < 1) throw new XmcError(`expectedCalibrationError: nBins must be a positive integer, got ${nBins}`);
  const n = probs.length;
  if (targets.length !== n) throw new XmcError(`expectedCalibrationError: ${n} probabilities but ${targets.length} targets`);
  const cnt = new Float64Array(nBins), sp = new Float64Array(nBins), st = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) throw new XmcError(`expectedCalibrationError: probability ${p} at index ${i} is outside [0, 1]`);
    const b = Math.min(nBins - 1, Math.floor(p * nBins));
    cnt[b]++;
    sp[b] += p;
    st[b] += targets[i] ? 1 : 0;
  }
  let ece = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const c = cnt[b];
    const meanProb = c > 0 ? sp[b] / c : 0, fracPositive = c > 0 ? st[b] / c : 0;
    if (c > 0) ece += (c / n) * Math.abs(fracPositive - meanProb);
    bins.push({ lo: b / nBins, hi: (b + 1) / nBins, count: c, meanProb, fracPositive });
  }
  return { ece, bins };
}

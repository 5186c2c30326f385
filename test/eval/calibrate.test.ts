import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import type { Prediction } from "../../src/eval/metrics.js";
import {
  applyIsotonic,
  applyPlatt,
  calibrate,
  calibrationPairs,
  expectedCalibrationError,
  fitCalibrator,
  fitIsotonic,
  fitPlatt,
  parseCalibrator,
  rankBin,
} from "../../src/eval/calibrate.js";
import { reliabilitySvg } from "../../src/eval/reliability.js";

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);
const F = (...v: number[]): Float64Array => Float64Array.from(v);

/** Seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------
// Isotonic regression

test("fitIsotonic equals the hand-computed PAV answer", () => {
  // targets 1 0 0 1 0 1 at scores 1..6:
  //   {1}=1, +{2} violates → {1,2}=.5, +{3} violates → {1,2,3}=1/3,
  //   {4}=1, +{5} violates → {4,5}=.5, {6}=1
  // centres: 2, 4.5, 6
  const m = fitIsotonic(F(1, 2, 3, 4, 5, 6), Uint8Array.of(1, 0, 0, 1, 0, 1));
  assert.deepEqual(Array.from(m.x), [2, 4.5, 6]);
  assert.equal(m.y.length, 3);
  close(m.y[0], 1 / 3);
  close(m.y[1], 0.5);
  close(m.y[2], 1);
  // unsorted input gives the same map
  const u = fitIsotonic(F(6, 3, 1, 5, 2, 4), Uint8Array.of(1, 0, 1, 0, 0, 1));
  assert.deepEqual(Array.from(u.x), Array.from(m.x));
  assert.deepEqual(Array.from(u.y), Array.from(m.y));
});

test("fitIsotonic: ties pooled first, weights, equal means merged", () => {
  const t = fitIsotonic(F(1, 1, 2), Uint8Array.of(1, 0, 1));
  assert.deepEqual(Array.from(t.x), [1, 2]);
  assert.deepEqual(Array.from(t.y), [0.5, 1]);
  // weights 3 and 1 on a violating pair: one block, y = 3/4, centre (3·1 + 1·2)/4
  const w = fitIsotonic(F(1, 2), F(1, 0), F(3, 1));
  assert.deepEqual(Array.from(w.x), [1.25]);
  assert.deepEqual(Array.from(w.y), [0.75]);
  // equal neighbouring means are merged: strictly increasing y
  const e = fitIsotonic(F(1, 2, 3), F(0.5, 0.5, 0.7));
  assert.deepEqual(Array.from(e.x), [1.5, 3]);
  // zero weights ignored
  const z = fitIsotonic(F(1, 2, 3), F(1, 0, 1), F(0, 1, 1));
  assert.deepEqual(Array.from(z.x), [2, 3]);
  assert.throws(() => fitIsotonic(F(1), F(1), F(0)), XmcError);
  assert.throws(() => fitIsotonic(F(1, 2), F(1)), XmcError);
  assert.throws(() => fitIsotonic(F(1), F(1), F(-1)), XmcError);
  // JSON round trip via Array.from
  const j = JSON.parse(JSON.stringify({ x: Array.from(t.x), y: Array.from(t.y) })) as { x: number[]; y: number[] };
  assert.equal(applyIsotonic(j, 1.5), applyIsotonic(t, 1.5));
});

test("fitIsotonic on random data: monotone, in range; applyIsotonic monotone and interpolating", () => {
  const r = rng(7);
  const n = 2000;
  const s = new Float64Array(n), y = new Uint8Array(n), w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    s[i] = Math.round(r() * 200) / 200;
    y[i] = r() < s[i] * s[i] ? 1 : 0;
    w[i] = 0.5 + r();
    sum += w[i] * y[i];
  }
  const m = fitIsotonic(s, y, w);
  for (let k = 1; k < m.x.length; k++) {
    assert.ok(m.x[k] > m.x[k - 1]);
    assert.ok(m.y[k] > m.y[k - 1]);
  }
  assert.ok(m.y[0] >= 0 && m.y[m.y.length - 1] <= 1);
  // weighted mean target lies within the fitted range
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  assert.ok(sum / total >= m.y[0] && sum / total <= m.y[m.y.length - 1]);
  let prev = -Infinity;
  for (let q = -0.1; q <= 1.1; q += 0.001) {
    const v = applyIsotonic(m, q);
    assert.ok(v >= prev - 1e-15, `not monotone at ${q}`);
    prev = v;
  }
  // breakpoints are reproduced exactly; clamped outside
  for (let k = 0; k < m.x.length; k++) close(applyIsotonic(m, m.x[k]), m.y[k]);
  assert.equal(applyIsotonic(m, -5), m.y[0]);
  assert.equal(applyIsotonic(m, 5), m.y[m.y.length - 1]);
});

test("fitIsotonic matches a naive PAV reference on random weighted data", () => {
  const r = rng(21);
  for (let rep = 0; rep < 20; rep++) {
    const n = 60;
    const s = new Float64Array(n), y = new Float64Array(n), w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = Math.floor(r() * 30);
      y[i] = r() < s[i] / 30 ? 1 : r() * 0.5;
      w[i] = 0.1 + r();
    }
    // naive reference: blocks of distinct scores, repeatedly merge the first adjacent violation
    const xs = [...new Set(s)].sort((a, b) => a - b);
    let blocks = xs.map((x) => {
      let sw = 0, sy = 0, sx = 0;
      for (let i = 0; i < n; i++) if (s[i] === x) { sw += w[i]; sy += w[i] * y[i]; sx += w[i] * s[i]; }
      return { sw, sy, sx };
    });
    for (;;) {
      const k = blocks.findIndex((b, j) => j > 0 && blocks[j - 1].sy / blocks[j - 1].sw >= b.sy / b.sw);
      if (k < 0) break;
      const a = blocks[k - 1], b = blocks[k];
      blocks = [...blocks.slice(0, k - 1), { sw: a.sw + b.sw, sy: a.sy + b.sy, sx: a.sx + b.sx }, ...blocks.slice(k + 1)];
    }
    const m = fitIsotonic(s, y, w);
    assert.equal(m.x.length, blocks.length);
    blocks.forEach((b, j) => {
      close(m.x[j], b.sx / b.sw, 1e-9);
      close(m.y[j], b.sy / b.sw, 1e-9);
    });
  }
});

test("applyIsotonic interpolates linearly between block centres", () => {
  const m = fitIsotonic(F(1, 2, 3, 4, 5, 6), Uint8Array.of(1, 0, 0, 1, 0, 1));
  close(applyIsotonic(m, 3), 1 / 3 + 0.4 * (0.5 - 1 / 3));
  close(applyIsotonic(m, 5.25), 0.75);
  close(applyIsotonic(m, 0), 1 / 3);
  close(applyIsotonic(m, 7), 1);
  assert.ok(Number.isNaN(applyIsotonic(m, NaN)));
  assert.throws(() => applyIsotonic({ x: [], y: [] }, 1), XmcError);
});

// ---------------------------------------------------------------------------
// Platt

test("fitPlatt: probability increases with the score and recovers a known sigmoid", () => {
  const r = rng(3);
  const n = 20000;
  const s = new Float64Array(n), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = r();
    y[i] = r() < 1 / (1 + Math.exp(-8 * s[i] + 4)) ? 1 : 0; // a = -8, b = 4
  }
  const m = fitPlatt(s, y);
  assert.ok(m.a < 0);
  assert.ok(Math.abs(m.a + 8) < 0.6, `a = ${m.a}`);
  assert.ok(Math.abs(m.b - 4) < 0.35, `b = ${m.b}`);
  assert.ok(applyPlatt(m, 0.9) > applyPlatt(m, 0.5) && applyPlatt(m, 0.5) > applyPlatt(m, 0.1));
});

test("fitPlatt on separable data stays finite thanks to target smoothing", () => {
  const s = F(0.1, 0.2, 0.25, 0.3, 0.6, 0.7, 0.8, 0.9);
  const y = Uint8Array.of(0, 0, 0, 0, 1, 1, 1, 1);
  const m = fitPlatt(s, y);
  assert.ok(Number.isFinite(m.a) && Number.isFinite(m.b));
  assert.ok(m.a < 0);
  for (let i = 1; i < s.length; i++) assert.ok(applyPlatt(m, s[i]) > applyPlatt(m, s[i - 1]));
  // smoothed targets: the top probability stays below 1 and the bottom above 0 by a margin
  assert.ok(applyPlatt(m, 0.9) < 0.99 && applyPlatt(m, 0.1) > 0.01);
  assert.ok(applyPlatt({ a: -1e6, b: 0 }, 1) === 1 && applyPlatt({ a: 1e6, b: 0 }, 1) === 0);
  assert.throws(() => fitPlatt(F(), new Uint8Array(0)), XmcError);
});

// ---------------------------------------------------------------------------
// Pairs, per-rank-bin calibrator

function P(...e: [number, number][]): Prediction {
  return { labels: Int32Array.from(e.map((x) => x[0])), scores: Float32Array.from(e.map((x) => x[1])) };
}

test("calibrationPairs: top-K pairs with relevance targets and ranks", () => {
  const truth = csrFromRows(4, [[0, 2], [3]]);
  const pred = [P([2, 0.9], [1, 0.5], [0, 0.4]), P([3, 0.7], [3, 0.6], [0, 0.2])];
  const c = calibrationPairs(pred, truth, 2);
  assert.deepEqual(Array.from(c.scores), [0.9, 0.5, 0.7].map(Math.fround));
  assert.deepEqual(Array.from(c.targets), [1, 0, 1]);
  assert.deepEqual(Array.from(c.rank), [0, 1, 0]); // the duplicate of label 3 is dropped
  assert.throws(() => calibrationPairs(pred, truth, 0), XmcError);
});

test("rankBin is log2-spaced with an open last bin", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 6, 7, 100].map((r) => rankBin(r, 4)), [0, 1, 1, 2, 2, 2, 3, 3]);
  assert.deepEqual([0, 5].map((r) => rankBin(r, 1)), [0, 0]);
});

/** Synthetic validation/test data: P(relevant) = score^2 at rank 1 and score^3 below. */
function synth(seed: number, n: number, L = 50, k = 5): { pred: Prediction[]; truth: ReturnType<typeof csrFromRows> } {
  const r = rng(seed);
  const pred: Prediction[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const sc = Array.from({ length: k }, () => r()).sort((a, b) => b - a);
    const labels: number[] = [];
    while (labels.length < k) {
      const l = Math.floor(r() * L);
      if (!labels.includes(l)) labels.push(l);
    }
    const row: number[] = [];
    sc.forEach((s, q) => {
      if (r() < (q === 0 ? s * s : s * s * s)) row.push(labels[q]);
    });
    rows.push(row);
    pred.push({ labels: Int32Array.from(labels), scores: Float32Array.from(sc) });
  }
  return { pred, truth: csrFromRows(L, rows) };
}

test("fitCalibrator + calibrate: monotone within a rank bin, re-sorted, JSON round trip", () => {
  const { pred, truth } = synth(11, 1500);
  for (const method of ["isotonic", "platt"] as const) {
    const c = fitCalibrator(pred, truth, { method, topK: 5, rankBins: 3, minBinPairs: 100 });
    assert.equal(c.method, method);
    assert.equal(c.maps.length, 3);
    assert.deepEqual(c.pooled, [false, false, false]);
    assert.equal(c.pairs.reduce((a, b) => a + b, 0), 5 * 1500);
    const out = calibrate(c, pred);
    // collect (input score, output probability) per rank bin of the input position
    const byBin: [number, number][][] = [[], [], []];
    pred.forEach((p, i) => {
      const o = out[i];
      assert.equal(o.labels.length, p.labels.length);
      for (let q = 1; q < o.scores.length; q++) assert.ok(o.scores[q] <= o.scores[q - 1], "not sorted");
      for (let r = 0; r < p.labels.length; r++) {
        const at = o.labels.indexOf(p.labels[r]);
        const pr = o.scores[at];
        assert.ok(pr >= 0 && pr <= 1);
        byBin[rankBin(r, 3)].push([p.scores[r], pr]);
      }
    });
    for (const pts of byBin) {
      pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (let q = 1; q < pts.length; q++) assert.ok(pts[q][1] >= pts[q - 1][1], `${method}: not monotone in a rank bin`);
    }
    // serialisable: the parsed JSON calibrates identically
    const back = parseCalibrator(JSON.parse(JSON.stringify(c)));
    const out2 = calibrate(back, pred.slice(0, 50));
    out2.forEach((o, i) => {
      assert.deepEqual(Array.from(o.labels), Array.from(out[i].labels));
      assert.deepEqual(Array.from(o.scores), Array.from(out[i].scores));
    });
  }
});

test("calibrate: stable re-sort on ties, lists longer than topK use the last bin", () => {
  const c = parseCalibrator({ method: "isotonic", topK: 2, rankBins: 2, maps: [{ x: [0, 1], y: [0, 0.5] }, { x: [0, 1], y: [0, 1] }] });
  const [o] = calibrate(c, [P([7, 0.8], [3, 0.4], [5, 0.4], [9, 0.2])]);
  // rank 1 → .4; ranks 2..4 (bin 1) → .4, .4, .2: ties keep the input order
  assert.deepEqual(Array.from(o.labels), [7, 3, 5, 9]);
  assert.deepEqual(Array.from(o.scores), [0.4, 0.4, 0.4, 0.2].map(Math.fround));
  const [o2] = calibrate(c, [P([7, 0.5], [3, 0.45])]); // .25 vs .45 → swapped
  assert.deepEqual(Array.from(o2.labels), [3, 7]);
});

test("fitCalibrator: small or one-class rank bins use the pooled map; option checks", () => {
  const { pred, truth } = synth(5, 100);
  const c = fitCalibrator(pred, truth, { rankBins: 4, minBinPairs: 150 });
  // bins hold 100, 200, 200 and 0 pairs (ranks 1 | 2–3 | 4–5 | 8+)
  assert.deepEqual(c.pairs, [100, 200, 200, 0]);
  assert.deepEqual(c.pooled, [true, false, false, true]);
  assert.deepEqual(c.maps[0], c.maps[3]);
  assert.throws(() => fitCalibrator(pred, truth, { method: "beta" as "platt" }), XmcError);
  assert.throws(() => fitCalibrator(pred, truth, { topK: 0 }), XmcError);
  assert.throws(() => parseCalibrator({ method: "isotonic", topK: 1, rankBins: 1, maps: [{ x: [1, 0], y: [0, 1] }] }), XmcError);
  assert.throws(() => parseCalibrator({ method: "platt", topK: 1, rankBins: 2, maps: [{ a: 1, b: 0 }] }), XmcError);
});

// ---------------------------------------------------------------------------
// ECE and the reliability diagram

test("expectedCalibrationError: hand-checked bins", () => {
  const { ece, bins } = expectedCalibrationError(F(0.05, 0.15, 0.15, 1), Uint8Array.of(0, 1, 0, 1), 10);
  assert.equal(bins.length, 10);
  assert.deepEqual(bins[0], { lo: 0, hi: 0.1, count: 1, meanProb: 0.05, fracPositive: 0 });
  assert.equal(bins[1].count, 2);
  close(bins[1].meanProb, 0.15);
  assert.equal(bins[1].fracPositive, 0.5);
  assert.equal(bins[9].count, 1); // p = 1 falls in the last bin
  assert.equal(bins[5].count, 0);
  close(ece, 0.25 * 0.05 + 0.5 * 0.35, 1e-12);
  assert.equal(expectedCalibrationError(F(), new Uint8Array(0)).ece, 0);
  assert.throws(() => expectedCalibrationError(F(1.5), Uint8Array.of(1)), XmcError);
  assert.throws(() => expectedCalibrationError(F(NaN), Uint8Array.of(1)), XmcError);
});

test("expectedCalibrationError: small for calibrated data, large for miscalibrated", () => {
  const r = rng(42);
  const n = 20000;
  const p = new Float64Array(n), y = new Uint8Array(n), yBad = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = r();
    y[i] = r() < p[i] ? 1 : 0;
    yBad[i] = r() < p[i] / 3 ? 1 : 0; // over-confident by a factor 3
  }
  assert.ok(expectedCalibrationError(p, y).ece < 0.02);
  assert.ok(expectedCalibrationError(p, yBad).ece > 0.25);
});

test("calibration lowers held-out ECE of miscalibrated scores", () => {
  const val = synth(1, 4000), tst = synth(2, 4000);
  const raw = calibrationPairs(tst.pred, tst.truth, 5);
  const before = expectedCalibrationError(raw.scores, raw.targets).ece;
  for (const method of ["isotonic", "platt"] as const) {
    const c = fitCalibrator(val.pred, val.truth, { method });
    const cal = calibrationPairs(calibrate(c, tst.pred), tst.truth, 5);
    const after = expectedCalibrationError(cal.scores, cal.targets).ece;
    assert.ok(before > 0.15, `before ${before}`);
    assert.ok(after < 0.03, `${method}: after ${after}`);
  }
});

test("reliabilitySvg: well-formed, one element per bin, ECE in the title, escaped", () => {
  const r = rng(9);
  const n = 5000;
  const p = new Float64Array(n), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = r() * r();
    y[i] = r() < p[i] * 1.3 ? 1 : 0;
  }
  const { ece, bins } = expectedCalibrationError(p, y, 12);
  const svg = reliabilitySvg(bins, { title: "Tree <XR> & co" });
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.equal(svg.match(/<g class="bin"/g)?.length, 12);
  assert.ok(svg.includes(`ECE = ${ece.toFixed(4)}`));
  assert.ok(svg.includes("Tree &lt;XR&gt; &amp; co"));
  assert.ok(!/NaN|undefined|Infinity/.test(svg));
  // tags balance: every opened <g>/<svg> is closed
  assert.equal((svg.match(/<g[ >]/g) ?? []).length, (svg.match(/<\/g>/g) ?? []).length);
  assert.equal((svg.match(/<svg[ >]/g) ?? []).length, 1);
  // empty bins still get their element
  const empty = expectedCalibrationError(F(0.05, 0.95), Uint8Array.of(0, 1), 10).bins;
  assert.equal(reliabilitySvg(empty).match(/<g class="bin"/g)?.length, 10);
  assert.equal(reliabilitySvg([]).match(/<g class="bin"/g), null);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { setMetrics, type Prediction } from "../../src/eval/metrics.js";
import { applyThreshold, nextUpFloat32, tuneGlobalThreshold, tunePerLabelThresholds } from "../../src/eval/thresholds.js";

const f = Math.fround;

/** A prediction from [label, score] pairs (given in ranked order). */
function P(...e: [number, number][]): Prediction {
  return { labels: Int32Array.from(e.map((x) => x[0])), scores: Float32Array.from(e.map((x) => x[1])) };
}

/** micro-F1 (percent) of predictions thresholded at t. */
function microAt(pred: Prediction[], truth: ReturnType<typeof csrFromRows>, t: number | Float32Array): number {
  return setMetrics(applyThreshold(pred, t).map((p) => p.labels), truth).microF1;
}

// ---------------------------------------------------------------------------
// Hand-checked toy: 5 labels, 4 validation points.
//
//   q0 truth {0,1}  pred 0:.9  2:.7  1:.3
//   q1 truth {1,3}  pred 1:.8  2:.6  0:.5
//   q2 truth {0,3}  pred 1:.4  2:.35          (label 0 never retrieved here)
//   q3 truth {2}    pred 2:.2  0:.1
//
// Global (7 positives; F1 = 2TP/(TP+FP+7)), scores top-down:
//   .9+ → 2/8   .8+ → 4/9   .7− .6− .5− .4− .35− → 4/10 … 4/14
//   .3+ → 6/15  .2+ → 8/16 = .5 (best)   .1− → 8/17
// Per label (F1 = 2TP/(TP+FP+n)):
//   l0 n=2: .9+ → 2/3 (best), .5− → 2/4, .1− → 2/5        → t = .9
//   l1 n=2: .8+ → 2/3, .4− → 2/4, .3+ → 4/5 (best)        → t = .3
//   l2 n=1: rare (minSupport 2)                            → fallback
//   l3 n=2: never predicted                                → fallback
//   l4 n=0: never predicted                                → fallback
const truth = csrFromRows(5, [[0, 1], [1, 3], [0, 3], [2]]);
const pred = [P([0, 0.9], [2, 0.7], [1, 0.3]), P([1, 0.8], [2, 0.6], [0, 0.5]), P([1, 0.4], [2, 0.35]), P([2, 0.2], [0, 0.1])];

test("tuneGlobalThreshold: hand-checked toy", () => {
  const t = tuneGlobalThreshold(pred, truth);
  assert.equal(t, f(0.2));
  assert.ok(Math.abs(microAt(pred, truth, t) - 50) < 1e-9);
});

test("tuneGlobalThreshold: maximises setMetrics micro-F1 over every candidate", () => {
  const best = microAt(pred, truth, tuneGlobalThreshold(pred, truth));
  for (const p of pred) for (const s of p.scores) assert.ok(microAt(pred, truth, s) <= best + 1e-9);
});

test("tuneGlobalThreshold: ties go to the highest threshold", () => {
  // 4 positives: .9+ → 2/5, .8+ → 4/6, .7− .6− → 4/7 4/8, .5+ → 6/9 (= 4/6), .4− → 6/10
  const tr = csrFromRows(4, [[0], [1], [0, 3]]);
  const pr = [P([0, 0.9], [2, 0.7]), P([1, 0.8], [2, 0.6]), P([0, 0.5], [1, 0.4])];
  assert.equal(tuneGlobalThreshold(pr, tr), f(0.8));
  assert.ok(Math.abs(microAt(pr, tr, f(0.8)) - microAt(pr, tr, f(0.5))) < 1e-9);
});

test("tuneGlobalThreshold: nothing relevant retrieved → just above the top score", () => {
  const tr = csrFromRows(2, [[1]]);
  const pr = [P([0, 0.5])];
  const t = tuneGlobalThreshold(pr, tr);
  assert.equal(t, nextUpFloat32(0.5));
  assert.ok(t > f(0.5));
  assert.equal(applyThreshold(pr, t)[0].labels.length, 0);
  assert.throws(() => tuneGlobalThreshold([P()], csrFromRows(2, [[1]])), XmcError);
});

test("tunePerLabelThresholds: own optimum, rare-label and never-predicted fallbacks", () => {
  const t = tunePerLabelThresholds(pred, truth, { minSupport: 2, shrinkage: 0 });
  assert.equal(t.length, 5);
  assert.deepEqual(Array.from(t), [f(0.9), f(0.3), f(0.2), f(0.2), f(0.2)]);

  // explicit fallback for rare (l2) and never-predicted (l3 with support, l4 without) labels
  const t2 = tunePerLabelThresholds(pred, truth, { minSupport: 2, shrinkage: 0, fallback: 0.65 });
  assert.deepEqual(Array.from(t2), [f(0.9), f(0.3), f(0.65), f(0.65), f(0.65)]);

  // default minSupport 5: every label is rare here
  assert.deepEqual(Array.from(tunePerLabelThresholds(pred, truth)), [f(0.2), f(0.2), f(0.2), f(0.2), f(0.2)]);
});

test("tunePerLabelThresholds: shrinkage toward the fallback with weight n/(n+k)", () => {
  // default k = minSupport = 2, n = 2 → w = 1/2
  const t = tunePerLabelThresholds(pred, truth, { minSupport: 2 });
  assert.equal(t[0], f(0.5 * f(0.9) + 0.5 * f(0.2)));
  assert.equal(t[1], f(0.5 * f(0.3) + 0.5 * f(0.2)));
  assert.equal(t[2], f(0.2));
  // k = 6 → w = 1/4
  const t6 = tunePerLabelThresholds(pred, truth, { minSupport: 2, shrinkage: 6 });
  assert.equal(t6[0], f(0.25 * f(0.9) + 0.75 * f(0.2)));
});

test("tunePerLabelThresholds: per-label thresholds beat the global one on the validation split", () => {
  const g = tuneGlobalThreshold(pred, truth);
  const t = tunePerLabelThresholds(pred, truth, { minSupport: 2, shrinkage: 0 });
  const sets = (th: number | Float32Array) => setMetrics(applyThreshold(pred, th).map((p) => p.labels), truth);
  assert.ok(sets(t).macroF1 >= sets(g).macroF1);
});

test("tunePerLabelThresholds: a label with support but no retrieved positive is switched off", () => {
  const tr = csrFromRows(2, [[1], [0]]);
  const pr = [P([0, 0.5]), P([1, 0.3])];
  // l0: n = 1, retrieved only as a negative (.5−) → just above .5; l1: n = 1, only .3− → just above .3
  const t = tunePerLabelThresholds(pr, tr, { minSupport: 1, shrinkage: 0, fallback: 0 });
  assert.equal(t[0], nextUpFloat32(0.5));
  assert.equal(t[1], nextUpFloat32(0.3));
  assert.deepEqual(applyThreshold(pr, t).map((p) => p.labels.length), [0, 0]);
});

test("tunePerLabelThresholds: duplicates in a list count once, at their best score", () => {
  const tr = csrFromRows(1, [[0], [0]]);
  const pr = [P([0, 0.9], [0, 0.2]), P([0, 0.4])];
  const t = tunePerLabelThresholds(pr, tr, { minSupport: 0, shrinkage: 0 });
  assert.equal(t[0], f(0.4)); // .9+ → 2/3, .4+ → 1
});

test("tunePerLabelThresholds: option and input checks", () => {
  assert.throws(() => tunePerLabelThresholds(pred, truth, { minSupport: -1 }), XmcError);
  assert.throws(() => tunePerLabelThresholds(pred, truth, { shrinkage: -1 }), XmcError);
  assert.throws(() => tunePerLabelThresholds(pred.slice(1), truth), XmcError);
  assert.throws(() => tunePerLabelThresholds([P([7, 0.5]), ...pred.slice(1)], truth), XmcError);
  assert.throws(() => tunePerLabelThresholds([{ labels: Int32Array.of(0), scores: new Float32Array(0) }, ...pred.slice(1)], truth), XmcError);
});

test("applyThreshold keeps order, global and per label", () => {
  const p = P([3, 0.9], [1, 0.8], [4, 0.5], [0, 0.4], [2, 0.1]);
  const g = applyThreshold([p], 0.45)[0];
  assert.deepEqual(Array.from(g.labels), [3, 1, 4]);
  assert.deepEqual(Array.from(g.scores), [f(0.9), f(0.8), f(0.5)]);
  const thr = Float32Array.of(0.3, 0.75, 0.0, 0.95, 0.5);
  const l = applyThreshold([p], thr)[0];
  assert.deepEqual(Array.from(l.labels), [1, 4, 0, 2]);
  assert.deepEqual(Array.from(l.scores), [f(0.8), f(0.5), f(0.4), f(0.1)]);
  // nothing removed → same object
  assert.equal(applyThreshold([p], 0)[0], p);
  // score == threshold is kept
  assert.deepEqual(Array.from(applyThreshold([p], f(0.5))[0].labels), [3, 1, 4]);
});

test("applyThreshold: labels beyond a per-label array need a fallback", () => {
  const p = P([5, 0.9], [0, 0.4]);
  assert.throws(() => applyThreshold([p], Float32Array.of(0.3)), XmcError);
  assert.deepEqual(Array.from(applyThreshold([p], Float32Array.of(0.3), { fallback: 0.95 })[0].labels), [0]);
  assert.deepEqual(Array.from(applyThreshold([p], Float32Array.of(0.5), { fallback: 0.5 })[0].labels), [5]);
  assert.throws(() => applyThreshold([p], NaN), XmcError);
  assert.throws(() => applyThreshold([{ labels: Int32Array.of(1), scores: new Float32Array(0) }], 0.5), XmcError);
});

test("tuned global threshold on random data matches a brute-force search", () => {
  let a = 12345;
  const rnd = (): number => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  const L = 30, N = 200;
  const rows: number[][] = [];
  const pr: Prediction[] = [];
  for (let i = 0; i < N; i++) {
    const tr = new Set<number>();
    for (let k = 0; k < 3; k++) if (rnd() < 0.6) tr.add(Math.floor(rnd() * L));
    rows.push([...tr]);
    const cand = new Set<number>([...tr].filter(() => rnd() < 0.7));
    while (cand.size < 6) cand.add(Math.floor(rnd() * L));
    const e = [...cand].map((l) => [l, Math.round((tr.has(l) ? 0.3 + 0.7 * rnd() : rnd() * 0.8) * 50) / 50] as [number, number]);
    e.sort((x, y) => y[1] - x[1]);
    pr.push(P(...e));
  }
  const tr = csrFromRows(L, rows);
  const t = tuneGlobalThreshold(pr, tr);
  let best = -1, bestT = NaN;
  const cands = [...new Set(pr.flatMap((p) => Array.from(p.scores)))].sort((x, y) => y - x);
  for (const c of cands) {
    const m = microAt(pr, tr, c);
    if (m > best + 1e-12) {
      best = m;
      bestT = c;
    }
  }
  assert.equal(t, bestT);
  // per-label thresholds never lower the validation macro-F1 below the global threshold's (no shrinkage)
  const pl = tunePerLabelThresholds(pr, tr, { minSupport: 0, shrinkage: 0 });
  const macro = (th: number | Float32Array) => setMetrics(applyThreshold(pr, th).map((p) => p.labels), tr).macroF1;
  assert.ok(macro(pl) >= macro(t) - 1e-9);
});

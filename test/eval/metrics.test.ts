import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows, type Csr } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { evaluate, filterPredictions, setMetrics, type Prediction } from "../../src/eval/metrics.js";
import { inversePropensity } from "../../src/eval/propensity.js";

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

/** Ranked prediction from a label list (scores strictly decreasing). */
function rank(labels: number[]): Prediction {
  return { labels: Int32Array.from(labels), scores: Float32Array.from(labels.map((_, r) => 1 - r / 100)) };
}

/** Seeded PRNG (mulberry32) so random tests are reproducible. */
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
// Hand-checked example.
//
// Propensities: N = e² training points, A = 1, B = 1, so C = (ln N − 1)(B+1)^A = 2
// and ip_l = 1 + 2/(N_l + 1). Training counts [1, 3, 0, 7, 1] over 6 labels:
//   ip = [2, 1.5, 3, 1.25, 2, 3]; label 2 (count 0) and label 5 (beyond the
//   count array) are unseen in training and get 1 + C·B^−A = 3.
//
// Discounts d_r = 1/log2(r+1): d1 = 1, d2 = 1/log2 3, d3 = 1/2, d4 = 1/log2 5, d5 = 1/log2 6.
//
// pt0: y = {0,2}    pred [2,1,0,4,3]  hits at r=1 (label 2, ip 3), r=3 (label 0, ip 2)
//      hits@1,3,5 = 1,2,2   DCG = 1, 1+d3, 1+d3   Z = 1, 1+d2, 1+d2
//      ps = 3,5,5   psdcg = 3, 3+2·d3 = 4, 4     ideal ips [3,2]: idPs = 3,5,5; idPsdcg = 3, 3+2d2, 3+2d2
// pt1: y = {1,3,5}  pred [3,4] (shorter than k)  hit at r=1 (label 3, ip 1.25)
//      hits = 1,1,1   DCG = 1,1,1   Z = 1, 1+d2+d3, 1+d2+d3
//      ps = psdcg = 1.25 at every k   ideal ips [3,1.5,1.25]: idPs = 3, 5.75, 5.75;
//      idPsdcg = 3, 3+1.5d2+1.25d3 = 3.625+1.5d2, same
// pt2: y = {}       pred [0,1,2]  contributes 0 everywhere (n still counts it)
// pt3: y = {4}      pred [1,4,0,2,5]  hit at r=2 (label 4, ip 2)
//      hits = 0,1,1   DCG = 0, d2, d2   Z = 1,1,1   ps = 0,2,2   psdcg = 0, 2d2, 2d2
//      ideal [2]: idPs = 2,2,2; idPsdcg = 2,2,2
// ---------------------------------------------------------------------------
const d2 = 1 / Math.log2(3), d4 = 1 / Math.log2(5), d5 = 1 / Math.log2(6);
const handTruth = csrFromRows(6, [[0, 2], [1, 3, 5], [], [4]]);
const handPred = [rank([2, 1, 0, 4, 3]), rank([3, 4]), rank([0, 1, 2]), rank([1, 4, 0, 2, 5])];
const handIp = inversePropensity([1, 3, 0, 7, 1], Math.exp(2), 1, 1, 6);

test("hand example: inverse propensities incl. unseen labels", () => {
  const want = [2, 1.5, 3, 1.25, 2, 3];
  for (let l = 0; l < 6; l++) close(handIp[l], want[l]);
});

test("hand example: P, R, nDCG", () => {
  const m = evaluate(handPred, handTruth, { ks: [1, 3, 5], invProp: handIp });
  assert.equal(m.n, 4);
  close(m["P@1"], 100 * (1 + 1 + 0 + 0) / 4); // 50
  close(m["P@3"], 100 * (2 / 3 + 1 / 3 + 0 + 1 / 3) / 4); // 33.33
  close(m["P@5"], 100 * (2 / 5 + 1 / 5 + 0 + 1 / 5) / 4); // 20
  close(m["R@1"], 100 * (1 / 2 + 1 / 3 + 0 + 0) / 4); // 20.83
  close(m["R@3"], 100 * (2 / 2 + 1 / 3 + 0 + 1 / 1) / 4); // 58.33
  close(m["R@5"], 100 * (2 / 2 + 1 / 3 + 0 + 1 / 1) / 4);
  close(m["nDCG@1"], 100 * (1 + 1 + 0 + 0) / 4); // 50
  const ndcg3 = (1.5 / (1 + d2) + 1 / (1.5 + d2) + 0 + d2) / 4;
  close(m["nDCG@3"], 100 * ndcg3);
  close(m["nDCG@5"], 100 * ndcg3); // no new hits, Z capped at |y|
});

test("hand example: normalised PSP, PSnDCG, PSR (ratio of sums)", () => {
  const m = evaluate(handPred, handTruth, { ks: [1, 3, 5], invProp: handIp });
  // PSP@1 = (3 + 1.25 + 0 + 0) / (3 + 3 + 0 + 2) = 4.25/8
  close(m["PSP@1"], 100 * 4.25 / 8);
  // PSP@3 = [(5 + 1.25 + 2)/3] / [(5 + 5.75 + 2)/3] = 8.25/12.75 = 11/17
  close(m["PSP@3"], 100 * 11 / 17);
  close(m["PSP@5"], 100 * 11 / 17); // same sums, 1/5 cancels
  // PSnDCG@1 = (3/1 + 1.25/1 + 0) / (3 + 3 + 2) = PSP@1
  close(m["PSnDCG@1"], 100 * 4.25 / 8);
  const num3 = 4 / (1 + d2) + 1.25 / (1.5 + d2) + 2 * d2;
  const den3 = (3 + 2 * d2) / (1 + d2) + (3.625 + 1.5 * d2) / (1.5 + d2) + 2;
  close(m["PSnDCG@3"], 100 * num3 / den3);
  close(m["PSnDCG@5"], 100 * num3 / den3);
  // PSR@1 = (3/2 + 1.25/3 + 0) / (3/2 + 3/3 + 2/1) = (23/12)/4.5 = 23/54
  close(m["PSR@1"], 100 * 23 / 54);
  // PSR@3 = (5/2 + 1.25/3 + 2/1) / (5/2 + 5.75/3 + 2/1) = (59/12)/(77/12) = 59/77
  close(m["PSR@3"], 100 * 59 / 77);
  close(m["PSR@5"], 100 * 59 / 77);
  // PS metrics never exceed 100 when normalised, and sit below P here.
  assert.ok(m["PSP@1"] <= 100 && m["PSnDCG@3"] <= 100);
});

test("hand example: unnormalised PS metrics (psNormalize: false)", () => {
  const m = evaluate(handPred, handTruth, { invProp: handIp, psNormalize: false });
  close(m["PSP@1"], 100 * 4.25 / 4); // mean of PSP_num@1 = 1.0625
  close(m["PSP@3"], 100 * (8.25 / 3) / 4); // 0.6875
  close(m["PSP@5"], 100 * (8.25 / 5) / 4); // 0.4125
  // PSnDCG@k = mean_i PSDCG@k(i) / Σ_{r=1..k} d_r
  close(m["PSnDCG@1"], 100 * (3 + 1.25) / 4);
  close(m["PSnDCG@3"], 100 * (4 + 1.25 + 2 * d2) / (4 * (1.5 + d2)));
  close(m["PSnDCG@5"], 100 * (4 + 1.25 + 2 * d2) / (4 * (1.5 + d2 + d4 + d5)));
  // PSR@k = mean_i Σ_hits ip / |y_i|
  close(m["PSR@1"], 100 * (23 / 12) / 4);
  close(m["PSR@3"], 100 * (59 / 12) / 4);
  // Non-PS metrics do not depend on the option.
  close(m["P@3"], 100 / 3);
});

test("report keys and order; no PS keys without invProp", () => {
  const m = evaluate(handPred, handTruth, { ks: [3, 1, 3] });
  assert.deepEqual(Object.keys(m), ["P@1", "P@3", "nDCG@1", "nDCG@3", "R@1", "R@3", "n"]);
  const m2 = evaluate(handPred, handTruth, { invProp: handIp });
  assert.deepEqual(Object.keys(m2), [
    "P@1", "P@3", "P@5", "nDCG@1", "nDCG@3", "nDCG@5", "PSP@1", "PSP@3", "PSP@5",
    "PSnDCG@1", "PSnDCG@3", "PSnDCG@5", "R@1", "R@3", "R@5", "PSR@1", "PSR@3", "PSR@5", "n",
  ]);
});

test("a label repeated in one list counts once; an empty list scores 0", () => {
  const truth = csrFromRows(3, [[0, 1], [2]]);
  const m = evaluate([rank([0, 0, 0]), { labels: new Int32Array(0), scores: new Float32Array(0) }], truth, { ks: [3] });
  close(m["P@3"], 100 * (1 / 3) / 2);
  close(m["R@3"], 100 * (1 / 2) / 2);
});

test("nDCG@1 == P@1 and PSnDCG@1 == PSP@1 on random data", () => {
  const r = rng(7);
  const L = 40, n = 200;
  const rows: number[][] = [];
  const preds: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    const y = new Set<number>();
    const ny = Math.floor(r() * 6); // includes empty rows
    while (y.size < ny) y.add(Math.floor(r() * L));
    rows.push([...y]);
    const p = new Set<number>();
    const np = Math.floor(r() * 8);
    while (p.size < np) p.add(Math.floor(r() * L));
    preds.push(rank([...p]));
  }
  const truth = csrFromRows(L, rows);
  const counts = Array.from({ length: L - 5 }, () => Math.floor(r() * 20));
  const ip = inversePropensity(counts, 500, 0.55, 1.5, L);
  const m = evaluate(preds, truth, { ks: [1, 2, 5], invProp: ip });
  close(m["nDCG@1"], m["P@1"]);
  close(m["PSnDCG@1"], m["PSP@1"]);
  assert.ok(m["P@1"] > 0);
  for (const k of [1, 2, 5]) {
    for (const key of ["P", "R", "nDCG", "PSP", "PSnDCG", "PSR"]) {
      const v = m[`${key}@${k}`];
      assert.ok(v >= 0 && v <= 100 + 1e-9, `${key}@${k} = ${v}`);
    }
  }
});

test("perfect prediction: P@1, nDCG@k and normalised PSP@k are 100 when k <= |y|", () => {
  const r = rng(11);
  const L = 30, n = 50;
  const counts = Array.from({ length: L }, () => Math.floor(r() * 10));
  const ip = inversePropensity(counts, 100);
  const rows: number[][] = [];
  const preds: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    const y = new Set<number>();
    const ny = 5 + Math.floor(r() * 4); // 5..8 labels, so k <= |y| for k <= 5
    while (y.size < ny) y.add(Math.floor(r() * L));
    const labels = [...y];
    rows.push(labels);
    // Ideal ranking: by descending inverse propensity, then some junk.
    const ranked = [...labels].sort((a, b) => ip[b] - ip[a]);
    preds.push(rank(ranked));
  }
  const m = evaluate(preds, csrFromRows(L, rows), { ks: [1, 3, 5], invProp: ip });
  for (const k of [1, 3, 5]) {
    close(m[`P@${k}`], 100);
    close(m[`nDCG@${k}`], 100);
    close(m[`PSP@${k}`], 100);
    close(m[`PSnDCG@${k}`], 100);
    close(m[`PSR@${k}`], 100);
  }
});

test("evaluate rejects malformed input", () => {
  const truth: Csr = csrFromRows(3, [[0], [1]]);
  assert.throws(() => evaluate([rank([0])], truth), XmcError); // count mismatch
  assert.throws(() => evaluate([rank([0]), rank([3])], truth), XmcError); // id >= cols
  assert.throws(() => evaluate([rank([0]), rank([-1])], truth), XmcError);
  const unsorted = { labels: Int32Array.from([0, 1]), scores: Float32Array.from([0.1, 0.9]) };
  assert.throws(() => evaluate([unsorted, rank([1])], truth), XmcError);
  assert.throws(() => evaluate([rank([0]), rank([1])], truth, { ks: [0] }), XmcError);
  assert.throws(() => evaluate([rank([0]), rank([1])], truth, { invProp: new Float64Array(2) }), XmcError);
});

test("evaluate on an empty test set or one with no labels gives zeros, not NaN", () => {
  const none = evaluate([], csrFromRows(3, []), { invProp: new Float64Array(3).fill(2) });
  assert.equal(none.n, 0);
  const noLab = evaluate([rank([0])], csrFromRows(3, [[]]), { invProp: new Float64Array(3).fill(2) });
  for (const [k, v] of Object.entries(noLab)) if (k !== "n") assert.equal(v, 0, k);
});

test("filterPredictions removes listed (row, label) pairs and keeps the ranking", () => {
  const preds = [rank([4, 1, 2]), rank([0, 3])];
  const out = filterPredictions(preds, [[0, 1], [0, 7]]);
  assert.deepEqual(Array.from(out[0].labels), [4, 2]);
  assert.equal(out[0].scores.length, 2);
  close(out[0].scores[1], preds[0].scores[2], 1e-7);
  assert.equal(out[1], preds[1]);
  assert.throws(() => filterPredictions(preds, [[2, 0]]), XmcError);
});

test("setMetrics on a toy case", () => {
  // truth: {0,1}, {2}, {}     pred: {0,3}, {2,2 (dup)}, {1}
  // pt0: TP label 0, FP label 3, FN label 1; pt1: TP label 2; pt2: FP label 1.
  // TP=2 FP=2 FN=1: microP = 2/4, microR = 2/3, microF1 = 4/(4+2+1) = 4/7.
  // per label F1: l0 = 1, l1 (fp1, fn1) = 0, l2 = 1, l3 (fp1) = 0; label 4 occurs nowhere -> excluded.
  const truth = csrFromRows(5, [[0, 1], [2], []]);
  const s = setMetrics([Int32Array.from([0, 3]), Int32Array.from([2, 2]), Int32Array.from([1])], truth, 5);
  close(s.microP, 50);
  close(s.microR, 200 / 3);
  close(s.microF1, 400 / 7);
  close(s.macroF1, 50);
  assert.equal(s.macroLabels, 4);
  assert.throws(() => setMetrics([Int32Array.from([5]), new Int32Array(0), new Int32Array(0)], truth, 5), XmcError);
  assert.throws(() => setMetrics([new Int32Array(0)], truth), XmcError);
});

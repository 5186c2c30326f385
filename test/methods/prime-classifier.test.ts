/**
 * PRIME's second stage and final ranking: the multi-positive softmax loss against a hand
 * computation, the cosine gradient against finite differences, frozen zero-shot rows, a
 * classifier that fixes bad prototypes, the fused score (classifier mix, training-query
 * neighbours) by hand, and the model's use of them (mix 1 = prototypes only, epochs 0 removes the
 * classifier, neighbours 0 at training keeps no queries, label spaces must match).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";
import { evaluate } from "../../src/eval/metrics.js";
import { exactTopK } from "../../src/retrieval/exact.js";
import { candidateLossGrad, classifierCandidates, rowNorm, softmaxCandidatesLoss, trainClassifier } from "../../src/methods/prime/classifier.js";
import { fuse, NEIGHBOUR_FLOOR } from "../../src/methods/prime/fuse.js";
import { PrimeModel } from "../../src/methods/prime/model.js";
import { readModelFile, writeModelFile } from "../../src/model/file.js";
import { PRIME_CLASSIFIER_SCHEMA, PRIME_PREDICT_SCHEMA } from "../../src/methods/prime/params.js";
import { defaults } from "../../src/core/params.js";

test("softmaxCandidatesLoss: hand example with two positives", () => {
  // scores 0.5, 0.2 (positives), 0.1, −0.1 at τ 0.1: logits 5, 2, 1, −1
  const s = Float32Array.of(0.5, 0.2, 0.1, -0.1), g = new Float32Array(4);
  const z = Math.exp(5) + Math.exp(2) + Math.exp(1) + Math.exp(-1);
  const p = [Math.exp(5) / z, Math.exp(2) / z, Math.exp(1) / z, Math.exp(-1) / z];
  const loss = softmaxCandidatesLoss(s, 2, 0.1, g);
  assert.ok(Math.abs(loss - (-(Math.log(p[0]) + Math.log(p[1])) / 2)) < 1e-5, `loss ${loss}`);
  const want = [(p[0] - 0.5) / 0.1, (p[1] - 0.5) / 0.1, p[2] / 0.1, p[3] / 0.1];
  want.forEach((w, j) => assert.ok(Math.abs(g[j] - w) < 1e-4, `grad ${j}: ${g[j]} vs ${w}`));
  // the gradient of a softmax loss sums to zero over the candidates
  assert.ok(Math.abs(g.reduce((a, b) => a + b, 0)) < 1e-4);
});

test("candidateLossGrad: cosine gradient matches finite differences; zero-shot rows get none", () => {
  const d = 5, L = 4, rng = new Rng(7);
  const W = Float32Array.from({ length: L * d }, () => rng.next() * 2 - 1);
  const q = Float32Array.from({ length: d }, () => rng.next() * 2 - 1);
  const ids = Int32Array.of(2, 0, 3, 1), counts = Int32Array.of(1, 0, 1, 1); // label 1 has no training data
  const lossAt = (w: Float32Array): number => {
    const norms = Float32Array.from({ length: L }, (_, l) => rowNorm(w, l, d));
    return candidateLossGrad(w, norms, d, q, ids, 1, 0.5, counts, new Float32Array(L * d), new Float32Array(4), new Float32Array(4), () => {});
  };
  const norms = Float32Array.from({ length: L }, (_, l) => rowNorm(W, l, d));
  const G = new Float32Array(L * d), rows: number[] = [];
  candidateLossGrad(W, norms, d, q, ids, 1, 0.5, counts, G, new Float32Array(4), new Float32Array(4), (l) => rows.push(l));
  assert.deepEqual(rows.sort(), [0, 2, 3]);
  const eps = 1e-3;
  for (const l of [0, 2, 3]) {
    for (let k = 0; k < d; k++) {
      const wp = W.slice(), wm = W.slice();
      wp[l * d + k] += eps;
      wm[l * d + k] -= eps;
      const num = (lossAt(wp) - lossAt(wm)) / (2 * eps);
      assert.ok(Math.abs(num - G[l * d + k]) < 2e-3 + 2e-2 * Math.abs(num), `row ${l} dim ${k}: ${G[l * d + k]} vs ${num}`);
    }
  }
  for (let k = 0; k < d; k++) assert.equal(G[1 * d + k], 0);
});

/** Queries near label (i mod 6)'s true direction; prototypes of labels 0-4 point elsewhere; label 5 has no data. */
function synthetic(n: number, d: number, rng: Rng): { Q: Float32Array; Y: ReturnType<typeof csrFromRows>; P: Float32Array; truth: Float32Array; counts: Int32Array } {
  const L = 6;
  const unit = (v: Float32Array): Float32Array => {
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  };
  const truth = new Float32Array(L * d), P = new Float32Array(L * d);
  for (let l = 0; l < L; l++) {
    const t = unit(Float32Array.from({ length: d }, () => rng.next() * 2 - 1));
    truth.set(t, l * d);
    const noise = Float32Array.from({ length: d }, () => rng.next() * 2 - 1);
    P.set(unit(t.map((x, k) => x + 1.2 * noise[k])), l * d);
  }
  const Q = new Float32Array(n * d), rows: number[][] = [], counts = new Int32Array(L);
  for (let i = 0; i < n; i++) {
    const l = i % 5;
    counts[l]++;
    rows.push([l]);
    Q.set(unit(truth.subarray(l * d, (l + 1) * d).map((x) => x + 0.3 * (rng.next() * 2 - 1))), i * d);
  }
  return { Q, Y: csrFromRows(L, rows), P, truth, counts };
}

test("trainClassifier: fixes misleading prototypes, rows unit length, zero-shot rows stay their prototypes", () => {
  const d = 8, rng = new Rng(3);
  const { Q, Y, P, counts } = synthetic(300, d, rng);
  const p = { ...defaults(PRIME_CLASSIFIER_SCHEMA), epochs: 30, shortlist: 4, batch: 16, lr: 2e-2 };
  const W = trainClassifier(Q, Y, P, d, counts, null, p, 1);
  const p1 = (M: Float32Array): number => {
    const top = exactTopK(M, 6, d, Q, Y.rows, 1);
    let hit = 0;
    for (let i = 0; i < Y.rows; i++) if (top.ids[i] === Y.indices[Y.indptr[i]]) hit++;
    return hit / Y.rows;
  };
  assert.ok(p1(W) > p1(P), `classifier P@1 ${p1(W)} vs prototypes ${p1(P)}`);
  assert.ok(p1(W) >= 0.95, `classifier P@1 ${p1(W)}`);
  for (let l = 0; l < 6; l++) assert.ok(Math.abs(rowNorm(W, l, d) - 1) < 1e-4);
  assert.deepEqual(Array.from(W.subarray(5 * d, 6 * d)), Array.from(P.subarray(5 * d, 6 * d)));
  // epochs 0: the prototypes themselves
  assert.deepEqual(Array.from(trainClassifier(Q, Y, P, d, counts, null, { ...p, epochs: 0 }, 1)), Array.from(P));
});

test("classifierCandidates: positives first, then the prototypes' best non-positive, non-self labels", () => {
  const d = 2, P = Float32Array.of(1, 0, 0.8, 0.6, 0, 1, -1, 0);
  const Q = Float32Array.of(1, 0);
  const Y = csrFromRows(4, [[2]]);
  const c = classifierCandidates(Q, Y, P, d, 2, Int32Array.of(0));
  // prototype ranking for q = (1, 0): 0 (self, skipped), 1, 2 (positive), 3
  assert.deepEqual(Array.from(c.ids), [2, 1, 3]);
  assert.deepEqual(Array.from(c.npos), [1]);
});

test("fuse: label score mixes prototype and classifier cosines; neighbours add a smooth maximum; zero-shot labels stand alone", () => {
  // d = 2, four labels; label 3 has no training data
  const P = Float32Array.of(1, 0, 0, 1, 0.6, 0.8, 0.8, 0.6);
  const W = Float32Array.of(0, 1, 1, 0, 0.6, 0.8, 0.8, 0.6);
  const q = Float32Array.of(1, 0);
  const counts = Int32Array.of(5, 5, 5, 0);
  // prototype search returned labels 0 and 3 (cosines 1 and 0.8)
  const first = { ids: Int32Array.of(0, 3), scores: Float32Array.of(1, 0.8) };
  // two training queries retrieved: query 0 (cos 0.9) holds labels 1, 2; query 1 (cos 0.5) holds label 2
  const near = { ids: Int32Array.of(0, 1), scores: Float32Array.of(0.9, 0.5) };
  const QY = csrFromRows(4, [[1, 2], [2]]);
  const o = { ...defaults(PRIME_PREDICT_SCHEMA), mix: 0.5, neighbourWeight: 0.6, neighbourTau: 0.1 };
  const r = fuse(first, 2, 4, { prototypes: P, classifier: W, mix: 0.5, counts }, { near, lex: null, QY }, o, 2, q);
  const tau = 0.1, c0 = NEIGHBOUR_FLOOR;
  const nb = (cs: number[]): number => tau * Math.log(Math.exp(c0 / tau) + cs.reduce((a, c) => a + Math.exp(c / tau), 0));
  const label = [0.5 * 1 + 0.5 * 0, 0.5 * 0 + 0.5 * 1, 0.5 * 0.6 + 0.5 * 0.6, 0.5 * 0.8 + 0.5 * 0.8];
  const want = new Map([
    [0, 0.4 * label[0] + 0.6 * nb([])],
    [1, 0.4 * label[1] + 0.6 * nb([0.9])],
    [2, 0.4 * label[2] + 0.6 * nb([0.9, 0.5])],
    [3, label[3]], // no training data: its label score alone
  ]);
  const order = [...want.entries()].sort((a, b) => b[1] - a[1]);
  assert.deepEqual(Array.from(r.ids), order.map((e) => e[0]));
  order.forEach(([, v], j) => assert.ok(Math.abs(r.scores[j] - v) < 1e-5, `score ${j}: ${r.scores[j]} vs ${v}`));
  // without neighbours and classifier weight 0 (mix 1): the prototype order of the candidates
  const r1 = fuse(first, 2, 2, { prototypes: P, classifier: W, mix: 1, counts }, { near: null, lex: null, QY: null }, o, 2, q);
  assert.deepEqual(Array.from(r1.ids), [0, 3]);
  assert.deepEqual(Array.from(r1.scores), [1, Math.fround(0.8)]);
  // a lexical channel: query 1 retrieved with TF-IDF cosine 0.7 passes label 2 a score of its own
  const lex = { ids: Int32Array.of(1, -1), scores: Float32Array.of(0.7, -Infinity) };
  const v = 0.25, tauL = 0.2;
  const ol = { ...o, lexicalWeight: v, lexicalTau: tauL };
  const rl = fuse(first, 2, 4, { prototypes: P, classifier: W, mix: 0.5, counts }, { near, lex, QY }, ol, 2, q);
  const lexNb = (cs: number[]): number => tauL * Math.log(Math.exp(c0 / tauL) + cs.reduce((a, c) => a + Math.exp(c / tauL), 0));
  const wantL = new Map([
    [0, (1 - v) * want.get(0)! + v * lexNb([])],
    [1, (1 - v) * want.get(1)! + v * lexNb([])],
    [2, (1 - v) * want.get(2)! + v * lexNb([0.7])],
    [3, label[3]],
  ]);
  const orderL = [...wantL.entries()].sort((a, b) => b[1] - a[1]);
  assert.deepEqual(Array.from(rl.ids), orderL.map((e) => e[0]));
  orderL.forEach(([, x], j) => assert.ok(Math.abs(rl.scores[j] - x) < 1e-5, `lexical score ${j}: ${rl.scores[j]} vs ${x}`));
  // lexical weight 0 gives the dense-only ranking
  const r0 = fuse(first, 2, 4, { prototypes: P, classifier: W, mix: 0.5, counts }, { near, lex, QY }, { ...ol, lexicalWeight: 0 }, 2, q);
  assert.deepEqual(Array.from(r0.ids), Array.from(r.ids));
});

const L = 8;
function toy(n: number): Dataset {
  const texts: string[] = [], rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const l = i % L;
    texts.push(`note ${i % 5} on w${l}a w${l}b`);
    rows.push([l]);
  }
  return {
    source: "toy", kind: "text", X: null, texts, Y: csrFromRows(L, rows), knownLabels: L,
    labelNames: Array.from({ length: L }, (_, l) => `lab${l}`), labelTexts: Array.from({ length: L }, (_, l) => `w${l}a w${l}b`),
  };
}
const tiny = {
  encoder: { dim: 16 }, wordvec: { epochs: 2 }, lpn: { heads: 2, ffn: 16, dropout: 0 },
  train: { epochs: 3, batch: 16, warmupSteps: 5, lr: 5e-3, sparseLr: 2e-2 }, batches: { clusterFrom: 2, clusterSize: 4 },
  classifier: { epochs: 5, shortlist: 4, batch: 16 },
};

test("PRIME with a classifier: mix 1 ranks by prototypes, epochs 0 removes it, a foreign label order is an error", async () => {
  const data = toy(160);
  const model = await PrimeModel.train(data, tiny);
  assert.ok(model.classifier !== null);
  const r = evaluate(model.predictDataset(data, { topK: 1 }), data.Y, { ks: [1] });
  assert.ok(r["P@1"] >= 90, `toy P@1 ${r["P@1"]}`);
  const protosOnly = model.predictDataset(data, { topK: 3, mix: 1 });
  const d = model.dim, q = model.embedTexts(data.texts!);
  const exact = exactTopK(model.prototypes, L, d, q, data.texts!.length, 3);
  protosOnly.forEach((row, i) => assert.deepEqual(Array.from(row.labels), Array.from(exact.ids.subarray(i * 3, i * 3 + 3))));
  for (const row of model.predictDataset(data, { topK: 5, candidates: 6 })) for (let j = 1; j < row.scores.length; j++) assert.ok(row.scores[j] <= row.scores[j - 1]);
  const swapped: Dataset = { ...data, labelNames: [...data.labelNames].reverse() };
  assert.throws(() => model.fitClassifier(swapped), (e: unknown) => e instanceof XmcError && /model's labels/.test(e.message));
  // neighbours: the model keeps its training queries; predictions with and without them differ only in order/score
  assert.equal(model.queries?.labels.rows, data.Y.rows);
  const noNb = evaluate(model.predictDataset(data, { topK: 1, neighbourWeight: 0 }), data.Y, { ks: [1] });
  assert.ok(noNb["P@1"] >= 90, `toy P@1 without neighbours ${noNb["P@1"]}`);
  // lexical neighbours alone keep the training queries and their index; lexical weight 0 ranks as without them
  const lexOnly = await PrimeModel.train(data, { ...tiny, classifier: { epochs: 0 }, predict: { neighbours: 0 } });
  assert.ok(lexOnly.queries !== null && lexOnly.lexical !== null);
  const withLex = evaluate(lexOnly.predictDataset(data, { topK: 1 }), data.Y, { ks: [1] });
  assert.ok(withLex["P@1"] >= 90, `toy P@1 with lexical neighbours ${withLex["P@1"]}`);
  const plain = await PrimeModel.train(data, { ...tiny, classifier: { epochs: 0 }, predict: { neighbours: 0, lexicalNeighbours: 0 } });
  assert.equal(plain.classifier, null);
  assert.equal(plain.queries, null);
  assert.equal(plain.lexical, null);
  assert.throws(() => plain.predictDataset(data, { lexicalNeighbours: 5 }), (e: unknown) => e instanceof XmcError && /lexical-weight 0/.test(e.message));
  assert.throws(() => plain.predictDataset(data, { neighbours: 5 }), (e: unknown) => e instanceof XmcError && /neighbours 0/.test(e.message));
  // a model from before the later stages (no classifier, no queries, params without their keys) still predicts
  const tmp = mkdtempSync(join(tmpdir(), "xmc-prime-old-"));
  try {
    plain.save(join(tmp, "m"));
    const stored = readModelFile(join(tmp, "m"));
    const meta = stored.header as Record<string, any>;
    delete meta.params.classifier;
    for (const k of ["mix", "candidates", "neighbours", "neighbourWeight", "neighbourTau", "lexicalNeighbours", "lexicalWeight", "lexicalTau"]) delete meta.params.predict[k];
    delete meta.lexical;
    delete meta.classifier;
    delete meta.queries;
    delete meta.queryHnsw;
    writeModelFile(join(tmp, "m"), meta, stored.arrays);
    const old = PrimeModel.load(join(tmp, "m"));
    const a = plain.predictDataset(data, { topK: 3 }), b = old.predictDataset(data, { topK: 3 });
    a.forEach((x, i) => assert.deepEqual(Array.from(b[i].labels), Array.from(x.labels)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  model.fitClassifier(data, { epochs: 0 });
  assert.equal(model.classifier, null);
  assert.equal(model.params.classifier.epochs, 0);
  assert.throws(() => model.fitClassifier(data, { epochs: -1 }), /classifier\.epochs/);
});

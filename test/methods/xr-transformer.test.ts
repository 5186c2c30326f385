/**
 * XR-Transformer's stages on tiny hand-checked data: the active-node scores and the weighted
 * squared hinge with its gradient, level targets and active sets, bootstrapping by inheritance,
 * the concatenated ranker features, cross-fitting (folds partition the rows, an out-of-fold
 * embedding does not depend on its own fold's labels), and a train → save → load round trip.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import { loadDataset } from "../../src/data/load.js";
import { backward } from "../../src/nn/tape.js";
import { param } from "../../src/nn/tensor.js";
import { loadModel } from "../../src/api/load.js";
import { readModelFile, setModelIoLimits, writeModelFile } from "../../src/model/file.js";
import { methodByName } from "../../src/api/methods.js";
import { cloneEncoder, foldAssignment, outOfFoldEmbeddings } from "../../src/methods/xr-transformer/crossfit.js";
import { XrtEncoder } from "../../src/methods/xr-transformer/encoder.js";
import { activeHingeLoss, activeScores } from "../../src/methods/xr-transformer/loss.js";
import { activeCandidates, inheritHead, labelAncestors, levelCounts, sampleActive, stageLevels } from "../../src/methods/xr-transformer/matcher.js";
import { parseXrtParams } from "../../src/methods/xr-transformer/params.js";
import { concatFeatures, fuseRankings } from "../../src/methods/xr-transformer/ranker.js";
import { XRTransformerModel } from "../../src/methods/xr-transformer/model.js";
import type { ClusterChain } from "../../src/tree/chain.js";

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("activeScores and the weighted squared hinge: values and gradients by hand", () => {
  // d = 2; head rows (w0, w1, bias): node 0 = (1, 0, 0.5), node 1 = (0, 2, 0), node 2 = (1, 1, -1)
  const e = param(Float32Array.from([1, 2, 0.5, -1]), [2, 2], "e");
  const head = param(Float32Array.from([1, 0, 0.5, 0, 2, 0, 1, 1, -1]), [3, 3], "head", true);
  // row 0: nodes 0 (positive, count 2), 1 (negative); row 1: node 2 (positive, count 1)
  const ptr = Int32Array.from([0, 2, 3]);
  const nodes = Int32Array.from([0, 1, 2]);
  const counts = Float32Array.from([2, 0, 1]);
  const z = activeScores(e, head, ptr, nodes);
  // z = [1 + 0.5, 4, 0.5 - 1 - 1] = [1.5, 4, -1.5]
  assert.deepEqual(Array.from(z.data), [1.5, 4, -1.5]);
  const loss = activeHingeLoss(z, ptr, counts, "weighted-squared-hinge");
  // row 0: positive margin 1 − 1.5 < 0 → 0; negative: (1 + 4)² = 25; mean over 2 slots 12.5
  // row 1: positive weight 1: (1 + 1.5)² = 6.25; batch mean (12.5 + 6.25) / 2 = 9.375
  close(loss.item(), 9.375);
  backward(loss);
  // dL/dz: slot 1: (1/2)(1/2)·2·5 = 2.5; slot 2: (1/2)(1/1)·(−2)·2.5 = −2.5
  // de_0 = 2.5·w_1 = (0, 5); de_1 = −2.5·w_2 = (−2.5, −2.5)
  assert.deepEqual(Array.from(e.grad!), [0, 5, -2.5, -2.5]);
  // dH_1 = 2.5·(e_0, 1) = (2.5, 5, 2.5); dH_2 = −2.5·(e_1, 1) = (−1.25, 2.5, −2.5); node 0 untouched (zero rows)
  const g = head.rowGrad!.toDense();
  assert.deepEqual(Array.from(g), [0, 0, 0, 2.5, 5, 2.5, -1.25, 2.5, -2.5]);
});

test("the weight of a positive is its count only in the weighted losses", () => {
  const z = param(Float32Array.from([0]), [1]);
  close(activeHingeLoss(z, Int32Array.from([0, 1]), Float32Array.from([3]), "weighted-squared-hinge").item(), 3);
  close(activeHingeLoss(z, Int32Array.from([0, 1]), Float32Array.from([3]), "squared-hinge").item(), 1);
  const z2 = param(Float32Array.from([-1]), [1]);
  close(activeHingeLoss(z2, Int32Array.from([0, 1]), Float32Array.from([3]), "weighted-hinge").item(), 6);
  close(activeHingeLoss(z2, Int32Array.from([0, 1]), Float32Array.from([3]), "hinge").item(), 2);
});

/** Labels 0..5; level 0: 2 nodes (A = {0, 1}, B = {2, 3}); level 1: 4 clusters; level 2: 6 labels. */
const CHAIN: ClusterChain = [
  { nNodes: 2, nParents: 1, ptr: Int32Array.from([0, 2]), children: Int32Array.from([0, 1]) },
  { nNodes: 4, nParents: 2, ptr: Int32Array.from([0, 2, 4]), children: Int32Array.from([0, 1, 2, 3]) },
  // cluster 0 = {0, 1}, 1 = {2}, 2 = {3, 4}, 3 = {5}
  { nNodes: 6, nParents: 4, ptr: Int32Array.from([0, 2, 3, 5, 6]), children: Int32Array.from([0, 1, 2, 3, 4, 5]) },
];

test("level targets count the labels under each node", () => {
  const anc = labelAncestors(CHAIN);
  assert.deepEqual(Array.from(anc[1]), [0, 0, 1, 2, 2, 3]);
  assert.deepEqual(Array.from(anc[0]), [0, 0, 0, 1, 1, 1]);
  const Y = csrFromRows(6, [[0, 1, 4], [5]]);
  const Y1 = levelCounts(Y, anc[1], 4);
  assert.deepEqual(Array.from(Y1.indices), [0, 2, 3]);
  assert.deepEqual(Array.from(Y1.data), [2, 1, 1]);
  const Y0 = levelCounts(Y, anc[0], 2);
  assert.deepEqual(Array.from(Y0.indices), [0, 1, 1]);
  assert.deepEqual(Array.from(Y0.data), [2, 1, 1]);
});

test("active sets: children of the true parents (TFN), of the predicted parents (MAN), and the union", () => {
  const anc = labelAncestors(CHAIN);
  // instance 0: label 2 (cluster 1, under A); instance 1: label 5 (cluster 3, under B)
  const Y = csrFromRows(6, [[2], [5]]);
  const Y1 = levelCounts(Y, anc[1], 4), Y0 = levelCounts(Y, anc[0], 2);
  // the previous stage ranks B first for instance 0 and A first for instance 1 (k = 1)
  const man = Int32Array.from([1, 0]);
  const tfn = activeCandidates(Y1, Y0, null, 1, CHAIN[1]);
  assert.deepEqual([Array.from(tfn.ptr), Array.from(tfn.idx)], [[0, 2, 4], [0, 1, 2, 3]]);
  // MAN only: children of the predicted parent plus the positives
  const onlyMan = activeCandidates(Y1, null, man, 1, CHAIN[1]);
  assert.deepEqual([Array.from(onlyMan.ptr), Array.from(onlyMan.idx)], [[0, 3, 6], [1, 2, 3, 0, 1, 3]]);
  const both = activeCandidates(Y1, Y0, man, 1, CHAIN[1]);
  assert.deepEqual([Array.from(both.ptr), Array.from(both.idx)], [[0, 4, 8], [0, 1, 2, 3, 0, 1, 2, 3]]);
  // the top level: every node
  const top = activeCandidates(Y0, null, null, 1, CHAIN[0]);
  assert.deepEqual(Array.from(top.idx), [0, 1, 0, 1]);
  // sampling: positives first with their counts, then negatives up to the cap
  const b = sampleActive([0, 1], Y1, both, 2, new Rng(1));
  assert.deepEqual(Array.from(b.ptr), [0, 2, 4]);
  assert.equal(b.nodes[0], 1);
  assert.equal(b.nodes[2], 3);
  assert.deepEqual(Array.from(b.counts), [1, 0, 1, 0]);
  assert.notEqual(b.nodes[1], 1);
  assert.notEqual(b.nodes[3], 3);
  const all = sampleActive([0], Y1, both, 10, new Rng(1));
  assert.deepEqual(Array.from(all.nodes), [1, 0, 2, 3]);
});

test("stages: every level up to maxMatchClusters (the label level only when asked), or only the last of them", () => {
  const p = parseXrtParams({}).matcher;
  assert.deepEqual(stageLevels(CHAIN, { ...p, maxMatchClusters: 2 }), [0]);
  assert.deepEqual(stageLevels(CHAIN, { ...p, maxMatchClusters: 100 }), [0, 1]);
  assert.deepEqual(stageLevels(CHAIN, { ...p, maxMatchClusters: 100, labelLevel: true }), [0, 1, 2]);
  assert.deepEqual(stageLevels(CHAIN, { ...p, maxMatchClusters: 4, resolution: "last" }), [1]);
});

test("bootstrapping by inheritance: each child starts from its parent's row", () => {
  const parent = param(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], "h0", true);
  const h = inheritHead(parent, CHAIN[1], "h1");
  assert.deepEqual(h.shape, [4, 3]);
  assert.deepEqual(Array.from(h.data), [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  assert.ok(h.sparseGrad);
});

test("concat features: [x | α·ê] renormalised; TF-IDF only; embedding only", () => {
  const X = { rows: 2, cols: 3, indptr: Int32Array.from([0, 1, 1]), indices: Int32Array.from([2]), data: Float32Array.from([1]) };
  const E = Float32Array.from([0.6, 0.8, 1, 0]);
  const c = concatFeatures(X, E, 2, 1, "concat");
  assert.equal(c.cols, 5);
  assert.deepEqual(Array.from(c.indices), [2, 3, 4, 3, 4]);
  const r = 1 / Math.SQRT2;
  [r, 0.6 * r, 0.8 * r, 1, 0].forEach((v, i) => close(c.data[i], v, 1e-6));
  const half = concatFeatures(X, E, 2, 0.5, "concat");
  const n = Math.sqrt(1 + 0.25);
  [1 / n, 0.3 / n, 0.4 / n].forEach((v, i) => close(half.data[i], v, 1e-6));
  const t = concatFeatures(X, E, 2, 1, "tfidf");
  assert.equal(t.cols, 3);
  assert.deepEqual(Array.from(t.indices), [2]);
  const e = concatFeatures(X, E, 2, 7, "embedding");
  assert.equal(e.cols, 2);
  assert.deepEqual(Array.from(e.data), [0.6, 0.800000011920929, 1, 0].map(Math.fround));
});

test("xr-transformer: registered; trains on text, and a saved model predicts the same after loading", async () => {
  assert.equal(methodByName("xr-transformer").name, "xr-transformer");
  const root = new URL("../../../", import.meta.url).pathname;
  const train = await loadDataset(join(root, "test/golden/data/debtags-mini-train"));
  const testDs = await loadDataset(join(root, "test/golden/data/debtags-mini-test"), { labels: train.labelNames, labelsOptional: true });
  const params = { encoder: { dim: 16 }, wordvec: { epochs: 1 }, matcher: { epochs: 1, batch: 32, maxLeafSize: 8, labelLevel: true, ensemble: 1 }, ranker: { trees: 1, tfidfTrees: 1 } };
  const model = await XRTransformerModel.train(train, params, { threads: 1 });
  assert.ok(model.report!.matcher.length >= 2, "one stage per tree level");
  const before = model.predictDataset(testDs, { topK: 5 });
  const dir = mkdtempSync(join(tmpdir(), "xmc-xrt-"));
  try {
    const path = join(dir, "m.xmc");
    model.save(path);
    const back = loadModel(path);
    assert.equal(back.method, "xr-transformer");
    const after = back.predictDataset(testDs, { topK: 5 });
    assert.deepEqual(after, before);
    // read array by array, its second ranker tree (TF-IDF alone, another feature dimension) decoded on a helper thread
    const limits = setModelIoLimits({ wholeFile: 64 });
    try {
      const parts = XRTransformerModel.load(path);
      assert.deepEqual(parts.predictDataset(testDs, { topK: 5 }), before);
      if (availableParallelism() >= 2) assert.ok(parts.trees[1].lookup !== undefined, "the helper built the second tree's lookups");
    } finally {
      setModelIoLimits(limits);
    }
    assert.deepEqual(back.predictTexts([testDs.texts![0]], { topK: 3 }), model.predictTexts([testDs.texts![0]], { topK: 3 }));
    // a file written before matcher.ensemble existed (no such key in its params) loads as one encoder
    const { header, arrays } = readModelFile(path);
    const params = header.params as { matcher: Record<string, unknown> };
    delete params.matcher.ensemble;
    const oldPath = join(dir, "old.xmc");
    writeModelFile(oldPath, header, arrays);
    const old = XRTransformerModel.load(oldPath);
    assert.equal(old.params.matcher.ensemble, 1);
    assert.deepEqual(old.predictDataset(testDs, { topK: 5 }), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // same seed, same model
  const again = await XRTransformerModel.train(train, params, { threads: 1 });
  assert.deepEqual(again.predictDataset(testDs, { topK: 5 }), before);
});

test("cross-fitting folds: a seeded partition into k folds of sizes differing by at most one", () => {
  for (const [n, k] of [[10, 3], [7, 2], [5, 5], [1000, 4]]) {
    const f = foldAssignment(n, k, 0);
    assert.equal(f.length, n);
    const sizes = new Array(k).fill(0);
    for (const x of f) {
      assert.ok(Number.isInteger(x) && x >= 0 && x < k);
      sizes[x]++;
    }
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${sizes}`);
    assert.deepEqual(foldAssignment(n, k, 0), f, "same seed, same folds");
  }
  assert.notDeepEqual(foldAssignment(1000, 4, 1), foldAssignment(1000, 4, 0));
});

test("cross-fitting: an out-of-fold embedding never depends on its own fold's labels", () => {
  // 12 documents over 6 words, 6 labels on the 3-level CHAIN; fold f's rows are embedded by an encoder trained on the others
  const docs = Array.from({ length: 12 }, (_, i) => Int32Array.from([2 + (i % 6), 2 + ((i * 5 + 1) % 6)]));
  const labels = Array.from({ length: 12 }, (_, i) => [i % 6]);
  const p = { ...parseXrtParams({ encoder: { dim: 4 } }).matcher, epochs: 2, batch: 4, warmupSteps: 1 };
  const start = new XrtEncoder(parseXrtParams({ encoder: { dim: 4 } }).encoder, 8, new Rng(3));
  start.fitIdf(docs);
  const before = Array.from(start.table.data);
  const fold = foldAssignment(12, 3, 0);
  const a = outOfFoldEmbeddings(start, docs, csrFromRows(6, labels), CHAIN, p, fold, 3);
  assert.deepEqual(Array.from(start.table.data), before, "the starting encoder is left untouched");
  assert.equal(a.encoders.length, 3);
  // change the labels of fold 0's rows only
  const changed = labels.map((l, i) => (fold[i] === 0 ? [(l[0] + 3) % 6] : l));
  const b = outOfFoldEmbeddings(start, docs, csrFromRows(6, changed), CHAIN, p, fold, 3);
  let otherMoved = false;
  for (let i = 0; i < 12; i++) {
    const ra = Array.from(a.E.subarray(i * 4, i * 4 + 4)), rb = Array.from(b.E.subarray(i * 4, i * 4 + 4));
    if (fold[i] === 0) assert.deepEqual(rb, ra, `row ${i} (fold 0) is embedded by an encoder that never saw fold 0`);
    else if (JSON.stringify(ra) !== JSON.stringify(rb)) otherMoved = true;
  }
  assert.ok(otherMoved, "the other folds' encoders did train on fold 0's labels");
  // each row's embedding is its fold encoder's embedding
  for (let i = 0; i < 12; i++) assert.deepEqual(Array.from(a.encoders[fold[i]].embedAll([docs[i]])), Array.from(a.E.subarray(i * 4, i * 4 + 4)));
  // a clone is a copy, not a view
  const c = cloneEncoder(start);
  c.table.data[0] += 1;
  assert.notEqual(c.table.data[0], start.table.data[0]);
});

test("xr-transformer with matcher.folds 2: the ranker learns from out-of-fold embeddings; round trip and determinism", async () => {
  const root = new URL("../../../", import.meta.url).pathname;
  const train = await loadDataset(join(root, "test/golden/data/debtags-mini-train"));
  const testDs = await loadDataset(join(root, "test/golden/data/debtags-mini-test"), { labels: train.labelNames, labelsOptional: true });
  const params = { encoder: { dim: 16 }, wordvec: { epochs: 1 }, matcher: { epochs: 1, batch: 32, maxLeafSize: 8, folds: 2, ensemble: 1 }, ranker: { trees: 1, tfidfTrees: 0 } };
  const model = await XRTransformerModel.train(train, params, { threads: 1 });
  assert.ok(model.report!.stages.some((s) => s.name === "cross-fitting"));
  const inSample = await XRTransformerModel.train(train, { ...params, matcher: { ...params.matcher, folds: 1 } }, { threads: 1 });
  // the same full encoder (queries are embedded alike), different ranker rows
  assert.deepEqual(Array.from(model.encoder!.table.data), Array.from(inSample.encoder!.table.data));
  assert.notDeepEqual(Array.from(model.trainEmbeddings![0]), Array.from(inSample.trainEmbeddings![0]));
  const before = model.predictDataset(testDs, { topK: 5 });
  assert.deepEqual(savedAndLoaded(model).predictDataset(testDs, { topK: 5 }), before);
  const again = await XRTransformerModel.train(train, params, { threads: 1 });
  assert.deepEqual(again.predictDataset(testDs, { topK: 5 }), before);
});

test("score-level fusion: (1 − w)·a + w·b over the union, absent = 0, ties to the lower label", () => {
  const a = { labels: Int32Array.from([3, 1]), scores: Float32Array.from([0.9, 0.5]) };
  const b = { labels: Int32Array.from([1, 7, 2]), scores: Float32Array.from([0.8, 0.6, 0.5]) };
  // w = 0.25: 3 → 0.675, 1 → 0.375 + 0.2 = 0.575, 7 → 0.15, 2 → 0.125
  const f = fuseRankings(a, b, 0.25, 3);
  assert.deepEqual(Array.from(f.labels), [3, 1, 7]);
  [0.675, 0.575, 0.15].forEach((v, i) => close(f.scores[i], v, 1e-6));
  assert.deepEqual(Array.from(fuseRankings(a, b, 0, 2).labels), [3, 1]);
  assert.deepEqual(Array.from(fuseRankings(a, b, 1, 2).labels), [1, 7]);
  // a tie (0.5·0.5 each for labels 3 and 4) goes to the lower id
  const t = fuseRankings({ labels: Int32Array.from([4]), scores: Float32Array.from([0.5]) }, { labels: Int32Array.from([3]), scores: Float32Array.from([0.5]) }, 0.5, 1);
  assert.deepEqual(Array.from(t.labels), [3]);
  // a TF-IDF-only ranker has nothing to fuse with: no fusion trees by default, an error when asked for
  assert.equal(parseXrtParams({ ranker: { features: "tfidf" } }).ranker.tfidfTrees, 0);
  assert.equal(parseXrtParams({ ranker: { features: "tfidf", tfidfTrees: 0 } }).ranker.tfidfTrees, 0);
  assert.throws(() => parseXrtParams({ ranker: { features: "tfidf", tfidfTrees: 1 } }), /params\.ranker\.tfidfTrees: 1 with features "tfidf" would only add TF-IDF trees/);
});

test("xr-transformer with TF-IDF trees fused beside the concat trees: w = 0 is the TF-IDF trees alone; round trip", async () => {
  const root = new URL("../../../", import.meta.url).pathname;
  const train = await loadDataset(join(root, "test/golden/data/debtags-mini-train"));
  const testDs = await loadDataset(join(root, "test/golden/data/debtags-mini-test"), { labels: train.labelNames, labelsOptional: true });
  const params = { encoder: { dim: 16 }, wordvec: { epochs: 1 }, matcher: { epochs: 1, batch: 32, maxLeafSize: 8, folds: 1, ensemble: 1 }, ranker: { trees: 1, tfidfTrees: 1, fusionWeight: 0.5 } };
  const model = await XRTransformerModel.train(train, params, { threads: 1 });
  assert.equal(model.trees.length, 2);
  const before = model.predictDataset(testDs, { topK: 5 });
  assert.deepEqual(savedAndLoaded(model).predictDataset(testDs, { topK: 5 }), before);
  // w = 0 ranks exactly as the TF-IDF-only ranker with the same tree (same seed)
  const onlyT = new XRTransformerModel({ ...model.params, ranker: { ...model.params.ranker, fusionWeight: 0 } }, model.labelNames, model.vectorizer, model.vocab, model.encoders, model.trees, model.trainLabelCounts, model.nTrain);
  const xl = await XRTransformerModel.train(train, { ...params, ranker: { trees: 1, features: "tfidf" } }, { threads: 1 });
  const got = onlyT.predictDataset(testDs, { topK: 5 }), want = xl.predictDataset(testDs, { topK: 5 });
  // equal scores (ties may come in another order)
  for (let i = 0; i < got.length; i++) {
    assert.equal(got[i].labels.length, want[i].labels.length);
    got[i].scores.forEach((s, j) => close(s, want[i].scores[j], 1e-6));
    const m = new Map(Array.from(want[i].labels, (l, j) => [l, want[i].scores[j]]));
    got[i].labels.forEach((l, j) => m.has(l) && close(m.get(l)!, got[i].scores[j], 1e-6));
  }
});

test("xr-transformer with matcher.ensemble 2: member 0 is the single-encoder model, member 1 differs; round trip and determinism", async () => {
  const root = new URL("../../../", import.meta.url).pathname;
  const train = await loadDataset(join(root, "test/golden/data/debtags-mini-train"));
  const testDs = await loadDataset(join(root, "test/golden/data/debtags-mini-test"), { labels: train.labelNames, labelsOptional: true });
  const params = { encoder: { dim: 16 }, wordvec: { epochs: 1 }, matcher: { epochs: 1, batch: 32, maxLeafSize: 8, folds: 2, ensemble: 2 }, ranker: { trees: 1, tfidfTrees: 1 } };
  const model = await XRTransformerModel.train(train, params, { threads: 1 });
  const single = await XRTransformerModel.train(train, { ...params, matcher: { ...params.matcher, ensemble: 1 } }, { threads: 1 });
  assert.equal(model.encoders.length, 2);
  assert.equal(model.trees.length, 2 * 1 + 1, "ranker.trees per encoder, then the TF-IDF trees");
  assert.ok(model.report!.stages.some((s) => s.name === "cross-fitting (encoder 2/2)"));
  // member 0 trains exactly as the single-encoder model: same encoder, same training embeddings, same first tree
  assert.deepEqual(Array.from(model.encoders[0].table.data), Array.from(single.encoder!.table.data));
  assert.deepEqual(Array.from(model.trainEmbeddings![0]), Array.from(single.trainEmbeddings![0]));
  assert.deepEqual(model.trees[0].chain.map((l) => Array.from(l.children)), single.trees[0].chain.map((l) => Array.from(l.children)));
  // member 1: same skip-gram start, its own seed: another encoder
  assert.notDeepEqual(Array.from(model.encoders[1].table.data), Array.from(model.encoders[0].table.data));
  assert.deepEqual(Array.from(model.encoders[1].idf), Array.from(model.encoders[0].idf));
  const before = model.predictDataset(testDs, { topK: 5 });
  assert.notDeepEqual(before, single.predictDataset(testDs, { topK: 5 }));
  const back = savedAndLoaded(model) as XRTransformerModel;
  assert.equal(back.encoders.length, 2);
  assert.deepEqual(back.predictDataset(testDs, { topK: 5 }), before);
  assert.deepEqual(back.predictTexts([testDs.texts![0]], { topK: 3 }), model.predictTexts([testDs.texts![0]], { topK: 3 }));
  const again = await XRTransformerModel.train(train, params, { threads: 1 });
  assert.deepEqual(again.predictDataset(testDs, { topK: 5 }), before);
  // a model needs one encoder per member
  assert.throws(() => new XRTransformerModel(model.params, model.labelNames, model.vectorizer, model.vocab, model.encoders.slice(0, 1), model.trees, model.trainLabelCounts, model.nTrain), /matcher\.ensemble \(2\) encoders/);
  assert.throws(() => parseXrtParams({ matcher: { ensemble: 0 } }), /ensemble/);
});

/** The model saved to a temporary file and loaded back. */
function savedAndLoaded(model: XRTransformerModel): ReturnType<typeof loadModel> {
  const dir = mkdtempSync(join(tmpdir(), "xmc-xrt-"));
  try {
    const path = join(dir, "m.xmc");
    model.save(path);
    return loadModel(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SyncXML's training-query neighbour votes (dense and lexical): the fusion on hand-checked
 * examples, and a model with neighbour indexes (built after training, saved, loaded) predicting
 * identically after the round trip, with either channel alone or switched off.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { evaluate } from "../../src/eval/metrics.js";
import { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import { toy } from "./syncxml-toy.js";
import { fuseNeighbours, type NeighbourIndex } from "../../src/methods/syncxml/neighbours.js";
import { parseSyncXMLParams, type SyncXMLParamsInput } from "../../src/methods/syncxml/params.js";
import { LexicalIndex, smoothIdf } from "../../src/retrieval/lexical.js";

/** Fusion options with two dense neighbours at τ 0.1 and the lexical channel off. */
const denseOnly = { neighbours: 2, neighbourWeight: 0.5, neighbourTau: 0.1, lexicalNeighbours: 0, lexicalWeight: 0, lexicalTau: 0.1, efSearch: 64, hnsw: null };

test("fuseNeighbours: softmax vote of the nearest training queries mixed with the classifier scores", () => {
  // three training queries in 2-d: along x (labels 0, 1), along y (label 2), at 45° (label 1)
  const s = Math.SQRT1_2;
  const index: NeighbourIndex = { keys: new Float32Array([1, 0, 0, 1, s, s]), n: 3, d: 2, Y: csrFromRows(4, [[0, 1], [2], [1]]), lexical: null };
  // query along x (not normalised: the fusion normalises); classifier scored labels 3 and 0
  const lists = [{ labels: new Int32Array([3, 0]), scores: new Float32Array([0.9, 0.2]) }];
  const [r] = fuseNeighbours(lists, new Float32Array([2, 0]), null, index, { ...denseOnly, neighbourWeight: 0.5 }, 10, 0);
  // the two nearest are query 0 (cos 1) and query 2 (cos √½): weights e^0, e^((√½ − 1)/0.1)
  const e = Math.exp((s - 1) / 0.1), v0 = 1 / (1 + e), v2 = e / (1 + e);
  const want = new Map([[3, 0.45], [0, 0.1 + 0.5 * v0], [1, 0.5 * (v0 + v2)]]);
  assert.deepEqual(Array.from(r.labels), [1, 3, 0].sort((a, b) => want.get(b)! - want.get(a)!));
  for (let j = 0; j < r.labels.length; j++) assert.ok(Math.abs(r.scores[j] - want.get(r.labels[j])!) < 1e-6, `label ${r.labels[j]}`);
  for (let j = 1; j < r.scores.length; j++) assert.ok(r.scores[j] <= r.scores[j - 1]);
  // weight 0 keeps the classifier's order; weight 1 is the vote alone; top-k and threshold cut
  assert.deepEqual(Array.from(fuseNeighbours(lists, new Float32Array([2, 0]), null, index, { ...denseOnly, neighbourWeight: 0 }, 10, 0)[0].labels).slice(0, 2), [3, 0]);
  const only = fuseNeighbours(lists, new Float32Array([2, 0]), null, index, { ...denseOnly, neighbourWeight: 1 }, 2, 0)[0];
  assert.deepEqual(Array.from(only.labels), [1, 0]);
  const cut = fuseNeighbours(lists, new Float32Array([2, 0]), null, index, { ...denseOnly, neighbourWeight: 0.5 }, 10, 0.3)[0];
  assert.ok(cut.scores.length >= 1 && cut.scores.every((x) => x >= 0.3));
});

test("fuseNeighbours: the lexical vote joins with weight v; each channel can stand alone", () => {
  // training texts as token ids: q0 = {2, 3} (labels 0, 1), q1 = {4} (label 2), q2 = {2} (label 1)
  const docs = [Int32Array.of(2, 3), Int32Array.of(4), Int32Array.of(2)];
  const idf = smoothIdf(docs, 5);
  const s = Math.SQRT1_2;
  const index: NeighbourIndex = { keys: new Float32Array([1, 0, 0, 1, s, s]), n: 3, d: 2, Y: csrFromRows(4, [[0, 1], [2], [1]]), lexical: { index: LexicalIndex.build(docs, idf, 5), idf } };
  const lists = [{ labels: new Int32Array([3, 0]), scores: new Float32Array([0.9, 0.2]) }];
  // the query {4} shares a word with q1 only: its lexical vote is all on label 2
  const o = { ...denseOnly, neighbourWeight: 0.5, lexicalNeighbours: 2, lexicalWeight: 0.4, lexicalTau: 0.1 };
  const [r] = fuseNeighbours(lists, new Float32Array([2, 0]), [Int32Array.of(4)], index, o, 10, 0);
  const e = Math.exp((s - 1) / 0.1), v0 = 1 / (1 + e), v2 = e / (1 + e);
  const want = new Map([[3, 0.6 * 0.45], [0, 0.6 * (0.1 + 0.5 * v0)], [1, 0.6 * 0.5 * (v0 + v2)], [2, 0.4]]);
  assert.equal(r.labels.length, 4);
  for (let j = 0; j < r.labels.length; j++) assert.ok(Math.abs(r.scores[j] - want.get(r.labels[j])!) < 1e-6, `label ${r.labels[j]}`);
  assert.deepEqual(Array.from(r.labels), [2, 3, 0, 1].sort((a, b) => want.get(b)! - want.get(a)!));
  // lexical only (dense weight 0): (1 − v) · classifier + v · vote; a query {2, 3} is nearest to q0, then q2
  const [lo] = fuseNeighbours(lists, new Float32Array([2, 0]), [Int32Array.of(2, 3)], index, { ...o, neighbourWeight: 0 }, 10, 0);
  const c0 = 1, c2 = idf[2] / Math.hypot(idf[2], idf[3]), e2 = Math.exp((c2 - c0) / 0.1);
  const wantLo = new Map([[3, 0.6 * 0.9], [0, 0.6 * 0.2 + 0.4 / (1 + e2)], [1, 0.4]]);
  for (let j = 0; j < lo.labels.length; j++) assert.ok(Math.abs(lo.scores[j] - wantLo.get(lo.labels[j])!) < 1e-6, `label ${lo.labels[j]}`);
  // a query sharing no word: the lexical vote is empty, the ranking is the other channels'
  const [none] = fuseNeighbours(lists, new Float32Array([2, 0]), [Int32Array.of(1)], index, { ...o, neighbourWeight: 0 }, 10, 0);
  assert.deepEqual(Array.from(none.labels), [3, 0]);
  // a channel asked for without its index is an error, never a silent fallback
  assert.throws(() => fuseNeighbours(lists, new Float32Array([2, 0]), [Int32Array.of(4)], { ...index, lexical: null }, o, 10, 0), /no lexical index/);
  assert.throws(() => fuseNeighbours(lists, new Float32Array([2, 0]), [Int32Array.of(4)], { ...index, keys: null }, o, 10, 0), /no dense index/);
});

const params: SyncXMLParamsInput = {
  wordvec: { source: "random" },
  encoder: { seqLen: 6, embDim: 32, filters: 8, kernels: "2,4,6", stride: 2, aggKernel: 4, embDropout: 0, projDropout: 0, dropout: 0 },
  model: { clusterSize: 3, shortlist: 3, headDropout: 0, metaDropout: 0, extDropout: 0 },
  train: { epochs: 12, warmupEpochs: 2, batch: 16, maxLr: 0.02, seed: 3 },
  predict: { topK: 5, shortlist: 4, neighbours: 5 },
};

test("a SyncXML model with a neighbour index: memorises, round-trips, and can switch the vote off", async () => {
  const data = toy(48, 1);
  const model = await SyncXMLModel.train(data, params);
  assert.ok(model.neighbours && model.neighbours.n === 48);
  const p1 = (o: Record<string, unknown>): number => evaluate(model.predictDataset(data, { topK: 5, ...o }), data.Y, { ks: [1] })["P@1"];
  assert.ok(model.neighbours.keys && model.neighbours.lexical, "both channels indexed by default");
  // each training text's nearest neighbour is itself, by features and by words: either vote alone recalls its labels
  assert.equal(p1({ neighbourWeight: 1, lexicalWeight: 0 }), 100);
  assert.equal(p1({ lexicalWeight: 1 }), 100);
  // lexical weight 0 ranks exactly as the dense vote alone; neighbour weight 0 as the lexical vote alone
  assert.deepEqual(model.predictDataset(data, { topK: 5, lexicalWeight: 0 }), model.predictDataset(data, { topK: 5, lexicalNeighbours: 0 }));
  for (const r of model.predictDataset(data, { topK: 5, neighbourWeight: 0 })) for (let j = 1; j < r.scores.length; j++) assert.ok(r.scores[j] <= r.scores[j - 1]);
  // both votes off: exactly the classifier's ranking, as for a model without an index
  const alone = { topK: 5, neighbours: 0, lexicalWeight: 0 };
  const off = model.predictDataset(data, alone);
  const index = model.neighbours;
  model.neighbours = null;
  assert.throws(() => model.predictDataset(data, { topK: 5 }), (e: unknown) => e instanceof XmcError && /keeps no training queries/.test(e.message));
  assert.deepEqual(model.predictDataset(data, alone), off);
  model.neighbours = index;
  const dir = mkdtempSync(join(tmpdir(), "xmc-sync-nb-"));
  try {
    model.save(join(dir, "m"));
    const back = SyncXMLModel.load(join(dir, "m"));
    assert.deepEqual(back.predictDataset(data, { topK: 5 }), model.predictDataset(data, { topK: 5 }));
    assert.deepEqual(back.predictTexts(["w1a noise3"], { neighbourWeight: 0.8 }), model.predictTexts(["w1a noise3"], { neighbourWeight: 0.8 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => parseSyncXMLParams({ model: { architecture: "inceptionxml" }, predict: { neighbours: 10 } }), (e: unknown) => e instanceof XmcError && /neighbours: the neighbour vote needs architecture "syncxml"/.test(e.message));
  // HNSW search: built into the model at training, saved and loaded; on 48 queries it finds the exact neighbours
  const graph = await SyncXMLModel.train(data, { ...params, predict: { ...params.predict, search: "hnsw" } });
  const viaGraph = graph.predictDataset(data, { topK: 5 }), exact = graph.predictDataset(data, { topK: 5, search: "exact" });
  viaGraph.forEach((r, i) => {
    // the same neighbours; cosines differ in the last float bits (another summation order)
    assert.deepEqual(Array.from(r.labels).slice(0, 1), Array.from(exact[i].labels).slice(0, 1));
    r.scores.forEach((v, j) => assert.ok(Math.abs(v - exact[i].scores[j]) < 1e-5));
  });
  const dir2 = mkdtempSync(join(tmpdir(), "xmc-sync-nb-"));
  try {
    graph.save(join(dir2, "m"));
    const back = SyncXMLModel.load(join(dir2, "m"));
    assert.deepEqual(back.predictDataset(data, { topK: 5 }), graph.predictDataset(data, { topK: 5 }));
  } finally {
    rmSync(dir2, { recursive: true, force: true });
  }
  // a model trained without neighbours keeps none and predicts from its classifier
  const short = { ...params.train, epochs: 2, warmupEpochs: 1 };
  const plain = await SyncXMLModel.train(data, { ...params, train: short, predict: { topK: 5, shortlist: 4, neighbours: 0, lexicalNeighbours: 0 } });
  assert.equal(plain.neighbours, null);
  assert.throws(() => plain.predictDataset(data, { neighbours: 5 }), /keeps no training queries/);
  // one channel only: the other is off after a save / load round trip (as for models saved before it existed)
  const lexOnly = await SyncXMLModel.train(data, { ...params, train: short, predict: { topK: 5, shortlist: 4, neighbours: 0 } });
  assert.ok(lexOnly.neighbours && lexOnly.neighbours.keys === null && lexOnly.neighbours.lexical);
  assert.throws(() => lexOnly.predictDataset(data, { neighbours: 5 }), /no dense index/);
  const dir3 = mkdtempSync(join(tmpdir(), "xmc-sync-nb-"));
  try {
    lexOnly.save(join(dir3, "m"));
    const back = SyncXMLModel.load(join(dir3, "m"));
    assert.equal(back.params.predict.neighbours, 0);
    assert.deepEqual(back.predictDataset(data, { topK: 5 }), lexOnly.predictDataset(data, { topK: 5 }));
    model.neighbours!.lexical = null;
    model.save(join(dir3, "dense"));
    assert.equal(SyncXMLModel.load(join(dir3, "dense")).params.predict.lexicalNeighbours, 0);
  } finally {
    rmSync(dir3, { recursive: true, force: true });
  }
  // the vote is on by default for SyncXML, off for InceptionXML
  assert.equal(parseSyncXMLParams({}).predict.neighbours, 20);
  assert.equal(parseSyncXMLParams({ model: { architecture: "inceptionxml" } }).predict.neighbours, 0);
  assert.equal(parseSyncXMLParams({}).predict.lexicalNeighbours, 10);
  assert.equal(parseSyncXMLParams({ model: { architecture: "inceptionxml" } }).predict.lexicalNeighbours, 0);
  assert.throws(() => parseSyncXMLParams({ model: { architecture: "inceptionxml" }, predict: { lexicalNeighbours: 5 } }), /lexicalNeighbours: the neighbour vote needs architecture "syncxml"/);
});

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";
import { chooseVote, precisions, reportToSave, textCandidates, VOTE_GRID } from "../../src/methods/xr-linear/auto.js";
import { fuseQuery, LabelTextChannel, NeighbourChannel, NO_CHANNELS } from "../../src/methods/xr-linear/channels.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { parseXRLinearParams } from "../../src/methods/xr-linear/params.js";
import { LexicalIndex } from "../../src/retrieval/lexical.js";
import { loadModel } from "../../src/api/load.js";

/**
 * Texts over 30 labels: label l's keyword `kw<l>` (and a second word `aux<l>`) appear in texts
 * of label l, with filler words; label 30 ("zebra") has a text but no training instance (its
 * words occur in a few training texts at random).
 */
function textData(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const L = 30;
  const texts: string[] = [], yi: number[][] = [];
  for (let i = 0; i < n; i++) {
    const labels = [rng.int(L)];
    if (rng.next() < 0.4) labels.push((labels[0] + 1 + rng.int(L - 1)) % L);
    const words = labels.flatMap((l) => [`kw${l}`, rng.next() < 0.7 ? `aux${l}` : "", "the"]);
    for (let k = 0; k < 4; k++) words.push(`filler${rng.int(50)}`);
    // the unseen label's words occur in training texts, as noise
    if (rng.next() < 0.05) words.push("zebra");
    if (rng.next() < 0.05) words.push("stripes");
    texts.push(words.filter((w) => w !== "").join(" "));
    yi.push(labels.sort((a, b) => a - b));
  }
  const labelNames = [...Array.from({ length: L }, (_, l) => `label-${l}`), "zebra"];
  const labelTexts = [...Array.from({ length: L }, (_, l) => `kw${l} topic`), "zebra stripes savanna"];
  return { source: "synthetic-text", kind: "text", X: null, texts, Y: csrFromRows(L + 1, yi), labelNames, labelTexts, knownLabels: L + 1 };
}

const small = { tree: { maxLeafSize: 8, nrSplits: 4 } };

test("precisions: P@1/3/5 known answer, short rankings count the hits they have", () => {
  const Y = csrFromRows(5, [[0, 1], [2]]);
  const pred = [{ labels: Int32Array.from([0, 3, 1, 4, 2]) }, { labels: Int32Array.from([2]) }];
  const [p1, p3, p5] = precisions(pred, Y);
  assert.equal(p1, 100);
  assert.ok(Math.abs(p3 - (100 * 3) / 6) < 1e-9);
  assert.ok(Math.abs(p5 - (100 * 3) / 10) < 1e-9);
});

test("candidates: word unigrams and 1-2-grams, min_df 2 up to 100K texts and growing after", () => {
  const c = textCandidates(5000);
  assert.deepEqual(c.map((x) => x.name), ["word 1-grams", "word 1-2-grams"]);
  assert.deepEqual(c.map((x) => [x.text.vectorizers[0].ngramMax, x.text.vectorizers[0].minDf, x.text.vectorizers[0].sublinearTf]), [[1, 2, true], [2, 2, true]]);
  assert.equal(textCandidates(250000)[0].text.vectorizers[0].minDf, 3);
});

/**
 * n queries whose trees rank label 1 (0.9) over label 0 (0.5); each query's one neighbour has
 * label 0 (cosine 1). `truths[i]` is query i's one true label.
 */
function voteCase(truths: number[]) {
  const trees = truths.map(() => ({ labels: Int32Array.from([1, 0]), scores: Float32Array.from([0.9, 0.5]) }));
  const Y = csrFromRows(2, truths.map((t) => [t]));
  const nb = { ids: new Int32Array(truths.length), scores: new Float32Array(truths.length).fill(1) };
  return { trees, Y, nb, labelsOf: csrFromRows(2, [[0]]) };
}

test("vote choice: a vote that fixes every query is kept at the smallest weight that does it", () => {
  // fused: label 1 (1 − w)·0.9, label 0 (1 − w)·0.5 + w; label 0 first from w = 0.3 on (0.65 > 0.63)
  const c = voteCase(Array.from({ length: 40 }, () => 0));
  const r = chooseVote(c.trees, c.Y, c.nb, c.labelsOf, 1);
  assert.equal(r.weight, 0.3);
  assert.equal(r.tau, VOTE_GRID.taus[0]);
  // P@1 0 → 100; both labels were already in the top 3 and 5
  assert.ok(Math.abs(r.gain - 100) < 1e-9 && r.noise < 1e-9, `${r.gain} ${r.noise}`);
  assert.deepEqual(r.p.map((v) => Math.round(v * 100) / 100), [100, 33.33, 20]);
});

test("vote choice: a gain within 2.5 standard errors of the per-query difference keeps the vote off", () => {
  // 6 queries gain 100 points of P@1, 4 lose 100: mean +20, standard error 32.7 (margin 81.6)
  const c = voteCase([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  const r = chooseVote(c.trees, c.Y, c.nb, c.labelsOf, 1);
  assert.equal(r.weight, 0);
  assert.ok(Math.abs(r.gain - 20) < 1e-9);
  assert.ok(Math.abs(r.noise - 2.5 * Math.sqrt((6 * 80 ** 2 + 4 * 120 ** 2) / 9 / 10)) < 1e-9);
  assert.deepEqual(r.p, precisions(c.trees, c.Y), "off: the trees' own scores");
  // the same pattern 36 to 4: mean +80, standard error 15.4: kept
  const many = voteCase([...Array.from({ length: 36 }, () => 0), 1, 1, 1, 1]);
  assert.equal(chooseVote(many.trees, many.Y, many.nb, many.labelsOf, 1).weight, 0.3);
});

/**
 * n texts drawn from T templates: each template has 4 words of its own and 1 to 3 of L labels;
 * a text keeps each template word with probability 0.8 and adds 3 of 40 filler words. Trees
 * fitted on a few hundred rows miss many templates that a neighbour vote still finds; trees
 * fitted on thousands know them all.
 */
function templateData(n: number, T: number, L: number): Dataset {
  const t = new Rng(7);
  const templates = Array.from({ length: T }, (_, i) => ({
    words: [0, 1, 2, 3].map((j) => `t${i}w${j}`),
    labels: [...new Set([t.int(L), t.int(L), t.int(L)])].sort((a, b) => a - b),
  }));
  const rng = new Rng(1);
  const texts: string[] = [], yi: number[][] = [];
  for (let i = 0; i < n; i++) {
    const tp = templates[rng.int(T)];
    const words = tp.words.filter(() => rng.next() < 0.8);
    for (let k = 0; k < 3; k++) words.push(`f${rng.int(40)}`);
    texts.push(words.join(" "));
    yi.push(tp.labels);
  }
  return { source: "templates", kind: "text", X: null, texts, Y: csrFromRows(L, yi), labelNames: Array.from({ length: L }, (_, l) => `l${l}`), labelTexts: null, knownLabels: L };
}

test("auto vote: a gain on the fitting part's small model is weighed again on 90 % of the rows, which decides", async () => {
  const lines: string[] = [];
  const progress = { log: (s: string) => lines.push(s), start: () => {}, tick: () => {}, stop: () => {} };
  const m = await XRLinearModel.train(templateData(4000, 400, 400), small, { threads: 1, progress });
  // 400 validation rows, 800 fitting rows: the vote gains clearly with the fitting part's tree
  assert.ok(lines.some((l) => /neighbour vote gains [\d.]+ points on the fitting rows' model .* weighing it on 3600 rows/.test(l)), lines.join("\n"));
  // with one tree on the other 3600 rows the trees find every template: the vote is off
  const v = m.selection!.vote!;
  assert.equal(v.rows, 3600);
  assert.equal(v.weight, 0);
  assert.ok(v.gain! <= v.noise!);
  assert.equal(m.params.fusion.vote, "off");
  assert.ok(!m.channels.vote);
});

test("params: text defaults to auto, an explicit text section wins, fusion is validated", () => {
  assert.equal(parseXRLinearParams({}).text, "auto");
  assert.equal(parseXRLinearParams({ text: "auto" }).text, "auto");
  assert.equal(parseXRLinearParams({}).fusion.vote, "auto");
  assert.equal(parseXRLinearParams({}).fusion.labelTexts, "auto");
  const p = parseXRLinearParams({ text: { vectorizers: [{ analyzer: "word", ngramMax: 1 }] } });
  assert.notEqual(p.text, "auto");
  assert.throws(() => parseXRLinearParams({ fusion: { vote: "sometimes" } }), /fusion\.vote/);
  assert.throws(() => parseXRLinearParams({ fusion: { voteWeight: 2 } }), /voteWeight/);
});

test("lexical index: searchRows gives the dot-product nearest rows, best first, ties by smaller id", () => {
  const X = csrFromRows(4, [[0, 1], [1, 2], [0, 3], [2]], [[0.6, 0.8], [0.6, 0.8], [0.8, 0.6], [1]]);
  const ch = NeighbourChannel.build(X, csrFromRows(3, [[0], [1], [2], [1]]), 2, 0.1);
  const Q = csrFromRows(4, [[0], [2]], [[1], [1]]);
  const r = ch.index.searchRows(Q, 3);
  // query 0 (feature 0): rows 2 (0.8), 0 (0.6); nothing else shares feature 0
  assert.deepEqual(Array.from(r.ids.subarray(0, 3)), [2, 0, -1]);
  assert.ok(Math.abs(r.scores[0] - 0.8) < 1e-6 && Math.abs(r.scores[1] - 0.6) < 1e-6);
  // query 1 (feature 2): rows 3 (1.0), 1 (0.8)
  assert.deepEqual(Array.from(r.ids.subarray(3, 6)), [3, 1, -1]);
  assert.ok(ch.index instanceof LexicalIndex);
});

test("fusion: (1 - w) tree + w vote, label texts add β·cos, ties by lower label id", () => {
  // two training rows: row 0 (feature 0) has label 3, row 1 (feature 1) has label 4
  const vote = NeighbourChannel.build(csrFromRows(3, [[0], [1]], [[1], [1]]), csrFromRows(6, [[3], [4]]), 1, 0.1);
  const tree = { labels: Int32Array.from([1, 2]), scores: Float32Array.from([0.9, 0.5]) };
  const q = { idx: Int32Array.from([0]), val: Float32Array.from([1]) };
  const r = fuseQuery(tree, { ...NO_CHANNELS, vote, voteWeight: 0.5 }, q.idx, q.val, 0, 1, 3);
  // tree: 1 → 0.45, 2 → 0.25; vote: the one neighbour (row 0) gives label 3 the whole 0.5
  assert.deepEqual(Array.from(r.labels), [3, 1, 2]);
  assert.ok(Math.abs(r.scores[0] - 0.5) < 1e-6 && Math.abs(r.scores[1] - 0.45) < 1e-6);
  // label texts: label 5 has no training instance; its text is feature 2
  const lt = LabelTextChannel.build(["", "", "", "", "", "stripes"], Int32Array.from([1, 1, 1, 1, 1, 0]), 3, () => csrFromRows(3, [[2]], [[1]]), 5)!;
  assert.deepEqual(Array.from(lt.labels), [5]);
  const q2 = { idx: Int32Array.from([2]), val: Float32Array.from([1]) };
  const r2 = fuseQuery(tree, { ...NO_CHANNELS, labelText: lt, labelTextWeight: 0.5 }, q2.idx, q2.val, 0, 1, 3);
  assert.deepEqual(Array.from(r2.labels), [1, 2, 5]);
  const r3 = fuseQuery(tree, { ...NO_CHANNELS, labelText: lt, labelTextWeight: 0.5 }, q2.idx, q2.val, 0, 1, 2);
  assert.deepEqual(Array.from(r3.labels), [1, 2]);
  // a tie between label 2 (tree 0.5) and label 5 (β·cos = 0.5): the lower id first
  assert.ok(Math.abs(r2.scores[1] - r2.scores[2]) < 1e-6);
});

test("auto: candidates scored on a validation split, choice stored, printed, and kept through save/load", async () => {
  const data = textData(500, 1);
  const lines: string[] = [];
  const progress = { log: (s: string) => lines.push(s), start: () => {}, tick: () => {}, stop: () => {} };
  const auto = { ...small, fusion: { vote: "auto" } } as const;
  const m = await XRLinearModel.train(data, auto, { threads: 1, progress });
  assert.ok(m.selection, "a selection report");
  assert.equal(m.selection!.candidates.length, 2);
  assert.ok(["word 1-grams", "word 1-2-grams"].includes(m.selection!.chosen));
  assert.ok(m.selection!.validationRows === 50 && m.selection!.fitRows === 100);
  assert.notEqual(m.params.text, "auto", "the trained model holds the chosen featurization");
  assert.ok(m.params.fusion.vote === "on" || m.params.fusion.vote === "off");
  const v = m.selection!.vote!;
  assert.ok(v && typeof v.gain === "number" && typeof v.noise === "number", "the vote's gain and noise margin are reported");
  assert.equal(v.weight > 0, m.params.fusion.vote === "on");
  assert.ok(v.weight === 0 || v.gain! > v.noise!);
  assert.ok(lines.some((l) => l.startsWith("auto settings: text features")), lines.join("\n"));
  // deterministic: the same data and seed give the same choice and predictions
  const m2 = await XRLinearModel.train(data, auto, { threads: 2 });
  assert.equal(m2.selection!.chosen, m.selection!.chosen);
  assert.deepEqual(m2.params.fusion, m.params.fusion);
  const test_ = textData(60, 2);
  const dir = mkdtempSync(join(tmpdir(), "xmc-auto-"));
  try {
    m.save(join(dir, "m.xmc"));
    const back = loadModel(join(dir, "m.xmc")) as XRLinearModel;
    assert.deepEqual(back.selection, reportToSave(m.selection!), "saved without the CPU timings");
    assert.deepEqual(back.predictDataset(test_), m.predictDataset(test_));
    assert.deepEqual(m2.predictDataset(test_), m.predictDataset(test_));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // an explicit text section wins: no candidates scored
  const given = await XRLinearModel.train(data, { ...small, text: { vectorizers: [{ analyzer: "word" }] } }, { threads: 1 });
  assert.equal(given.selection!.candidates.length, 0);
  assert.deepEqual(given.params.text, parseXRLinearParams({ text: { vectorizers: [{ analyzer: "word" }] } }).text);
});

test("label texts: a label never seen in training is returned when its text matches; the vote round-trips", async () => {
  const data = textData(300, 3);
  const m = await XRLinearModel.train(data, { ...small, text: { vectorizers: [{ analyzer: "word", minDf: 1 }] }, fusion: { vote: "on", voteWeight: 0.3, labelTexts: "on", labelTextWeight: 1 } }, { threads: 1 });
  assert.equal(m.trainLabelCounts[30], 0);
  assert.deepEqual(m.channels.labelText && Array.from(m.channels.labelText.labels), [30]);
  const top = m.predictTexts(["zebra stripes kw3"], { topK: 5 })[0].map((s) => s.label);
  assert.ok(top.includes("zebra"), top.join(","));
  assert.ok(top.includes("label-3"), top.join(","));
  // off: the unseen label is not returned
  const off = await XRLinearModel.train(data, { ...small, text: { vectorizers: [{ analyzer: "word", minDf: 1 }] }, fusion: { vote: "off", labelTexts: "off" } }, { threads: 1 });
  assert.ok(!off.predictTexts(["zebra stripes kw3"], { topK: 5 })[0].some((s) => s.label === "zebra"));
  const dir = mkdtempSync(join(tmpdir(), "xmc-auto-"));
  try {
    m.save(join(dir, "m.xmc"));
    const back = loadModel(join(dir, "m.xmc")) as XRLinearModel;
    assert.ok(back.channels.vote && back.channels.labelText);
    const q = ["kw4 aux4 the filler3", "zebra savanna"];
    assert.deepEqual(back.predictTexts(q), m.predictTexts(q));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a weight given beside an auto switch is reported as unused", async () => {
  const { autoWarnings } = await import("../../src/methods/xr-linear/auto.js");
  const given = { fusion: { vote: "auto", voteWeight: 0.5 } } as const;
  assert.match(autoWarnings(given, parseXRLinearParams(given)).join("\n"), /fusion\.voteWeight .* "auto"/);
  const on = { fusion: { vote: "on", voteWeight: 0.5 } } as const;
  assert.deepEqual(autoWarnings(on, parseXRLinearParams(on)), []);
  assert.deepEqual(autoWarnings({}, parseXRLinearParams({})), []);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { cliSandbox } from "./sandbox.js";

const { dir, xmc, file } = cliSandbox("inspect");

// 8 labels; label l fires feature l, plus one of two shared features
const xc = ["32 10 8"];
for (let i = 0; i < 32; i++) xc.push(`${i % 8} ${i % 8}:1 ${8 + (i % 2)}:0.3`);
const xcData = file("xc.txt", `${xc.join("\n")}\n`);
const xcModel = join(dir, "xc.xmc");

test("inspect: method, params, sizes, and level sizes 2 4 8 for 8 labels in leaves of 2 with B = 2", () => {
  const t = xmc("train", xcData, "-m", xcModel, "--nr-splits", "2", "--max-leaf-size", "2", "--trees", "1", "-q");
  assert.equal(t.code, 0, t.err);
  const r = xmc("inspect", "-m", xcModel, "--json");
  assert.equal(r.code, 0, r.err);
  const info = JSON.parse(r.out);
  assert.equal(info.method, "xr-linear");
  assert.equal(info.labels, 8);
  assert.equal(info.trainingPoints, 32);
  assert.equal(info.params.tree.nrSplits, 2);
  assert.equal(info.params.tree.maxLeafSize, 2);
  assert.equal(info.trees.length, 1);
  assert.deepEqual(info.trees[0].levelSizes, [2, 4, 8]);
  assert.equal(info.trees[0].depth, 3);
  // every array of the file is in some part, and header + parts never exceed the file
  const parts = info.size.parts as { part: string; bytes: number }[];
  assert.ok(parts.some((p) => p.part === "tree.*.*.entVal"));
  assert.ok(parts.some((p) => p.part === "trainLabelCounts" && p.bytes === 8 * 4));
  assert.ok(info.size.headerBytes + parts.reduce((s, p) => s + p.bytes, 0) <= info.size.fileBytes);
  const text = xmc("inspect", "-m", xcModel);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /levelSizes 2 4 8/);
  assert.match(text.out, /trainLabelCounts \(1\) +32/);
});

test("inspect --label: the path follows the tree, the label's own feature weighs most", () => {
  const r = xmc("inspect", "-m", xcModel, "--label", "5", "--json");
  assert.equal(r.code, 0, r.err);
  const info = JSON.parse(r.out);
  assert.equal(info.id, 5);
  assert.equal(info.trainCount, 4);
  assert.equal(info.paths.length, 1);
  const [top, mid, leaf] = info.paths[0].nodes as number[];
  assert.equal(leaf, 5);
  const chain = XRLinearModel.load(xcModel).trees[0].chain;
  const children = (t: number, p: number) => Array.from(chain[t].children.subarray(chain[t].ptr[p], chain[t].ptr[p + 1]));
  assert.ok(children(0, 0).includes(top));
  assert.ok(children(1, top).includes(mid));
  assert.ok(children(2, mid).includes(5));
  assert.equal(info.topFeatures[0].feature, "5");
  const bad = xmc("inspect", "-m", xcModel, "--label", "nope");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^xmc: error: --label: the model has no label "nope"/);
});

// a text toy: each label is defined by one word; the other words are shared by every label
const words = { graphics: "gimp", editor: "vim", audio: "sox" } as const;
const texts: string[] = [], labels: string[] = [];
const fillers = ["a tool for users", "a small program for users", "the tool for people", "a program for people"];
for (let i = 0; i < 48; i++) {
  const [label, word] = Object.entries(words)[i % 3];
  texts.push(`${fillers[i % 4]} ${word} ${fillers[(i + 1) % 4]}`);
  labels.push(label);
}
file("toy_texts.txt", `${texts.join("\n")}\n`);
file("toy_labels.txt", `${labels.join("\n")}\n`);
file("q_texts.txt", "a program for people with gimp\nvim for users\n");

test("predict --explain: the word that defines a label comes first in its why", () => {
  const t = xmc("train", join(dir, "toy"), "-m", join(dir, "toy.xmc"), "--trees", "1", "-q");
  assert.equal(t.code, 0, t.err);
  const r = xmc("predict", join(dir, "q"), "-m", join(dir, "toy.xmc"), "-k", "2", "--explain", "-q");
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  for (const [i, [label, word]] of [["graphics", "gimp"], ["editor", "vim"]].entries()) {
    const line = lines[i];
    assert.equal(line.id, i);
    assert.equal(line.labels[0].label, label);
    assert.ok(line.labels.every((l: { why?: unknown[] }) => Array.isArray(l.why)));
    assert.equal(line.labels[0].why[0].feature, word);
    assert.ok(line.labels[0].why[0].weight > 0);
    // weights listed largest first
    const w = line.labels[0].why.map((x: { weight: number }) => x.weight);
    assert.deepEqual(w, [...w].sort((a, b) => b - a));
  }
  const plain = xmc("predict", join(dir, "q"), "-m", join(dir, "toy.xmc"), "-k", "2", "-q");
  assert.doesNotMatch(plain.out, /why/);
});

test("predict --explain on a neural model: a one-line error, exit 2; inspect shows its generic part", () => {
  const ptexts: string[] = [], plabels: string[] = [];
  for (let i = 0; i < 60; i++) {
    const l = i % 4;
    ptexts.push(`thing ${i % 5} with w${l}a and w${l}b`);
    plabels.push(`L${l}`);
  }
  file("p_texts.txt", `${ptexts.join("\n")}\n`);
  file("p_labels.txt", `${plabels.join("\n")}\n`);
  file("labels.txt", `${[0, 1, 2, 3].map((l) => `L${l}\tw${l}a w${l}b`).join("\n")}\n`);
  const params = file("prime.json", JSON.stringify({ encoder: { dim: 8 }, wordvec: { epochs: 1 }, lpn: { heads: 2, ffn: 8 }, train: { epochs: 1, batch: 16 }, batches: { clusterFrom: 1, clusterSize: 4 } }));
  const t = xmc("train", join(dir, "p"), "-m", join(dir, "prime.xmc"), "--method", "prime", "--params", params, "-q");
  assert.equal(t.code, 0, t.err);
  const r = xmc("predict", join(dir, "p"), "-m", join(dir, "prime.xmc"), "--explain", "-q");
  assert.equal(r.code, 2);
  assert.equal(r.err, "xmc: error: --explain is not available for prime models\n");
  assert.equal(r.out, "");
  const i = xmc("inspect", "-m", join(dir, "prime.xmc"), "--json");
  assert.equal(i.code, 0, i.err);
  const info = JSON.parse(i.out);
  assert.equal(info.method, "prime");
  assert.equal(info.labels, 4);
  assert.equal(info.trainingPoints, 60);
  assert.ok(info.size.parts.length > 0);
  const l = xmc("inspect", "-m", join(dir, "prime.xmc"), "--label", "L1");
  assert.equal(l.code, 2);
  assert.match(l.err, /--label is not available for prime models/);
});

test("evaluate --report writes one self-contained HTML file, no temp file left beside it", async () => {
  const out = join(dir, "reports", "r.html");
  const { mkdirSync } = await import("node:fs");
  assert.equal(xmc("evaluate", xcData, "-m", xcModel, "-q", "--report", out).code, 2, "the report's directory must exist");
  mkdirSync(join(dir, "reports"));
  const r = xmc("evaluate", xcData, "-m", xcModel, "-q", "--report", out);
  assert.equal(r.code, 0, r.err);
  const { readFileSync, readdirSync } = await import("node:fs");
  assert.deepEqual(readdirSync(join(dir, "reports")), ["r.html"]);
  const html = readFileSync(out, "utf8");
  assert.match(html, /^<!DOCTYPE html>/);
  for (const id of ["metrics", "buckets", "calibration", "errors", "examples"]) assert.match(html, new RegExp(`<section id="${id}">`));
  assert.match(html, /<figure class="plot" id="plot-curves"><svg /);
  // raw scores of an uncalibrated model: the reason instead of a threshold curve
  assert.match(html, /No threshold curve: the scores of this model are not calibrated/);
  assert.doesNotMatch(html, /<script/);
});

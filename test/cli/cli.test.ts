import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { cliSandbox } from "./sandbox.js";

const { dir, xmc, file } = cliSandbox("cli");

// a tiny XC data set: 3 labels, label l fires feature l
const lines = ["12 6 3"];
for (let i = 0; i < 12; i++) lines.push(`${i % 3} ${i % 3}:1 ${3 + (i % 3)}:0.5`);
const good = file("good.txt", `${lines.join("\n")}\n`);

const malformed: [string, string, RegExp][] = [
  ["bad-header.txt", "abc\n0 1:1\n", /bad-header\.txt:1: .*header/],
  ["bad-feature.txt", "1 4 2\n0 9:1\n", /bad-feature\.txt:2: .*feature id 9/],
  ["bad-value.txt", "1 4 2\n0 1:abc\n", /bad-value\.txt:2: .*not a number/],
  ["bad-label.txt", "1 4 2\n5 1:1\n", /bad-label\.txt:2: .*label id 5/],
  ["short.txt", "3 4 2\n0 1:1\n", /short\.txt/],
  ["empty.txt", "", /empty\.txt/],
];

for (const [name, text, want] of malformed) {
  test(`train on malformed ${name}: file:line message, exit 2, no stack trace`, () => {
    const p = file(name, text);
    const r = xmc("train", p, "-m", join(dir, "m-bad"), "-q");
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, want);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });
}

test("missing data and missing model are clear errors", () => {
  let r = xmc("train", join(dir, "nope.txt"), "-m", join(dir, "m"), "-q");
  assert.equal(r.code, 2);
  assert.match(r.err, /nope\.txt: no such file/);
  r = xmc("predict", good, "-m", join(dir, "no-model"), "-q");
  assert.equal(r.code, 2);
  assert.match(r.err, /no-model: no such model file/);
  r = xmc("train", good, "-m", join(dir, "m"), "--nr-splits", "1", "-q");
  assert.equal(r.code, 2);
  assert.match(r.err, /nrSplits: must be at least 2/);
  // a bad setting is reported before the data is read (here the data does not even exist)
  for (const method of ["xr-linear", "xr-transformer", "prime", "syncxml"]) {
    r = xmc("train", join(dir, "nope.txt"), "-m", join(dir, "m"), "--method", method, "--params", file(`bad-${method}.json`, JSON.stringify({ predict: { topK: 0 } })), "-q");
    assert.equal(r.code, 2, method);
    assert.match(r.err, /topK: must be at least 1/, method);
    assert.doesNotMatch(r.err, /nope\.txt/, method);
  }
});

test("train, predict (JSON Lines with names) and evaluate --json on a tiny data set", () => {
  const model = join(dir, "m-good");
  let r = xmc("train", good, "-m", model, "-q", "--threads", "1");
  assert.equal(r.code, 0, r.err);
  r = xmc("predict", good, "-m", model, "-k", "2", "-q");
  assert.equal(r.code, 0, r.err);
  const rows = r.out.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(rows.length, 12);
  assert.equal(rows[0].id, 0);
  assert.equal(rows[0].labels.length, 2);
  assert.equal(rows[0].labels[0].label, "0");
  assert.ok(rows[0].labels[0].score >= rows[0].labels[1].score);
  r = xmc("evaluate", good, "-m", model, "--json", "-q");
  assert.equal(r.code, 0, r.err);
  const last = JSON.parse(r.out);
  // the model has 3 labels: the default cut-offs stop at 3 (a cut-off the user gives is capped with a warning)
  for (const k of ["P@1", "P@3", "nDCG@1", "nDCG@3", "PSP@1", "PSP@3", "n"]) assert.ok(k in last, k);
  assert.ok(!("P@5" in last));
  assert.equal(r.err, "");
  const given = xmc("evaluate", good, "-m", model, "--json", "-q", "--ks", "1,5");
  assert.match(given.err, /warning: cut-offs above the model's 3 labels \(@5\) are reported as @3/);
  assert.equal(last.n, 12);
  r = xmc("predict", good, "-m", model, "--search", "hnsw", "-q");
  assert.equal(r.code, 2);
  assert.match(r.err, /--search: not a prediction option of xr-linear models \(only of syncxml, inceptionxml, prime models\)/);
  assert.equal(last["P@1"], 100);
});

test("train --method prime on a text PREFIX with label texts, then evaluate --json and predict", () => {
  const texts: string[] = [], labels: string[] = [];
  for (let i = 0; i < 60; i++) {
    const l = i % 4;
    texts.push(`thing ${i % 5} with w${l}a and w${l}b`);
    labels.push(`L${l}`);
  }
  file("p_texts.txt", `${texts.join("\n")}\n`);
  file("p_labels.txt", `${labels.join("\n")}\n`);
  file("labels.txt", `${[0, 1, 2, 3].map((l) => `L${l}\tw${l}a w${l}b`).join("\n")}\n`);
  const params = file("prime.json", JSON.stringify({ encoder: { dim: 8 }, wordvec: { epochs: 1 }, lpn: { heads: 2, ffn: 8 }, train: { epochs: 3, batch: 16 }, batches: { clusterFrom: 1, clusterSize: 4 } }));
  const t = xmc("train", join(dir, "p"), "-m", join(dir, "prime-model"), "--method", "prime", "--params", params, "-q");
  assert.equal(t.code, 0, t.err);
  const e = xmc("evaluate", join(dir, "p"), "-m", join(dir, "prime-model"), "--json", "-q");
  assert.equal(e.code, 0, e.err);
  const m = JSON.parse(e.out);
  assert.equal(m.n, 60);
  assert.ok(m["P@1"] >= 0 && m["P@1"] <= 100);
  const p = xmc("predict", join(dir, "p"), "-m", join(dir, "prime-model"), "-k", "2", "-q");
  assert.equal(p.code, 0, p.err);
  const first = JSON.parse(p.out.split("\n")[0]);
  assert.equal(first.labels.length, 2);
  const h = xmc("predict", join(dir, "p"), "-m", join(dir, "prime-model"), "-k", "2", "--search", "hnsw", "--ef-search", "8", "--exclude-self", "true", "-q");
  assert.equal(h.code, 0, h.err);
  assert.equal(JSON.parse(h.out.split("\n")[0]).labels.length, 2);
  // prototypes only (no classifier, no neighbours): scores are cosines
  const c = xmc("predict", join(dir, "p"), "-m", join(dir, "prime-model"), "-k", "2", "--mix", "1", "--neighbour-weight", "0", "--lexical-weight", "0", "-q");
  assert.equal(c.code, 0, c.err);
  for (const { score } of JSON.parse(c.out.split("\n")[0]).labels) assert.ok(score <= 1.00001 && score >= -1.00001);
  // predict needs only the texts; evaluate needs the labels too
  file("q_texts.txt", "thing 1 with w2a and w2b\nw3a w3b\n");
  const q = xmc("predict", join(dir, "q"), "-m", join(dir, "prime-model"), "-k", "1", "-q");
  assert.equal(q.code, 0, q.err);
  assert.equal(q.out.trim().split("\n").length, 2);
  const qe = xmc("evaluate", join(dir, "q"), "-m", join(dir, "prime-model"), "-q");
  assert.equal(qe.code, 2);
  assert.match(qe.err, /q_labels\.txt/);
  const bad = xmc("train", join(dir, "p"), "-m", join(dir, "bad-model"), "--method", "prime", "--params", file("bad.json", JSON.stringify({ lpn: { heads: 3 } })), "-q");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /heads/);
});

test("--params takes a bundled preset by name; an unknown name lists the presets", () => {
  let r = xmc("train", good, "-m", join(dir, "m-preset"), "-q", "--threads", "1", "--params", "single-tree");
  assert.equal(r.code, 0, r.err);
  r = xmc("train", good, "-m", join(dir, "m-nope"), "-q", "--params", "no-such-preset");
  assert.equal(r.code, 2);
  assert.match(r.err, /no-such-preset: no such file or bundled preset .*mixed-disentangled/);
  assert.doesNotMatch(r.err, /\n\s+at /);
});

test("prediction flags: each method takes its own; another method's flag is an error naming the methods that take it", async () => {
  const { predictOverrides } = await import("../../src/cli/method-options.js");
  const { methodByName } = await import("../../src/api/methods.js");
  const reserved = ["model", "output", "quiet", "help"];
  assert.deepEqual(predictOverrides({ lexicalWeight: 0.2, neighbours: 5, neighbourWeight: 0.3 }, methodByName("syncxml"), reserved), { neighbours: 5, neighbourWeight: 0.3, lexicalWeight: 0.2 });
  assert.throws(() => predictOverrides({ mix: 0.5 }, methodByName("syncxml"), reserved), /--mix: not a prediction option of syncxml models \(only of prime models\)/);
  assert.throws(() => predictOverrides({ lexicalWeight: 0.2 }, methodByName("xr-linear"), reserved), /--lexical-weight: not a prediction option of xr-linear models \(only of syncxml, inceptionxml, prime models\)/);
  assert.deepEqual(predictOverrides({ mix: 0.5, topK: "3" }, methodByName("prime"), reserved), { topK: "3", mix: 0.5 });
  assert.deepEqual(predictOverrides({ topK: "2", beamSize: "4" }, methodByName("xr-linear"), reserved), { beamSize: "4", topK: "2" });
});

test("train flags come from the chosen method's params sections", () => {
  let r = xmc("train", "--help");
  assert.equal(r.code, 0);
  for (const f of ["--trees", "--beam-size", "-k, --top-k", "--prune-threshold", "--kernel", "--params"]) assert.ok(r.out.includes(f), f);
  assert.ok(!r.out.includes("--resume"));
  r = xmc("train", "--method", "prime", "--help");
  assert.equal(r.code, 0);
  for (const f of ["--resume", "--heads", "--mix", "--train-epochs", "--wordvec-epochs", "--ann-seed"]) assert.ok(r.out.includes(f), f);
  assert.ok(!r.out.includes("--trees"));
  r = xmc("train", good, "-m", join(dir, "m-x"), "--method", "nope", "-q");
  assert.equal(r.code, 2);
  assert.match(r.err, /--method: unknown method "nope" \(known: xr-linear, syncxml, inceptionxml, prime, xr-transformer\)/);
});

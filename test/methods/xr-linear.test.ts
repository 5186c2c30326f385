import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import type { Dataset } from "../../src/data/dataset.js";
import { loadDataset } from "../../src/data/load.js";
import { evaluate } from "../../src/eval/metrics.js";
import { syntheticXc } from "./xr-linear-toy.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { decodeHeader } from "../../src/model/format.js";
import { loadModel } from "../../src/api/load.js";
import { readModelHeader } from "../../src/model/file.js";
import type { XRLinearParamsInput } from "../../src/methods/xr-linear/params.js";

const BIBTEX = new URL("../../../data/bibtex/", import.meta.url).pathname;

/** Label l fires feature l (plus noise), 40 labels. */
const synthetic = (n: number, seed: number): Dataset => syntheticXc(n, seed, 40);

const small = { tree: { maxLeafSize: 8, nrSplits: 4 } };

test("synthetic: learns the obvious labels, deterministic across thread counts and kernels", async () => {
  const data = synthetic(600, 1);
  const a = await XRLinearModel.train(data, small, { threads: 1 });
  const b = await XRLinearModel.train(data, small, { threads: 2 });
  const c = await XRLinearModel.train(data, small, { threads: 1, solverKind: "js" });
  assert.ok(a.trees[0].chain.length >= 2, "a real tree");
  const test_ = synthetic(200, 2);
  const X = a.featurize(test_);
  const pa = a.predict(X);
  const pb = b.predict(X);
  const pc = c.predict(X);
  for (let i = 0; i < X.rows; i++) {
    assert.deepEqual(pa[i].labels, pb[i].labels);
    assert.deepEqual(pa[i].scores, pb[i].scores);
    assert.deepEqual(pa[i].labels.subarray(0, 2), pc[i].labels.subarray(0, 2));
  }
  const r = evaluate(pa, test_.Y, { ks: [1] });
  assert.ok(r["P@1"] > 95, `P@1 ${r["P@1"]}`);
});

test("features past the model's dimension are ignored by predict and predictFeatures", async () => {
  const m = await XRLinearModel.train(synthetic(200, 3), small, { threads: 1 });
  const q = csrFromRows(m.dim, [[3, 50]], [[1, 0.3]]);
  const wide = csrFromRows(m.dim + 5, [[3, 50, m.dim, m.dim + 4]], [[1, 0.3, 2, 2]]);
  const want = m.predict(q)[0];
  assert.deepEqual(m.predict(wide)[0], want);
  assert.deepEqual(m.predictFeatures(wide.indices, wide.data), want);
});

test("save/load round trip gives identical predictions; a missing model file is a clear error", async () => {
  const data = synthetic(300, 3);
  const m = await XRLinearModel.train(data, small, { threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), "xmc-test-"));
  try {
    m.save(join(dir, "m"));
    m.save(join(dir, "m")); // overwriting an existing model works
    const l = XRLinearModel.load(join(dir, "m"));
    const X = m.featurize(data);
    assert.deepEqual(l.predict(X), m.predict(X));
    assert.deepEqual(l.labelNames, m.labelNames);
    assert.deepEqual(l.params, m.params);
    assert.throws(() => XRLinearModel.load(join(dir, "nope")), /no such model file/);
    // from bytes (a download, a browser): the same model
    const bytes = readFileSync(join(dir, "m"));
    assert.deepEqual(XRLinearModel.load(bytes).predict(X), m.predict(X));
    assert.deepEqual(loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)).predictDataset(data), m.predict(X));
    assert.equal(readModelHeader(join(dir, "m")).method, "xr-linear");
    // a flipped byte inside any non-empty array is an error naming that array
    const { index, dataStart } = decodeHeader(bytes, "m");
    for (const [name, e] of Object.entries(index)) {
      if (e.length === 0) continue;
      const bad = Uint8Array.from(bytes);
      bad[dataStart + e.offset] ^= 1;
      writeFileSync(join(dir, "bad"), bad);
      assert.throws(() => loadModel(join(dir, "bad")), (err: unknown) => err instanceof Error && err.message === `${join(dir, "bad")}: array "${name}" fails its checksum (the file is corrupt)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("params: unknown keys are rejected with their name; values are validated", async () => {
  const data = synthetic(50, 4);
  // the same keys in a params file: a typo that the type check catches in code is caught at run time too
  await assert.rejects(XRLinearModel.train(data, { tree: { nrSplit: 4 } } as XRLinearParamsInput), /unknown parameter "nrSplit"/);
  await assert.rejects(XRLinearModel.train(data, { solvr: {} } as XRLinearParamsInput), /unknown section "solvr"/);
  await assert.rejects(XRLinearModel.train(data, { predict: { beamSize: 0 } }), /beamSize: must be at least 1/);
});

test("Bibtex end to end: P@1 floor with defaults", async () => {
  const train = await loadDataset(join(BIBTEX, "bibtex-train.arff"));
  const m = await XRLinearModel.train(train, {}, { threads: 2 });
  const testDs = await loadDataset(join(BIBTEX, "bibtex-test.arff"), { labels: m.labelNames });
  const r = evaluate(m.predict(m.featurize(testDs)), testDs.Y, { ks: [1, 3, 5] });
  // PECOS reaches 63.38 / 38.65 / 28.05 on this split
  assert.ok(r["P@1"] >= 62.5, `P@1 ${r["P@1"]}`);
  assert.ok(r["P@3"] >= 38, `P@3 ${r["P@3"]}`);
  assert.ok(r["P@5"] >= 27.5, `P@5 ${r["P@5"]}`);
});

test("calibration: a held-out split gives probabilities that keep the ranking, tuned thresholds, and survive save/load", async () => {
  const data = synthetic(800, 5);
  const m = await XRLinearModel.train(data, { ...small, calibration: { holdout: 0.2 } }, { threads: 1 });
  assert.ok(m.calibration, "calibration fitted");
  const X = m.featurize(synthetic(100, 6));
  const raw = m.predict(X, { rawScores: true });
  const cal = m.predict(X);
  for (let i = 0; i < X.rows; i++) {
    assert.deepEqual(cal[i].labels, raw[i].labels, "same ranking");
    for (let k = 0; k < cal[i].scores.length; k++) assert.ok(cal[i].scores[k] >= 0 && cal[i].scores[k] <= 1);
  }
  const tuned = m.predict(X, { thresholds: "tuned" });
  for (let i = 0; i < X.rows; i++) {
    // a thresholded list is a sub-list of the ranking
    const full = Array.from(cal[i].labels);
    let pos = -1;
    for (const l of tuned[i].labels) {
      const at = full.indexOf(l);
      assert.ok(at > pos);
      pos = at;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "xmc-test-"));
  try {
    m.save(join(dir, "m"));
    const l = XRLinearModel.load(join(dir, "m"));
    assert.deepEqual(l.predict(X, { thresholds: "tuned" }), tuned);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const plain = await XRLinearModel.train(synthetic(100, 7), small, { threads: 1 });
  assert.throws(() => plain.predict(X, { thresholds: "tuned" }), /train it with a held-out split/);
});

test("ensemble: fixed seed gives identical models; label copies train and merge", async () => {
  const data = synthetic(500, 8);
  const logistic = { loss: "logistic", Cp: 1.5, Cn: 1.5, costScaling: "node-size", eps: 1, postProcessor: "sigmoid" } as const;
  const p = { ...small, ensemble: { trees: 3, members: [{}, logistic, {}] } };
  const a = await XRLinearModel.train(data, p, { threads: 2 });
  const b = await XRLinearModel.train(data, p, { threads: 1 });
  const X = a.featurize(synthetic(100, 9));
  assert.equal(a.trees.length, 3);
  assert.deepEqual(a.predict(X), b.predict(X));
  const d = await XRLinearModel.train(data, { ...small, disentangle: { labelCopies: 2, matchBeam: 2 } }, { threads: 1 });
  const bottom = d.trees[0].chain.at(-1)!;
  assert.ok(bottom.nParents > 2);
  assert.ok(bottom.children.length > bottom.nNodes, "some labels have copies");
  for (const r of d.predict(X)) assert.equal(new Set(r.labels).size, r.labels.length, "copies merged");
  // a beam that reaches every leaf cluster carries no information: no copies, the plain tree
  const wide = await XRLinearModel.train(data, { ...small, disentangle: { labelCopies: 2, matchBeam: bottom.nParents } }, { threads: 1 });
  const plain = await XRLinearModel.train(data, small, { threads: 1 });
  assert.equal(wide.trees[0].chain.at(-1)!.children.length, bottom.nNodes);
  assert.deepEqual(wide.trees, plain.trees);
});

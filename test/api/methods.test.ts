import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { loadModel, methodOfModel } from "../../src/api/load.js";
import { METHODS, methodByName } from "../../src/api/methods.js";
import { XmcError } from "../../src/core/errors.js";
import { registerEvaluate } from "../../src/cli/evaluate.js";
import { addPredictOptions } from "../../src/cli/method-options.js";
import { registerPredict } from "../../src/cli/predict.js";
import { registerTrain } from "../../src/cli/train.js";
import { XRLinearModel } from "../../src/methods/xr-linear/index.js";
import { csrFromRows } from "../../src/core/csr.js";
import type { Dataset } from "../../src/data/dataset.js";

test("registry: names and aliases are unique; methodByName finds each and lists the names otherwise", () => {
  const names = METHODS.flatMap((m) => [m.name, ...(m.aliases ?? [])]);
  assert.equal(new Set(names).size, names.length);
  for (const m of METHODS) assert.equal(methodByName(m.name), m);
  assert.throws(() => methodByName("nope"), (e: unknown) => e instanceof XmcError && /unknown method "nope" \(known: xr-linear, syncxml, inceptionxml, prime, xr-transformer\)/.test(e.message));
});

test("registry: every method's params sections are among its params keys and take some data", () => {
  for (const m of METHODS) {
    for (const s of m.sections) assert.ok(m.paramsKeys.includes(s.name), `${m.name}: section ${s.name}`);
    assert.ok(m.takesText || m.takesFeatures, m.name);
    assert.ok(Object.keys(m.predictSchema).length > 0, m.name);
  }
});

test("every method's train and prediction flags register without a clash", () => {
  for (const m of METHODS) {
    const argv = ["node", "xmc", "train", "--method", m.name];
    assert.doesNotThrow(() => registerTrain(new Command(), argv), m.name);
    const cmd = new Command("predict");
    assert.doesNotThrow(() => addPredictOptions(cmd, ["node", "xmc", "predict"], "predict", ["model", "output", "quiet", "help"]), m.name);
  }
  assert.doesNotThrow(() => registerPredict(new Command(), ["node", "xmc", "predict"]));
  assert.doesNotThrow(() => registerEvaluate(new Command(), ["node", "xmc", "evaluate"]));
});

/** 24 instances, 6 labels: label l fires feature l. */
function tiny(): Dataset {
  const xi: number[][] = [];
  const yi: number[][] = [];
  for (let i = 0; i < 24; i++) {
    xi.push([i % 6, 6 + (i % 4)]);
    yi.push([i % 6]);
  }
  return { source: "tiny", kind: "xc", X: csrFromRows(10, xi), texts: null, Y: csrFromRows(6, yi), labelNames: Array.from({ length: 6 }, (_, l) => `l${l}`), labelTexts: null, knownLabels: 6 };
}

test("loadModel dispatches on the method the model records; a directory without a model is an XmcError", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-api-"));
  try {
    const ds = tiny();
    const model = await methodByName("xr-linear").train(ds, { tree: { nrSplits: 2, maxLeafSize: 2 } }, { threads: 1 });
    model.save(join(dir, "m"));
    assert.equal(methodOfModel(join(dir, "m")).name, "xr-linear");
    const loaded = loadModel(join(dir, "m"));
    assert.ok(loaded instanceof XRLinearModel);
    assert.deepEqual(loaded.labelNames, model.labelNames);
    assert.throws(() => loadModel(join(dir, "none")), XmcError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a prediction option the model's method does not take is an error through the library, not dropped", async () => {
  const texts: string[] = [];
  const labels: number[][] = [];
  for (let i = 0; i < 60; i++) {
    texts.push(`${["apple banana", "car truck", "guitar drum"][i % 3]} sample ${i % 7}`);
    labels.push([i % 3]);
  }
  const data: Dataset = { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(3, labels), labelNames: ["food", "vehicle", "music"], labelTexts: null, knownLabels: 3 };
  const xrt = methodByName("xr-transformer");
  const params = { encoder: { dim: 8 }, wordvec: { epochs: 1 }, matcher: { epochs: 1, batch: 16, maxLeafSize: 2 }, ranker: { trees: 1 } };
  const model = await xrt.train(data, params, { threads: 1 });
  assert.equal(model.predictTexts(["apple banana"], { topK: 1 })[0]!.length, 1);
  for (const bad of [{ thresholds: "tuned" }, { topk: 3 }]) {
    assert.throws(() => model.predictTexts(["apple banana"], bad as never), (e: unknown) => e instanceof XmcError && /unknown option "(thresholds|topk)" for this model \(known: .*topK/.test(e.message));
  }
  // undefined values are "not given", as from optional CLI flags
  assert.equal(model.predictTexts(["apple banana"], { topK: 2, thresholds: undefined } as never)[0]!.length, 2);
});

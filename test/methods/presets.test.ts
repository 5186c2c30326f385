import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { parseSyncXMLParams } from "../../src/methods/syncxml/params.js";
import { parseXRLinearParams } from "../../src/methods/xr-linear/params.js";

const PRESETS = new URL("../../../presets/", import.meta.url).pathname;

test("every preset parses with its method's params (no unknown or invalid fields)", () => {
  const files = readdirSync(PRESETS).filter((f) => f.endsWith(".json"));
  assert.ok(files.includes("single-tree.json") && files.includes("mixed.json"));
  for (const f of files) {
    const json = JSON.parse(readFileSync(PRESETS + f, "utf8"));
    const parse = f.startsWith("syncxml") ? parseSyncXMLParams : parseXRLinearParams;
    assert.doesNotThrow(() => parse(json, f), f);
  }
});

test("the default XR-Linear model is a 2-tree ensemble; single-tree.json gives one tree", () => {
  assert.equal(parseXRLinearParams({}).ensemble.trees, 2);
  const one = JSON.parse(readFileSync(PRESETS + "single-tree.json", "utf8"));
  assert.equal(parseXRLinearParams(one).ensemble.trees, 1);
});

test("the beam defaults to 10 per tree and 20 for one tree; a beam given, or stored in a model's params, is kept", () => {
  assert.equal(parseXRLinearParams({}).predict.beamSize, 10);
  assert.equal(parseXRLinearParams({ ensemble: { trees: 3 } }).predict.beamSize, 10);
  const one = parseXRLinearParams({ ensemble: { trees: 1 } });
  assert.equal(one.predict.beamSize, 20);
  assert.equal(parseXRLinearParams({ ensemble: { trees: 1 }, predict: { beamSize: 10 } }).predict.beamSize, 10);
  assert.equal(parseXRLinearParams({ ensemble: { trees: 1 }, predict: { topK: 5 } }).predict.beamSize, 20);
  // a model file stores its resolved params, which parse back unchanged
  assert.deepEqual(parseXRLinearParams(JSON.parse(JSON.stringify(one))), one);
  assert.equal(parseXRLinearParams(JSON.parse(JSON.stringify({ ...one, predict: { ...one.predict, beamSize: 10 } }))).predict.beamSize, 10);
});

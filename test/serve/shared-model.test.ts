/**
 * xmc serve reads a model file once into shared memory: the bytes are a SharedArrayBuffer,
 * decoding views them in place (no copy of any array), and a prediction worker predicts from
 * those same bytes (a change made to them from this thread shows in the worker's answers). With
 * several workers, the first decodes into shared memory and hands the model to the others.
 */
import { XRLINEAR_PREDICT_SCHEMA } from "../../src/methods/xr-linear/params.js";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadModel } from "../../src/api/load.js";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import type { Dataset } from "../../src/data/dataset.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { decodeModel } from "../../src/model/format.js";
import { readModelShared } from "../../src/model/file.js";
import type { PredictResult, PredictTask, WorkerInit } from "../../src/serve/predict-worker.js";
import type { XRLinearHandoff } from "../../src/methods/xr-linear/model.js";
import { WorkerPool } from "../../src/worker/pool.js";

const WORDS = ["apple banana fruit", "car engine wheel", "guitar piano music"];
let dir: string;
let path: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xmc-shared-"));
  path = join(dir, "model.xmc");
  const texts = Array.from({ length: 60 }, (_, i) => `${WORDS[i % 3]} sample ${i % 7}`);
  const data: Dataset = { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(3, texts.map((_, i) => [i % 3])), labelNames: ["food", "vehicle", "music"], labelTexts: null, knownLabels: 3 };
  const model = await XRLinearModel.train(data, { text: { vectorizers: [{ analyzer: "word", minDf: 1 }] } }, { threads: 1 });
  model.save(path);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("the model file is read into a SharedArrayBuffer and every array is a view over it", () => {
  const bytes = readModelShared(path);
  assert.ok(bytes.buffer instanceof SharedArrayBuffer);
  assert.equal(bytes.byteOffset, 0);
  const { arrays } = decodeModel(bytes, path);
  assert.ok(Object.keys(arrays).length > 0);
  for (const [name, a] of Object.entries(arrays)) {
    assert.equal(a.buffer, bytes.buffer, `${name} is a copy`);
    assert.equal(a.byteOffset % 8, 0, `${name} is not 8-aligned`);
  }
});

test("a bad model file is refused with a message naming it", () => {
  const bad = join(dir, "bad.xmc");
  writeFileSync(bad, "not a model");
  assert.throws(() => readModelShared(bad), (e: unknown) => e instanceof XmcError && e.message.startsWith(bad));
  assert.throws(() => readModelShared(join(dir, "missing.xmc")), /no such model file/);
});

test("a prediction worker predicts from the shared bytes themselves", async () => {
  const bytes = readModelShared(path);
  const pool = new WorkerPool<PredictTask, PredictResult>(new URL("../../src/serve/predict-worker.js", import.meta.url), 1, { bytes, source: path, shareModel: false } satisfies WorkerInit);
  try {
    const texts = ["a piano and a guitar", "car wheel", "banana"];
    const run = async () => {
      const r = await pool.run({ texts, options: { topK: 3 }, parts: [2, 1], facts: true });
      assert.ok(!("error" in r));
      return r;
    };
    // a model decoded here from the same bytes, before they change
    const here = loadModel(bytes);
    const first = await run();
    // one piece per part: the predictions of texts 0-1, then of text 2
    assert.deepEqual(first.pieces.map((p) => JSON.parse(`[${p}]`)), [here.predictTexts(texts.slice(0, 2), { topK: 3 }), here.predictTexts(texts.slice(2), { topK: 3 })]);
    assert.deepEqual(first.facts, { method: "xr-linear", labels: 3, labelNames: ["food", "vehicle", "music"], labelTexts: null, predictOptions: Object.keys(XRLINEAR_PREDICT_SCHEMA) });
    assert.ok(first.facts!.predictOptions.includes("thresholds"));
    // point every tree edge at label 0 in the shared bytes, from this thread: the worker (which
    // decoded before) now answers what the model decoded here answers from the changed bytes
    // (the weights of the top levels are not a fit probe: the beam search keeps its own
    // feature-ordered copy of them, built at decode)
    const { arrays } = decodeModel(bytes, path);
    for (const [name, a] of Object.entries(arrays)) if (name.endsWith(".children")) a.fill(0);
    const second = await run();
    assert.notDeepEqual(second.pieces, first.pieces);
    assert.deepEqual(JSON.parse(`[${second.pieces.join(",")}]`), here.predictTexts(texts, { topK: 3 }));
  } finally {
    await pool.close();
  }
});

test("with several workers the first decodes into shared memory and hands its model over; the others predict the same", async () => {
  const bytes = readModelShared(path);
  const pool = new WorkerPool<PredictTask, PredictResult>(new URL("../../src/serve/predict-worker.js", import.meta.url), 1, { bytes, source: path, shareModel: true } satisfies WorkerInit);
  try {
    const texts = ["a piano and a guitar", "car wheel", "banana"];
    const first = await pool.run({ texts, options: { topK: 3 }, parts: [3], facts: true, handoff: true });
    assert.ok(!("error" in first) && first.handoff !== undefined);
    assert.equal(first.handoff.method, "xr-linear");
    const h = first.handoff.handoff as XRLinearHandoff;
    for (const t of h.trees) {
      for (const w of t.weights) {
        // decoded at load (not views over the file's bytes), yet shared
        assert.ok(w.rowFeat.buffer instanceof SharedArrayBuffer && w.rowFeat.buffer !== bytes.buffer);
        assert.ok(w.rowPtr.buffer instanceof SharedArrayBuffer);
      }
      for (const d of t.lookup!.dirs) if (d) assert.ok(d.first.buffer instanceof SharedArrayBuffer);
    }
    pool.grow(1, { source: path, ...first.handoff } satisfies WorkerInit);
    // the newest worker takes the next task
    const second = await pool.run({ texts, options: { topK: 3 }, parts: [3] });
    assert.ok(!("error" in second));
    assert.deepEqual(second.pieces, first.pieces);
    const both = await Promise.all([0, 1].map(() => pool.run({ texts, options: { topK: 3 }, parts: [1, 2] })));
    for (const r of both) assert.deepEqual(JSON.parse(`[${(r as { pieces: string[] }).pieces.join(",")}]`), loadModel(bytes).predictTexts(texts, { topK: 3 }));
  } finally {
    await pool.close();
  }
});

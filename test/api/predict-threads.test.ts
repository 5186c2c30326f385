/**
 * Predicting on several threads (api/predict-threads.ts): the same predictions as one thread, for
 * a feature model, a text model and a neural method, over sets of several chunks.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CHUNK_ROWS, chunkDataset, chunkOf, modelFileOf, predictDatasetOnThreads, setWorkerStartCost, TextStreamPredictor } from "../../src/api/predict-threads.js";
import type { Dataset } from "../../src/data/dataset.js";
import type { XmcModel } from "../../src/methods/model.js";
import { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { toy } from "../methods/syncxml-toy.js";
import { syntheticXc } from "../methods/xr-linear-toy.js";

const rows = 2 * CHUNK_ROWS + 77; // three chunks, the last one short

/** Two threads (the workers started however few the rows) and the one-thread fallback against `predictDataset`. */
async function sameOnThreads(model: XmcModel, data: Dataset, overrides: object): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "xmc-test-"));
  const prev = setWorkerStartCost(0);
  try {
    const path = join(dir, "m.xmc");
    model.save(path);
    const ticks: number[] = [];
    const progress = { start: () => undefined, tick: (n: number) => void ticks.push(n), stop: () => undefined, log: () => undefined };
    const file = modelFileOf(path);
    const threaded = await predictDatasetOnThreads(model, file, data, overrides, 2, progress as never);
    assert.deepEqual(threaded, model.predictDataset(data, overrides));
    if (availableParallelism() >= 2) assert.equal(ticks.reduce((a, b) => a + b, 0), rows, "progress counts every row once");
    // rows too few for the model: no worker starts, the same predictions
    setWorkerStartCost(1);
    ticks.length = 0;
    assert.deepEqual(await predictDatasetOnThreads(model, file, data, overrides, 2, progress as never), threaded);
    if (availableParallelism() >= 2) assert.equal(ticks.reduce((a, b) => a + b, 0), rows, "the model's own progress, counted once");
    // a model file replaced since the load: a model that hands itself over needs no file, the
    // others' workers would decode another model, so this thread predicts, and says so
    setWorkerStartCost(0);
    const logged: string[] = [];
    const replaced = { ...file, mtimeMs: file.mtimeMs - 1000 };
    assert.deepEqual(await predictDatasetOnThreads(model, replaced, data, overrides, 2, { ...progress, log: (m: string) => void logged.push(m) } as never), threaded);
    if (availableParallelism() >= 2) {
      if (model.handoff) assert.deepEqual(logged, []);
      else assert.match(logged.join("\n"), /changed since it was loaded: predicting on one thread/);
    }
  } finally {
    setWorkerStartCost(prev);
    rmSync(dir, { recursive: true, force: true });
  }
}

test("chunks: rows [a, b) of features or texts, without labels", () => {
  const xc = syntheticXc(30, 1, 8);
  const c = chunkOf(xc, 10, 14, {});
  const d = chunkDataset(c, xc.labelNames);
  assert.equal(d.X!.rows, 4);
  assert.deepEqual(Array.from(d.X!.indices), Array.from(xc.X!.indices.subarray(xc.X!.indptr[10], xc.X!.indptr[14])));
  assert.equal(d.X!.indptr[0], 0);
  assert.equal(d.Y.rows, 4);
  assert.equal(d.Y.indices.length, 0);
  const tx = toy(30, 1);
  assert.deepEqual(chunkDataset(chunkOf(tx, 28, 30, {}), tx.labelNames).texts, tx.texts!.slice(28, 30));
});

test("XR-Linear on features and on texts: two threads predict what one does, the trees handed over in shared memory", async () => {
  const xc = syntheticXc(rows, 3, 30);
  const m1 = await XRLinearModel.train(xc, { tree: { maxLeafSize: 4, nrSplits: 4 } }, { threads: 1 });
  await sameOnThreads(m1, xc, { topK: 5 });
  const text = toy(rows, 4);
  const m2 = await XRLinearModel.train(text, { tree: { maxLeafSize: 4, nrSplits: 4 }, ensemble: { trees: 2 } }, { threads: 1 });
  await sameOnThreads(m2, text, { topK: 3, beamSize: 4 });
  if (availableParallelism() >= 2) {
    // the workers got the trees, not the file: this thread now reads the shared copies too
    for (const m of [m1, m2]) {
      for (const t of m.trees) {
        assert.ok(t.weights.every((w) => w.entVal.buffer instanceof SharedArrayBuffer && w.rowFeat.buffer instanceof SharedArrayBuffer));
        assert.ok(t.chain.every((lv) => lv.children.buffer instanceof SharedArrayBuffer));
      }
    }
  }
});

test("an XR-Linear handoff rebuilds the same model: text, two trees, calibration", async () => {
  const text = toy(rows, 7);
  const m = await XRLinearModel.train(text, { tree: { maxLeafSize: 4, nrSplits: 4 }, ensemble: { trees: 2 }, calibration: { holdout: 0.2 } }, { threads: 1 });
  const before = m.predictDataset(text, { topK: 4 });
  const copy = XRLinearModel.fromHandoff(structuredClone(m.handoff()));
  assert.deepEqual(copy.predictDataset(text, { topK: 4 }), before);
  assert.deepEqual(m.predictDataset(text, { topK: 4 }), before, "the model reads its shared copies as before");
  assert.deepEqual(copy.predictTexts(text.texts!.slice(0, 5), { topK: 3, thresholds: "global" }), m.predictTexts(text.texts!.slice(0, 5), { topK: 3, thresholds: "global" }));
});

test("SyncXML: two threads predict what one does", async () => {
  const data = toy(rows, 5);
  const params = {
    wordvec: { source: "skipgram" as const, epochs: 1 },
    encoder: { seqLen: 8, embDim: 16, filters: 4, kernels: "2,4", stride: 2, aggKernel: 4, embDropout: 0, projDropout: 0, dropout: 0 },
    model: { clusterSize: 3, shortlist: 3, headDropout: 0, metaDropout: 0, extDropout: 0 },
    train: { epochs: 1, warmupEpochs: 0, batch: 64, maxLr: 0.02, seed: 3 },
    predict: { topK: 5, shortlist: 4 },
  };
  await sameOnThreads(await SyncXMLModel.train(data, params), data, { topK: 5 });
});

test("a stream of text batches: in call order, each batch as predictTexts gives it, workers started once this thread has spent their cost", async () => {
  const data = toy(rows, 6);
  const model = await XRLinearModel.train(data, { tree: { maxLeafSize: 4, nrSplits: 4 } }, { threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), "xmc-test-"));
  const prev = setWorkerStartCost(0);
  try {
    const path = join(dir, "m.xmc");
    model.save(path);
    const stream = new TextStreamPredictor(model, modelFileOf(path), { topK: 3 }, 2);
    const batches = Array.from({ length: 12 }, (_, b) => data.texts!.slice(b * 90, (b + 1) * 90));
    const first = await stream.predict(batches[0]); // on this thread: nothing spent before it
    const rest = await Promise.all(batches.slice(1).map((b) => stream.predict(b)));
    assert.equal(stream.threaded, availableParallelism() >= 2);
    await stream.close();
    assert.deepEqual([first, ...rest], batches.map((b) => model.predictTexts(b, { topK: 3 })));
  } finally {
    setWorkerStartCost(prev);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * SyncXML / InceptionXML: shape formula, the fused candidate-scoring op's gradient, a tiny model
 * memorising a toy text data set (P@1 = 100 %), save/load round trip, and exact resume from a
 * per-epoch checkpoint.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";
import { evaluate } from "../../src/eval/metrics.js";
import { ENCODER_SCHEMA, encoderShapes } from "../../src/methods/inceptionxml/encoder.js";
import { defaults } from "../../src/core/params.js";
import { candidateScores } from "../../src/methods/syncxml/heads.js";
import { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import { parseSyncXMLParams } from "../../src/methods/syncxml/params.js";
import { checkBoth, rand } from "../nn/util.js";

const L = 24;

/** Label l owns words w{l}a, w{l}b; a text holds its labels' words (one may be missing) and noise. */
function toy(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const texts: string[] = [], rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const ls = new Set<number>([i % L]);
    if (rng.next() < 0.4) ls.add(rng.int(L));
    const words: string[] = [];
    for (const l of ls) {
      words.push(`w${l}a`);
      if (rng.next() < 0.7) words.push(`w${l}b`);
    }
    for (let k = 0; k < 3; k++) words.push(`noise${rng.int(30)}`);
    rng.shuffle(words as never);
    texts.push(`the ${words.join(" ")} of it`);
    rows.push([...ls]);
  }
  return {
    source: "toy", kind: "text", X: null, texts, Y: csrFromRows(L, rows),
    labelNames: Array.from({ length: L }, (_, l) => `lab${l}`),
    labelTexts: Array.from({ length: L }, (_, l) => `label ${l} : w${l}a w${l}b`),
    knownLabels: L,
  };
}

/** A tiny, dropout-free configuration that trains in about a second. */
function tinyParams(extra: Record<string, Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    wordvec: { source: "skipgram", epochs: 2, ...extra.wordvec },
    encoder: { seqLen: 8, embDim: 32, filters: 8, kernels: "2,4,6", stride: 2, aggKernel: 4, embDropout: 0, projDropout: 0, dropout: 0, ...extra.encoder },
    model: { clusterSize: 3, shortlist: 3, headDropout: 0, metaDropout: 0, extDropout: 0, ...extra.model },
    train: { epochs: 30, warmupEpochs: 3, batch: 16, maxLr: 0.02, seed: 3, ...extra.train },
    predict: { topK: 5, shortlist: 4, ...extra.predict },
  };
}

function p1(model: SyncXMLModel, data: Dataset): number {
  return evaluate(model.predictDataset(data, { topK: 5 }), data.Y, { ks: [1] })["P@1"];
}

test("encoder shape formula (spec examples) and parameter validation", () => {
  const base = defaults(ENCODER_SCHEMA);
  assert.equal(encoderShapes(base).hidden, 480);
  assert.equal(encoderShapes({ ...base, embDim: 256 }).hidden, 416);
  assert.deepEqual(encoderShapes({ ...base, embDim: 128 }), { kernels: [4, 8, 16], l1: 32, l2: 5, hidden: 160 });
  assert.throws(() => parseSyncXMLParams({ encoder: { embDim: 30 } }), /not a multiple of the stride 4/);
  assert.throws(() => parseSyncXMLParams({ encoder: { kernels: "4,7" } }), /kernel 7/);
  assert.throws(() => parseSyncXMLParams({ encoder: { embDim: 32 } }), /shorter than aggKernel/);
  assert.throws(() => parseSyncXMLParams({ modle: {} }), /unknown section "modle"/);
  assert.throws(() => parseSyncXMLParams({ train: { epoch: 3 } }), XmcError);
  assert.equal(parseSyncXMLParams({}).encoder.projDropout, 0); // SyncXML: no dropout after the projection
  assert.equal(parseSyncXMLParams({ model: { architecture: "inceptionxml" } }).encoder.projDropout, 0.25);
});

test("candidateScores: gradients of the fused gather + row-wise dot (row-sparse table)", () => {
  checkBoth("candidateScores", (rng) => {
    const table = rand(rng, [7, 5], -1, 1, true, "W");
    const h = rand(rng, [3, 5]);
    const cand = Int32Array.from([0, 4, 4, 6, 1, 2, 3, 0]);
    const rowPtr = Int32Array.from([0, 3, 3, 8]); // an empty candidate list in the middle
    return { inputs: [table, h], fn: () => candidateScores(table, h, cand, rowPtr) };
  });
});

test("SyncXML memorises a toy text data set (P@1 = 100 %), fast", async () => {
  const data = toy(72, 1);
  const t0 = performance.now();
  const model = await SyncXMLModel.train(data, tinyParams());
  const ms = performance.now() - t0;
  assert.equal(model.method, "syncxml");
  assert.ok(model.clusters && model.clusters.K === 8, `K = ${model.clusters?.K}`);
  assert.equal(p1(model, data), 100);
  assert.ok(ms < 5000, `training took ${ms.toFixed(0)} ms`);
  const named = model.predictTexts([data.texts![5]], { topK: 2 });
  const truth = Array.from(data.Y.indices.subarray(data.Y.indptr[5], data.Y.indptr[6]), (l) => `lab${l}`);
  assert.ok(truth.includes(named[0][0].label), `${named[0][0].label} not in ${truth}`);
  assert.ok(named[0][0].score > 0 && named[0][0].score <= 1);
});

test("InceptionXML (one-vs-all head) memorises it too", async () => {
  const data = toy(72, 2);
  const model = await SyncXMLModel.train(data, tinyParams({ model: { architecture: "inceptionxml" }, wordvec: { source: "random" } }));
  assert.equal(model.method, "inceptionxml");
  assert.equal(p1(model, data), 100);
});

test("save / load round trip gives identical predictions", async () => {
  const data = toy(60, 3);
  const model = await SyncXMLModel.train(data, tinyParams({ train: { epochs: 4, warmupEpochs: 1 } }));
  const dir = mkdtempSync(join(tmpdir(), "xmc-sync-"));
  try {
    model.save(join(dir, "m"));
    const back = SyncXMLModel.load(join(dir, "m"));
    assert.deepEqual(back.params, model.params);
    assert.deepEqual(back.labelNames, model.labelNames);
    assert.deepEqual(back.predictDataset(data, { topK: 5 }), model.predictDataset(data, { topK: 5 }));
    assert.deepEqual(back.predictTexts(["w1a noise3", "unknown words only"]), model.predictTexts(["w1a noise3", "unknown words only"]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an interrupted run resumes from its checkpoint to the same weights", async () => {
  const data = toy(50, 4);
  const params = tinyParams({ train: { epochs: 3, warmupEpochs: 1 }, model: { headDropout: 0.25, extDropout: 0.3 } });
  const dir = mkdtempSync(join(tmpdir(), "xmc-sync-"));
  try {
    const full = await SyncXMLModel.train(data, params);
    const modelDir = join(dir, "m");
    const part = await SyncXMLModel.train(data, params, { modelDir, maxEpochsThisRun: 2 });
    assert.equal(part.complete, false);
    assert.ok(existsSync(`${modelDir}.checkpoint/state.json`));
    const resumed = await SyncXMLModel.train(data, params, { modelDir, resume: true });
    assert.equal(resumed.complete, true);
    assert.ok(!existsSync(`${modelDir}.checkpoint`), "the checkpoint is removed after a complete run");
    const a = full.net.parameters(), b = resumed.net.parameters();
    a.forEach((t, i) => assert.deepEqual(b[i].data, t.data, `parameter ${t.name} differs`));
    const ba = full.net.buffers(), bb = resumed.net.buffers();
    ba.forEach((x, i) => assert.deepEqual(bb[i].data, x.data, `buffer ${x.name} differs`));
    // a checkpoint of another configuration is refused
    await SyncXMLModel.train(data, params, { modelDir, maxEpochsThisRun: 1 });
    await assert.rejects(SyncXMLModel.train(data, { ...params, train: { epochs: 4, warmupEpochs: 1, batch: 16, maxLr: 0.02, seed: 3 } }, { modelDir, resume: true }), /belongs to a run with other parameters/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("feature data is refused with a clear error", async () => {
  const data = toy(10, 5);
  await assert.rejects(SyncXMLModel.train({ ...data, texts: null, kind: "xc" }, tinyParams()), /train on raw text/);
});

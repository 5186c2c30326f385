/**
 * SyncXML / InceptionXML: shape formula, the fused candidate-scoring op's gradient, a tiny model
 * memorising a toy text data set (P@1 = 100 %), save/load round trip, and exact resume from a
 * per-epoch checkpoint.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";
import { evaluate } from "../../src/eval/metrics.js";
import { ENCODER_SCHEMA, encoderShapes, InceptionEncoder } from "../../src/methods/syncxml/encoder.js";
import { withPrecision } from "../../src/nn/dtype.js";
import { gradcheck } from "../../src/nn/gradcheck.js";
import * as nn from "../../src/nn/ops/index.js";
import { noGrad } from "../../src/nn/tape.js";
import { Tensor } from "../../src/nn/tensor.js";
import { defaults } from "../../src/core/params.js";
import { clusterScores } from "../../src/methods/syncxml/heads.js";
import { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import { parseSyncXMLParams } from "../../src/methods/syncxml/params.js";
import { initLabelCentroids } from "../../src/methods/syncxml/centroids.js";
import { Network } from "../../src/methods/syncxml/network.js";
import { checkAblation, prepare } from "../../src/methods/syncxml/train.js";
import { silentProgress } from "../../src/core/progress.js";
import { SparseAdam, splitParams } from "../../src/nn/optim.js";
import { checkBoth, rand } from "../nn/util.js";
import { toy } from "./syncxml-toy.js";

const L = 24;

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

test("clusterScores: gradients of the cluster-grouped label scoring (row-sparse table)", () => {
  checkBoth("clusterScores", (rng) => {
    const table = rand(rng, [9, 5], -1, 1, true, "W");
    const h = rand(rng, [3, 5]);
    const ptr = Int32Array.from([0, 2, 3, 9]); // clusters of 2, 1 and 6 rows (a 4-row tile and 2 more)
    const sel = Int32Array.from([0, 2, 2, 1, 2, 0]); // 3 queries × 2 clusters, cluster 2 shared by all
    return { inputs: [table, h], fn: () => clusterScores(table, h, sel, 2, ptr).scores };
  });
  const W = rand(new Rng(1), [9, 5], -1, 1, true), H = rand(new Rng(2), [3, 5]);
  const r = clusterScores(W, H, Int32Array.from([0, 2, 2, 1, 2, 0]), 2, Int32Array.from([0, 2, 3, 9]));
  assert.deepEqual(Array.from(r.rowPtr), [0, 8, 15, 23]);
  assert.deepEqual(Array.from(r.rows), [0, 1, 3, 4, 5, 6, 7, 8, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5, 6, 7, 8, 0, 1]);
  r.rows.forEach((row, j) => {
    const i = j < 8 ? 0 : j < 15 ? 1 : 2;
    let dot = 0;
    for (let d = 0; d < 5; d++) dot += W.data[row * 5 + d] * H.data[i * 5 + d];
    assert.ok(Math.abs(r.scores.data[j] - dot) < 1e-5);
  });
});

/** Parameters and buffers of an encoder by name. */
function named(enc: InceptionEncoder): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const t of enc.parameters()) m.set(t.name, t.data);
  for (const b of enc.buffers()) m.set(b.name, b.data);
  return m;
}

test("the encoder equals the spec's layer-by-layer formulation (evaluation mode)", () => {
  const p = { ...defaults(ENCODER_SCHEMA), seqLen: 6, embDim: 32, filters: 4, kernels: "4,8,16", aggKernel: 4 };
  const rng = new Rng(9);
  const enc = new InceptionEncoder(p, 20, rng, { hiddenLayer: true });
  const w = named(enc);
  // non-trivial γ and batch-norm statistics
  w.get("enc.att_tok.gamma")![0] = 0.3;
  w.get("enc.att_emb.gamma")![0] = -0.2;
  for (const [k, a] of w) if (k.endsWith("running_mean")) a.forEach((_, i) => (a[i] = 0.1 * Math.sin(i)));
  for (const [k, a] of w) if (k.endsWith("running_var")) a.forEach((_, i) => (a[i] = 1 + 0.5 * Math.cos(i)));
  const B = 3, S = 6, E = 32, F = 4;
  const ids = Int32Array.from({ length: B * S }, (_, i) => (i * 7) % 20);
  const got = noGrad(() => enc.forward(ids, B, false, rng));
  const T = (name: string, shape: number[]) => new Tensor(w.get(name)!, shape);
  const sn = (name: string, C: number) => nn.spectralNorm(T(`${name}.conv.weight`, [C, C, 1]), { u: w.get(`${name}.sn_u`)!, v: w.get(`${name}.sn_v`)!, eps: 1e-12 }, 0);
  const bn = (x: Tensor, name: string, C: number) => nn.batchNorm(x, T(`${name}.weight`, [C]), T(`${name}.bias`, [C]), { runningMean: w.get(`${name}.running_mean`)!, runningVar: w.get(`${name}.running_var`)!, momentum: 0.1, eps: 1e-5 }, false);
  const ref = noGrad(() => {
    const X = nn.embedding(T("enc.embedding.weight", [20, E]), ids, [B, S]); // (B, S, E)
    // 2. O = γ·(G·H) + X
    const O = nn.add(nn.mul(nn.bmm(nn.bmm(X, X, false, true), nn.conv1d(X, sn("enc.att_tok", S))), T("enc.att_tok.gamma", [1])), X);
    // 3. on h = Oᵀ with y = Xᵀ: O′ = γ′·((h·yᵀ)·H′) + h
    const h = nn.permute(O, [0, 2, 1]), y = nn.permute(X, [0, 2, 1]);
    const O2 = nn.add(nn.mul(nn.bmm(nn.bmm(h, y, false, true), nn.conv1d(h, sn("enc.att_emb", E))), T("enc.att_emb.gamma", [1])), h);
    const o = nn.permute(O2, [0, 2, 1]); // (B, S, E)
    // 4. projection
    const z = bn(nn.gelu(nn.conv1d(o, T("enc.proj.weight", [F, S, 1]), T("enc.proj.bias", [F]))), "enc.proj_bn", F);
    // 5-6. inception block
    const br = [4, 8, 16].map((k, i) => nn.conv1d(z, T(`enc.conv${i}.weight`, [F, F, k]), T(`enc.conv${i}.bias`, [F]), { stride: 4, padding: 2 * (k / 4 - 1), paddingMode: "circular" }));
    const c = bn(nn.gelu(nn.concat(br, 1)), "enc.cat_bn", 3 * F);
    // 7-9.
    const a = bn(nn.gelu(nn.conv1d(c, T("enc.agg.weight", [F, 3 * F, 4]), T("enc.agg.bias", [F]), { stride: 4 })), "enc.agg_bn", F);
    const h2 = nn.reshape(a, [B, enc.outDim]);
    const ho = bn(nn.gelu(nn.linear(h2, T("enc.hidden.weight", [enc.outDim, enc.outDim]), T("enc.hidden.bias", [enc.outDim]))), "enc.hidden_bn", enc.outDim);
    return nn.add(ho, h2);
  });
  assert.deepEqual(got.shape, [B, 2 * F]);
  for (let i = 0; i < ref.size; i++) assert.ok(Math.abs(got.data[i] - ref.data[i]) < 1e-4 * (1 + Math.abs(ref.data[i])), `element ${i}: ${got.data[i]} vs ${ref.data[i]}`);
});

test("encoder gradients (training mode, float64 finite differences)", () => {
  withPrecision("f64", () => {
    const p = { ...defaults(ENCODER_SCHEMA), seqLen: 4, embDim: 16, filters: 3, kernels: "4,8", aggKernel: 2, embDropout: 0, projDropout: 0, dropout: 0 };
    const rng = new Rng(4);
    const enc = new InceptionEncoder(p, 10, rng, { hiddenLayer: true });
    for (const t of enc.parameters()) if (t.name.endsWith("gamma")) t.data[0] = 0.4;
    const ids = Int32Array.from([1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 1, 1]); // no PAD: its row gets no gradient by design
    const saved = enc.buffers().map((b) => b.data.slice());
    const fn = () => {
      enc.buffers().forEach((b, i) => b.data.set(saved[i])); // the same power-iteration state every call
      return enc.forward(ids, 3, true, rng);
    };
    const r = gradcheck(fn, enc.parameters(), { maxChecks: 40 });
    assert.ok(r.maxAbsGrad > 0);
    assert.ok(r.ok, `worst ratio ${r.worstRatio} at ${JSON.stringify(r.worst)}`);
  });
});

test("SyncXML memorises a toy text data set (P@1 = 100 %), fast", async () => {
  const data = toy(72, 1);
  // CPU time, not wall time: a busy machine stretches the wall clock, not the work done
  const c0 = process.cpuUsage();
  const model = await SyncXMLModel.train(data, tinyParams());
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  assert.equal(model.method, "syncxml");
  assert.ok(model.clusters && model.clusters.K === 8, `K = ${model.clusters?.K}`);
  assert.equal(p1(model, data), 100);
  assert.ok(ms < 5000, `training took ${ms.toFixed(0)} ms of CPU`);
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

test("centroid initialisation of the label table: known rows, cleared moments, validation", () => {
  const data = toy(40, 4);
  const p = parseSyncXMLParams(tinyParams({}));
  const prep = prepare(data, p, silentProgress);
  const net = new Network(p, prep.vocab.size, prep.L, prep.clusters, new Rng(5));
  const { sparse } = splitParams(net.parameters());
  const opt = new SparseAdam(sparse);
  const table = net.ext!.table, D = table.shape[1], S = p.encoder.seqLen, N = prep.positives.length;
  const before = Float32Array.from(table.data);
  // a first step so that the table's moments are not all zero
  net.ext!.table.addGradRow(0, new Float32Array(D).fill(1), 0);
  opt.step();
  const h = net.extFeatures(prep.ids, N, new Rng(0));
  const set = initLabelCentroids(net, prep.ids, prep.positives, S, opt, silentProgress);
  assert.equal(set, new Set(prep.positives.flatMap((x) => Array.from(x))).size);
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) mean[d] += h[i * D + d] / N;
  const rows = prep.clusters!.labels;
  let norm2 = 0;
  for (let r = 0; r < L; r++) for (let d = 0; d < D; d++) norm2 += before[r * D + d] ** 2;
  for (let r = 0; r < L; r++) {
    const l = rows[r];
    const own = prep.positives.map((x, i) => (x.includes(l) ? i : -1)).filter((i) => i >= 0);
    const dir = Array.from({ length: D }, (_, d) => own.reduce((s, i) => s + h[i * D + d], 0) / own.length - mean[d]);
    const n = Math.hypot(...dir);
    const w = table.data.subarray(r * D, (r + 1) * D);
    const scale = Math.sqrt(norm2 / L);
    // row 0 took one Adam step before: its norm differs slightly from the others'
    dir.forEach((v, d) => assert.ok(Math.abs(w[d] - (v / n) * scale) < 2e-3 * scale, `label ${l} dim ${d}: ${w[d]} vs ${(v / n) * scale}`));
  }
  assert.equal(opt.rowSteps(sparse.indexOf(table))[0], 0);
  assert.throws(() => checkAblation(parseSyncXMLParams({ train: { warmupEpochs: 0 } }), { centroidInit: true }), /needs architecture "syncxml" and 1 ≤ train.warmupEpochs/);
  assert.throws(() => parseSyncXMLParams({ model: { extInit: "centroids" } }), XmcError, "no params switch");
});

test("SyncXML with centroid initialisation memorises the toy set", async () => {
  const data = toy(72, 1);
  const model = await SyncXMLModel.train(data, tinyParams({}), { ablation: { centroidInit: true } });
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
    // from the file's bytes
    assert.deepEqual(SyncXMLModel.load(readFileSync(join(dir, "m"))).predictDataset(data, { topK: 5 }), model.predictDataset(data, { topK: 5 }));
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
    assert.ok(existsSync(`${modelDir}.checkpoint/state.xmc`));
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

test("data-parallel training on two threads memorises the toy set and resumes exactly", async () => {
  const data = toy(72, 6);
  const params = tinyParams({ train: { epochs: 30, warmupEpochs: 3, batch: 24 } });
  const model = await SyncXMLModel.train(data, params, { threads: 2 });
  assert.equal(p1(model, data), 100);
  const dir = mkdtempSync(join(tmpdir(), "xmc-sync-"));
  try {
    const short = tinyParams({ train: { epochs: 3, warmupEpochs: 1, batch: 24 }, model: { extDropout: 0.3 } });
    const full = await SyncXMLModel.train(data, short, { threads: 2 });
    const modelDir = join(dir, "m");
    await SyncXMLModel.train(data, short, { threads: 2, modelDir, maxEpochsThisRun: 1 });
    const resumed = await SyncXMLModel.train(data, short, { threads: 2, modelDir, resume: true });
    full.net.parameters().forEach((t, i) => assert.deepEqual(resumed.net.parameters()[i].data, t.data, `parameter ${t.name} differs`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("feature data is refused with a clear error", async () => {
  const data = toy(10, 5);
  await assert.rejects(SyncXMLModel.train({ ...data, texts: null, kind: "xc" }, tinyParams()), /train on raw text/);
});

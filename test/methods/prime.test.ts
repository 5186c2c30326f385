/**
 * PRIME: gradient check through the Label Prototype Network, the EMA centroid rule, batches
 * (positive sampling, clustered order, curriculum), the zero-shot prototype path, a tiny model
 * learning a toy set, save/load round trip (exact and HNSW), resume, and params validation.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";
import { evaluate } from "../../src/eval/metrics.js";
import { batchOrder, curriculumSize, reclustersAt, samplePositive } from "../../src/methods/prime/batches.js";
import { LabelPrototypeNetwork } from "../../src/methods/prime/lpn.js";
import { PrimeModel } from "../../src/methods/prime/model.js";
import { PrimeNetwork } from "../../src/methods/prime/network.js";
import { PRIME_BATCHES_SCHEMA, PRIME_LPN_SCHEMA, parsePrimeParams, type PrimeParamsInput } from "../../src/methods/prime/params.js";
import { defaults } from "../../src/core/params.js";
import { checkBoth, rand } from "../nn/util.js";

test("LPN: gradients through attention, feed-forward and both layer norms (f64 and f32)", () => {
  const p = { ...defaults(PRIME_LPN_SCHEMA), heads: 2, ffn: 6, dropout: 0 };
  checkBoth("lpn", (rng) => {
    const lpn = new LabelPrototypeNetwork(4, p, rng);
    const e = rand(rng, [3, 4]), f = rand(rng, [3, 4]), c = rand(rng, [3, 4]);
    return { inputs: [e, f, c, lpn.q.weight, lpn.v.weight, lpn.o.weight, lpn.ff1.weight, lpn.ff2.bias!, lpn.ln1.gamma, lpn.ln2.beta], fn: () => lpn.forward(e, f, c, false, rng) };
  }, { f32: { rtol: 5e-2, atol: 5e-3 } });
});

test("EMA centroid rule: c ← β·c + (1 − β)·q̂, applied in order for repeated labels", () => {
  const params = parsePrimeParams({ encoder: { dim: 2 }, lpn: { heads: 1, beta: 0.9 } });
  const net = new PrimeNetwork(params, 4, 3, 2, new Rng(1));
  net.centroids.set([1, 0, 0, 1, 0.6, 0.8]);
  // queries 0 and 1 both sampled label 0, query 2 sampled label 2
  net.updateCentroids(Float32Array.from([0, 1, 1, 0, 1, 0]), Int32Array.from([0, 0, 2]));
  const c = Array.from(net.centroids);
  // label 0: (1,0) → 0.9·(1,0) + 0.1·(0,1) = (0.9, 0.1) → 0.9·(0.9,0.1) + 0.1·(1,0) = (0.91, 0.09)
  const want = [0.91, 0.09, 0, 1, 0.9 * 0.6 + 0.1, 0.9 * 0.8];
  c.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `centroid value ${i}: ${v} vs ${want[i]}`));
  // centroids from query embeddings: the normalised sum of each label's queries
  net.setCentroids(Float32Array.from([3, 4, 0, 2]), { rows: 2, indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([0, 1, 1]) });
  const d = Array.from(net.centroids);
  [0.6, 0.8, 3 / Math.hypot(3, 6), 6 / Math.hypot(3, 6), 0, 0].forEach((v, i) => assert.ok(Math.abs(d[i] - v) < 1e-6));
  // the noCentroids ablation keeps no centroids; "epoch" ignores the per-step update
  assert.equal(new PrimeNetwork(parsePrimeParams({ encoder: { dim: 2 }, lpn: { heads: 1 } }), 4, 3, 2, new Rng(1), { noCentroids: true }).centroids.length, 0);
});

test("batches: positives ∝ weights, clustered order keeps clusters together, curriculum doubles", () => {
  const Y = csrFromRows(3, [[0, 1, 2]]);
  const w = Float64Array.from([1, 0, 3]);
  const rng = new Rng(5);
  const seen = [0, 0, 0];
  for (let i = 0; i < 4000; i++) seen[samplePositive(Y, 0, w, rng)]++;
  assert.equal(seen[1], 0);
  assert.ok(Math.abs(seen[2] / 4000 - 0.75) < 0.03, `label 2 drawn ${seen[2]} of 4000`);
  const codes = Int32Array.from([2, 0, 1, 2, 0, 1, 2, 0, 1]);
  const order = batchOrder(9, codes, new Rng(3));
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  for (let b = 0; b < 3; b++) assert.equal(new Set(Array.from(order.subarray(b * 3, b * 3 + 3), (i) => codes[i])).size, 1, "a cluster is contiguous");
  const bp = { ...defaults(PRIME_BATCHES_SCHEMA), clusterFrom: 2, clusterSize: 8, doubleEvery: 3, maxClusterSize: 32, reclusterEvery: 2 };
  assert.deepEqual([0, 1, 2, 4, 5, 8, 11, 20].map((e) => curriculumSize(bp, e)), [0, 0, 8, 8, 16, 32, 32, 32]);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((e) => reclustersAt(bp, e)), [false, true, false, true, true, true]);
});

const L = 12;

/** Query i mentions the two words of label (i mod 10) (labels 10 and 11 have no training data). */
function toy(n: number): Dataset {
  const texts: string[] = [], rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const l = i % 10;
    texts.push(`item ${i % 7} about w${l}a and w${l}b`);
    rows.push([l]);
  }
  const labelTexts = Array.from({ length: L }, (_, l) => `w${l}a w${l}b`);
  labelTexts[10] = "w3a w3b"; // the same text as label 3: borrows its free vector and centroid
  labelTexts[11] = "zz yy"; // nothing like any trained label: its text embedding is its prototype
  return { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(L, rows), labelNames: Array.from({ length: L }, (_, l) => `lab${l}`), labelTexts, knownLabels: L };
}

const tiny: PrimeParamsInput = {
  encoder: { dim: 16 },
  wordvec: { epochs: 2 },
  lpn: { heads: 2, ffn: 16, dropout: 0 },
  train: { epochs: 6, batch: 10, warmupSteps: 5, lr: 5e-3, sparseLr: 2e-2 },
  batches: { clusterFrom: 3, clusterSize: 4, reclusterEvery: 1 },
  ann: { M: 4, efConstruction: 16 },
};

test("a tiny PRIME model learns the toy set; zero-shot labels get borrowed or text prototypes; save/load is identical", async () => {
  const data = toy(200);
  // the reference's zero-shot rule (an ablation): a label with no close trained label gets its text embedding
  const model = await PrimeModel.train(data, tiny, { ablation: { zeroShotText: true } });
  const r = evaluate(model.predictDataset(data, { topK: 1 }), data.Y, { ks: [1] });
  assert.ok(r["P@1"] >= 90, `toy P@1 ${r["P@1"]}`);
  assert.deepEqual(model.zeroShot, { labels: 2, borrowed: 1 });
  // label 11's prototype is its normalised text embedding
  const d = model.dim;
  const e11 = model.net.embedAll(() => model.net.encoder.bags([model.tokens.doc("zz yy")]), 1, new Rng(0));
  for (let j = 0; j < d; j++) assert.ok(Math.abs(model.prototypes[11 * d + j] - e11[j]) < 1e-6);
  // label 10 borrowed label 3's free vector and centroid, and has the same text: the same prototype
  for (let j = 0; j < d; j++) assert.ok(Math.abs(model.prototypes[10 * d + j] - model.prototypes[3 * d + j]) < 1e-5);
  // without neighbours, scores are mixes of cosines, sorted
  for (const row of model.predictDataset(data, { topK: 5, neighbourWeight: 0 })) {
    for (let j = 1; j < row.scores.length; j++) assert.ok(row.scores[j] <= row.scores[j - 1]);
    assert.ok(row.scores[0] <= 1 + 1e-5 && row.scores[row.scores.length - 1] >= -1 - 1e-5);
  }
  // with training-query neighbours the score is no cosine, but still sorted
  for (const row of model.predictDataset(data, { topK: 5 })) for (let j = 1; j < row.scores.length; j++) assert.ok(row.scores[j] <= row.scores[j - 1]);
  const tmp = mkdtempSync(join(tmpdir(), "xmc-prime-"));
  try {
    model.buildIndex();
    model.save(join(tmp, "m"));
    const loaded = PrimeModel.load(join(tmp, "m"));
    for (const search of ["exact", "hnsw"] as const) {
      const a = model.predictDataset(data, { topK: 5, search }), b = loaded.predictDataset(data, { topK: 5, search });
      a.forEach((x, i) => {
        assert.deepEqual(Array.from(b[i].labels), Array.from(x.labels));
        assert.deepEqual(Array.from(b[i].scores), Array.from(x.scores));
      });
    }
    assert.deepEqual(loaded.predictTexts(["about w4a and w4b"], { topK: 1 })[0][0].label, "lab4");
    // from the file's bytes
    const fromBytes = PrimeModel.load(readFileSync(join(tmp, "m"))).predictDataset(data, { topK: 5, search: "hnsw" });
    model.predictDataset(data, { topK: 5, search: "hnsw" }).forEach((x, i) => assert.deepEqual(Array.from(fromBytes[i].scores), Array.from(x.scores)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("an interrupted PRIME run resumes from its checkpoint to the same model", async () => {
  const data = toy(120);
  const p = { ...tiny, train: { ...tiny.train, epochs: 4 } };
  const full = await PrimeModel.train(data, p);
  const tmp = mkdtempSync(join(tmpdir(), "xmc-prime-"));
  try {
    const dir = join(tmp, "m");
    const part = await PrimeModel.train(data, p, { modelDir: dir, maxEpochsThisRun: 3 });
    assert.equal(part.complete, false);
    const resumed = await PrimeModel.train(data, p, { modelDir: dir, resume: true });
    assert.equal(resumed.complete, true);
    assert.deepEqual(Array.from(resumed.prototypes), Array.from(full.prototypes));
    assert.ok(full.classifier !== null);
    assert.deepEqual(Array.from(resumed.classifier!), Array.from(full.classifier!));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("PRIME params: unknown keys and bad combinations are rejected; text data with label texts required", async () => {
  assert.throws(() => parsePrimeParams({ lpn: { head: 2 } }), /lpn.*head/);
  assert.throws(() => parsePrimeParams({ model: {} }), /unknown section "model"/);
  assert.throws(() => parsePrimeParams({ encoder: { dim: 10 }, lpn: { heads: 4 } }), /does not divide/);
  assert.throws(() => parsePrimeParams({ loss: { marginMax: 0.05 } }), /marginMax: must be at least 0.1/);
  // ablation switches are no params
  assert.throws(() => parsePrimeParams({ lpn: { enabled: false } }), /unknown parameter "enabled"/);
  assert.throws(() => parsePrimeParams({ encoder: { pairs: 2 } }), /unknown parameter "pairs"/);
  const p = parsePrimeParams({});
  assert.deepEqual(parsePrimeParams(JSON.parse(JSON.stringify(p))), p);
  const noTexts = { ...toy(10), labelTexts: null };
  await assert.rejects(PrimeModel.train(noTexts, tiny), (e: unknown) => e instanceof XmcError && /labels\.txt/.test(e.message));
});

test("ignored pairs (mask 2) are neither positives nor negatives; the self filter drops a query's own label", async () => {
  const { dynamicTripletLoss, contrastiveLoss } = await import("../../src/methods/prime/loss.js");
  const { dropSelf, labelsByText } = await import("../../src/retrieval/self-filter.js");
  const { Tensor } = await import("../../src/nn/tensor.js");
  // row: positive at 0 (0.5), an ignored column at 1 with the highest similarity, a negative at 2 (0.1)
  const S = Tensor.from([0.5, 0.99, 0.1], [1, 3]);
  const opts = { k: 2, marginMin: 0.1, marginMax: 0.3, tau: 0.1 };
  const withIgnore = dynamicTripletLoss(S, Uint8Array.from([1, 2, 0]), opts, new Rng(1)).item();
  const without = dynamicTripletLoss(Tensor.from([0.5, 0.1], [1, 2]), Uint8Array.from([1, 0]), opts, new Rng(1)).item();
  assert.equal(withIgnore, without); // 0: the only negative is 0.4 below the positive
  const c3 = contrastiveLoss(S, Uint8Array.from([1, 2, 0]), 0.1).item();
  const c2 = contrastiveLoss(Tensor.from([0.5, 0.1], [1, 2]), Uint8Array.from([1, 0]), 0.1).item();
  assert.ok(Math.abs(c3 - c2) < 1e-6);
  const by = labelsByText(["a  b", "c", ""]);
  const r = dropSelf({ labels: Int32Array.from([0, 1, 2]), scores: Float32Array.from([0.9, 0.8, 0.7]) }, " a b ", by, 2);
  assert.deepEqual(Array.from(r.labels), [1, 2]);
});

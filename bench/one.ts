/**
 * One benchmark run in a fresh process (so peak RSS is this run's): train with the given
 * params, save, reload, evaluate, time single queries. Prints one JSON object on stdout.
 * Usage: node dist/bench/one.js TRAIN TEST PARAMS_JSON THREADS
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/data/load.js";
import { evaluate } from "../src/eval/metrics.js";
import { inversePropensity } from "../src/eval/propensity.js";
import { XRLinearModel } from "../src/methods/xr-linear/model.js";
import { parseXRLinearParams } from "../src/methods/xr-linear/params.js";

const [trainPath, testPath, paramsJson, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 2);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const train = await loadDataset(trainPath);
const model = await XRLinearModel.train(train, parseXRLinearParams(JSON.parse(paramsJson)), { threads });
const trainWall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const tmp = mkdtempSync(join(tmpdir(), "xmc-bench-"));
const path = join(tmp, "model.xmc");
model.save(path);
const modelBytes = statSync(path).size;
const loaded = XRLinearModel.load(path);
rmSync(tmp, { recursive: true, force: true });
const testDs = await loadDataset(testPath, { labels: loaded.labelNames });
const X = loaded.featurize(testDs);
const tp = performance.now();
const preds = loaded.predict(X, { topK: 5 });
const batchMs = (performance.now() - tp) / X.rows;
const invProp = inversePropensity(loaded.trainLabelCounts, loaded.nTrain, 0.55, 1.5, testDs.Y.cols);
const metrics = evaluate(preds, testDs.Y, { ks: [1, 3, 5], invProp });

// single-query latency: 1,000 test queries one by one, this thread only (features given)
const n = Math.min(1000, X.rows);
const times: number[] = [];
for (let rep = 0; rep < 2; rep++) {
  for (let i = 0; i < n; i++) {
    const a = X.indptr[i];
    const b = X.indptr[i + 1];
    const idx = X.indices.slice(a, b);
    const val = X.data.slice(a, b);
    const s = performance.now();
    loaded.predictFeatures(idx, val, { topK: 5 });
    if (rep === 1) times.push(performance.now() - s);
  }
}
times.sort((x, y) => x - y);
// text models: latency from raw text (vectorize + predict)
let textLatency: number | null = null;
if (testDs.texts && loaded.vectorizer) {
  const tt: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    loaded.predictTexts([testDs.texts[i]], { topK: 5 });
    tt.push(performance.now() - s);
  }
  tt.sort((x, y) => x - y);
  textLatency = tt[tt.length >> 1];
}

process.stdout.write(
  `${JSON.stringify({
    metrics,
    trainWall,
    trainCpu: (cpu.user + cpu.system) / 1e6,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    modelMB: modelBytes / 1e6,
    latencyMs: times[times.length >> 1],
    latencyP99Ms: times[Math.floor(times.length * 0.99)],
    textLatencyMs: textLatency,
    batchMsPerQuery: batchMs,
    nTrain: train.Y.rows,
    nTest: testDs.Y.rows,
    nLabels: loaded.nLabels,
    dim: loaded.dim,
  })}\n`,
);

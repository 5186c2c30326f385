/**
 * SyncXML / InceptionXML experiment on a text data set (default wordnet-hyper3): train with a
 * params JSON, save, reload, evaluate (P@1/3/5, PSP@1/3/5 with A = 0.55, B = 1.5, as `xmc
 * evaluate`), and time training (wall, queries/s), batch prediction (queries/s) and single
 * queries (median latency from raw text, one at a time). Prints a summary and writes
 * bench/results/syncxml.json (the latest run plus a history of runs).
 *
 * Usage: node dist/bench/syncxml.js [PARAMS] [--dataset NAME] [--train PREFIX] [--test PREFIX] [--name NAME]
 *          [--threads T] [--eval-every N] [--eval-sample N] [--train-rows N] [--out FILE] [--keep DIR]
 * --dataset NAME reads ../shared/data/NAME/{train,test} (default wordnet-hyper3; XMC_DATA moves the
 * data folder). PARAMS is a JSON string or a file holding one, applied section by section over the
 * CPU configuration of presets/syncxml-cpu.json (see `syncxmlBenchParams`). --eval-every N evaluates P@1 on a test sample
 * every N epochs, to watch the curve (reported, never used to pick a model). --train-rows N trains
 * on an evenly spread subset (quick experiments only). --keep DIR also saves the trained model there.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendRuns, syncxmlBenchParams, takeFlag } from "./util.js";
import type { Progress } from "../src/core/progress.js";
import { selectRows } from "../src/core/csr.js";
import { loadDataset } from "../src/data/load.js";
import { evaluate } from "../src/eval/metrics.js";
import { inversePropensity } from "../src/eval/propensity.js";
import { SyncXMLModel } from "../src/methods/syncxml/model.js";
import type { EpochStats } from "../src/methods/syncxml/train.js";

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => takeFlag(args, name, def);
const DATA = process.env.XMC_DATA ?? new URL("../../../shared/data", import.meta.url).pathname;
const dataset = flag("--dataset", "wordnet-hyper3");
const trainPath = flag("--train", join(DATA, dataset, "train"));
const testPath = flag("--test", join(DATA, dataset, "test"));
const name = flag("--name", dataset);
const evalEvery = Number(flag("--eval-every", "0"));
const evalSample = Number(flag("--eval-sample", "3000"));
const threads = Number(flag("--threads", "1"));
const trainRows = Number(flag("--train-rows", "0"));
const keepDir = flag("--keep", "");
const outPath = flag("--out", new URL("../../bench/results/syncxml.json", import.meta.url).pathname);
/** Prediction overrides that leave the classifier alone (both neighbour votes off). */
const CLASSIFIER_ALONE = { neighbours: 0, lexicalWeight: 0 };
const params = syncxmlBenchParams(args[0]);

const log = (m: string): void => void process.stderr.write(`${m}\n`);
const progress: Progress = { start() {}, tick() {}, stop() {}, log };


const fullTrain = await loadDataset(trainPath);
const keep = trainRows > 0 && trainRows < fullTrain.Y.rows ? Array.from({ length: trainRows }, (_, i) => Math.floor((i * fullTrain.Y.rows) / trainRows)) : null;
const train = keep ? { ...fullTrain, texts: keep.map((i) => fullTrain.texts![i]), Y: selectRows(fullTrain.Y, keep) } : fullTrain;
const test = await loadDataset(testPath, { labels: train.labelNames });
const sample = Array.from({ length: Math.min(evalSample, test.Y.rows) }, (_, i) => Math.floor((i * test.Y.rows) / Math.min(evalSample, test.Y.rows)));
const testSample = { ...test, texts: sample.map((i) => test.texts![i]), Y: selectRows(test.Y, sample) };
const curve: { epoch: number; p1: number; psp1: number; loss: number; seconds: number; qps: number }[] = [];
const epochs: EpochStats[] = [];

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let evalSeconds = 0;
const model = await SyncXMLModel.train(train, params, {
  progress,
  threads,
  onEpoch: (s, m) => {
    epochs.push(s);
    if (evalEvery > 0 && (s.epoch % evalEvery === 0 || s.epoch === s.epochs)) {
      const te = performance.now();
      const ip = inversePropensity(m.trainLabelCounts, m.nTrain, 0.55, 1.5, testSample.Y.cols);
      const r = evaluate(m.predictDataset(testSample, { topK: 5, ...CLASSIFIER_ALONE }), testSample.Y, { ks: [1], invProp: ip });
      curve.push({ epoch: s.epoch, p1: r["P@1"], psp1: r["PSP@1"], loss: s.loss, seconds: s.seconds, qps: s.qps });
      log(`  test sample (${sample.length}): P@1 ${r["P@1"].toFixed(2)}, PSP@1 ${r["PSP@1"].toFixed(2)}`);
      evalSeconds += (performance.now() - te) / 1000;
    }
  },
});
const trainWall = (performance.now() - t0) / 1000 - evalSeconds;
const cpu = process.cpuUsage(cpu0);

const tmp = mkdtempSync(join(tmpdir(), "xmc-syncxml-"));
const dir = join(tmp, "model.xmc");
model.save(dir);
const modelMB = statSync(dir).size / 1e6;
const loaded = SyncXMLModel.load(dir);
if (keepDir) model.save(keepDir);
rmSync(tmp, { recursive: true, force: true });

const tp = performance.now();
const preds = loaded.predictDataset(test, { topK: 5 });
const predictSeconds = (performance.now() - tp) / 1000;
const invProp = inversePropensity(loaded.trainLabelCounts, loaded.nTrain, 0.55, 1.5, test.Y.cols);
const metrics = evaluate(preds, test.Y, { ks: [1, 3, 5], invProp });
const pick = (m: Record<string, number>): Record<string, number> => Object.fromEntries(["P@1", "P@3", "P@5", "PSP@1", "PSP@3", "PSP@5", "nDCG@3", "nDCG@5"].map((k) => [k, Number(m[k].toFixed(2))]));
// with the neighbour votes on, also the classifier alone and each vote alone (same model)
const ablate = (o: Record<string, unknown>): Record<string, number> => pick(evaluate(loaded.predictDataset(test, { topK: 5, ...o }), test.Y, { ks: [1, 3, 5], invProp }));
const pp = loaded.params.predict;
const voting = loaded.neighbours !== null && (pp.neighbours > 0 || pp.lexicalNeighbours > 0);
const classifierOnly = voting ? ablate(CLASSIFIER_ALONE) : null;
const denseVoteOnly = voting && pp.neighbours > 0 && pp.lexicalNeighbours > 0 ? ablate({ lexicalWeight: 0 }) : null;
const lexicalVoteOnly = voting && pp.neighbours > 0 && pp.lexicalNeighbours > 0 ? ablate({ neighbours: 0 }) : null;

// single-query latency from raw text, one query at a time (after a warm-up pass)
const n = Math.min(1000, test.texts!.length);
const times: number[] = [];
for (let rep = 0; rep < 2; rep++) {
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    loaded.predictTexts([test.texts![i]], { topK: 5 });
    if (rep === 1) times.push(performance.now() - s);
  }
}
times.sort((a, b) => a - b);
// the same with HNSW over the training queries' features (graph built first, not timed here)
let hnsw: { buildSeconds: number; metrics: Record<string, number>; latencyMs: number } | null = null;
if (voting && pp.neighbours > 0 && pp.search !== "hnsw") {
  const tb = performance.now();
  loaded.neighbourGraph();
  const buildSeconds = (performance.now() - tb) / 1000;
  const metrics = ablate({ search: "hnsw" });
  const ht: number[] = [];
  for (let rep = 0; rep < 2; rep++) {
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      loaded.predictTexts([test.texts![i]], { topK: 5, search: "hnsw" });
      if (rep === 1) ht.push(performance.now() - s);
    }
  }
  ht.sort((a, b) => a - b);
  hnsw = { buildSeconds: Number(buildSeconds.toFixed(1)), metrics, latencyMs: Number(ht[ht.length >> 1].toFixed(3)) };
}

const trainEpochSeconds = epochs.reduce((s, e) => s + e.seconds, 0);
const result = {
  name,
  method: loaded.method,
  threads,
  date: new Date().toISOString(),
  params: loaded.params,
  metrics: pick(metrics),
  ...(classifierOnly ? { classifierOnly } : {}),
  ...(denseVoteOnly ? { denseVoteOnly } : {}),
  ...(lexicalVoteOnly ? { lexicalVoteOnly } : {}),
  ...(hnsw ? { hnsw } : {}),
  trainWallSeconds: Number(trainWall.toFixed(1)),
  trainCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
  trainEpochSeconds: Number(trainEpochSeconds.toFixed(1)),
  trainQueriesPerSecond: Number(((train.Y.rows * epochs.length) / trainEpochSeconds).toFixed(0)),
  predictQueriesPerSecond: Number((test.Y.rows / predictSeconds).toFixed(0)),
  latencyMs: Number(times[times.length >> 1].toFixed(3)),
  latencyP99Ms: Number(times[Math.floor(times.length * 0.99)].toFixed(3)),
  modelMB: Number(modelMB.toFixed(1)),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  nTrain: train.Y.rows,
  nTest: test.Y.rows,
  nLabels: loaded.nLabels,
  clusters: loaded.clusters?.K ?? 0,
  vocab: loaded.vocab.size,
  hidden: loaded.net.encoder.outDim,
  epochs: epochs.map((e) => ({ epoch: e.epoch, loss: Number(e.loss.toFixed(5)), seconds: Number(e.seconds.toFixed(1)), qps: Math.round(e.qps) })),
  curve,
};

log(`${name} ${result.method}: P@1 ${result.metrics["P@1"]} P@3 ${result.metrics["P@3"]} P@5 ${result.metrics["P@5"]} | PSP@1 ${result.metrics["PSP@1"]} PSP@3 ${result.metrics["PSP@3"]} PSP@5 ${result.metrics["PSP@5"]}`);
const line = (what: string, m: Record<string, number>): void => log(`  ${what}: P@1 ${m["P@1"]} P@3 ${m["P@3"]} P@5 ${m["P@5"]} | PSP@1 ${m["PSP@1"]} PSP@5 ${m["PSP@5"]}`);
if (classifierOnly) line("classifier alone (neighbours 0, lexical-weight 0)", classifierOnly);
if (denseVoteOnly) line("classifier + dense vote (lexical-weight 0)", denseVoteOnly);
if (lexicalVoteOnly) line("classifier + lexical vote (neighbours 0)", lexicalVoteOnly);
if (hnsw) line(`search hnsw (graph ${hnsw.buildSeconds} s, latency ${hnsw.latencyMs} ms)`, hnsw.metrics);
log(`train ${result.trainWallSeconds} s wall (${result.trainQueriesPerSecond} queries/s in epochs), predict ${result.predictQueriesPerSecond} queries/s, latency ${result.latencyMs} ms (p99 ${result.latencyP99Ms}), model ${result.modelMB} MB, peak RSS ${result.peakRssMB} MB`);

appendRuns(outPath, result, [result]);
process.stdout.write(`${JSON.stringify(result)}\n`);

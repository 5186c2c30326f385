/**
 * XR-Transformer benchmark: train `--method xr-transformer` from raw text on the shared data
 * sets, evaluate on the test split (or, with --validate, on 10% of the training data held out:
 * how α and other defaults are picked, never on the test set), report CPU seconds per stage,
 * single-query latency from raw text and batch throughput, check the save/load round trip.
 *
 * Usage: node dist/bench/xr-transformer.js [--dataset debian-debtags|wordnet-hyper3] [--name NAME]
 *          [--params JSON] [--alphas 0.5,1,2] [--validate] [--threads 2] [--no-write] [--keep MODEL]
 * --alphas trains the encoder once and then one ranker per α (the rows share the encoder); α = 0
 * is the TF-IDF-only ranker, emb the embedding-only ranker.
 * Results are appended to bench/results/xr-transformer.json; the .md table is rebuilt from it.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDataset } from "../src/data/load.js";
import { splitDataset } from "../src/data/subset.js";
import { evaluate } from "../src/eval/metrics.js";
import { inversePropensity } from "../src/eval/propensity.js";
import { parseXrtParams, XRTransformerModel } from "../src/methods/xr-transformer/index.js";
import { appendRuns, jsonArg, takeFlag, takeSwitch } from "./util.js";
import { type XrtRow, writeXrtMarkdown } from "./xr-transformer-results.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const data = process.env.XMC_DATA ?? join(root, "..", "shared", "data");
const args = process.argv.slice(2);
const dataset = takeFlag(args, "--dataset", "debian-debtags");
const name = takeFlag(args, "--name", "defaults");
const paramsIn = jsonArg(takeFlag(args, "--params", "{}")) as Record<string, Record<string, unknown>>;
// "emb" stands for the embedding-only ranker
const alphas = takeFlag(args, "--alphas", "").split(",").filter((x) => x !== "").map((x) => (x === "emb" ? -1 : Number(x)));
const validate = takeSwitch(args, "--validate");
const threads = Number(takeFlag(args, "--threads", "2"));
const write = !takeSwitch(args, "--no-write");
const keep = takeFlag(args, "--keep", "");
const outJson = join(root, "bench", "results", "xr-transformer.json");

const full = await loadDataset(join(data, dataset, "train"));
const { train, heldOut } = validate ? splitDataset(full, 0.1, 0) : { train: full, heldOut: null };
const test = heldOut ?? (await loadDataset(join(data, dataset, "test"), { labels: train.labelNames }));

type Row = XrtRow;

async function run(label: string, params: Record<string, Record<string, unknown>>, from?: XRTransformerModel): Promise<{ row: Row; model: XRTransformerModel }> {
  const p = parseXrtParams(params);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const model = await XRTransformerModel.train(train, p, { threads, encoderFrom: from, progress: { start() {}, tick() {}, stop() {}, log: (m: string) => console.error(`  ${m}`) } as never });
  const trainWallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const tp = performance.now();
  const preds = model.predictDataset(test, { topK: 5 });
  const batchS = (performance.now() - tp) / 1000;
  const invProp = inversePropensity(model.trainLabelCounts, model.nTrain, 0.55, 1.5, test.Y.cols);
  const m = evaluate(preds, test.Y, { ks: [1, 3, 5], invProp });
  const row: Row = {
    dataset, name: label, split: validate ? "validation (10% of train)" : "test", params, threads,
    metrics: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    trainWallS: Math.round(trainWallS * 10) / 10, trainCpuS: Math.round(((c.user + c.system) / 1e6) * 10) / 10,
    stages: model.report?.stages.map((s) => ({ ...s, seconds: Math.round(s.seconds * 10) / 10, cpuSeconds: Math.round(s.cpuSeconds * 10) / 10 })),
    matcher: model.report?.matcher.map((s) => ({ ...s, seconds: Math.round(s.seconds * 10) / 10, cpuSeconds: Math.round(s.cpuSeconds * 10) / 10 })),
    batchQps: Math.round(test.Y.rows / batchS),
    date: new Date().toISOString(),
  };
  return { row, model };
}

/** Single-query latency from raw text (median of 500), the round trip, the file size. */
function extras(row: Row, model: XRTransformerModel): void {
  const texts = test.texts!;
  const times: number[] = [];
  const c0 = process.cpuUsage();
  const nq = Math.min(500, texts.length);
  for (let i = 0; i < nq; i++) {
    const s = performance.now();
    model.predictTexts([texts[i]], { topK: 5 });
    times.push(performance.now() - s);
  }
  const c = process.cpuUsage(c0);
  row.latencyCpuMs = Math.round(((c.user + c.system) / 1e3 / nq) * 1000) / 1000;
  times.sort((a, b) => a - b);
  row.latencyMs = Math.round(times[times.length >> 1] * 1000) / 1000;
  const tmp = mkdtempSync(join(tmpdir(), "xmc-xrt-"));
  const path = join(tmp, "m.xmc");
  model.save(path);
  if (keep) model.save(keep);
  row.modelMB = Math.round(statSync(path).size / 1e4) / 100;
  const back = XRTransformerModel.load(path);
  rmSync(tmp, { recursive: true, force: true });
  const a = model.predictTexts(texts.slice(0, 300), { topK: 10 });
  const b = back.predictTexts(texts.slice(0, 300), { topK: 10 });
  row.roundTrip = JSON.stringify(a) === JSON.stringify(b);
}

const rows: Row[] = [];
const show = (r: Row) =>
  console.log(`${r.dataset} ${r.name}: P@1 ${r.metrics["P@1"]} P@3 ${r.metrics["P@3"]} P@5 ${r.metrics["P@5"]} PSP@1 ${r.metrics["PSP@1"]} | train ${r.trainWallS} s wall, ${r.trainCpuS} CPU s | ${JSON.stringify(r.stages)}${r.latencyMs !== undefined ? ` | latency ${r.latencyMs} ms (CPU ${r.latencyCpuMs} ms), ${r.batchQps} q/s batch, ${r.modelMB} MB, round trip ${r.roundTrip}` : ""}`);
if (alphas.length === 0) {
  const { row, model } = await run(name, paramsIn);
  if (!validate) extras(row, model);
  rows.push(row);
  show(row);
} else {
  let first: XRTransformerModel | undefined;
  for (const a of alphas) {
    // α = 0 stands for the TF-IDF-only ranker (XR-Linear)
    const ranker = a === 0 ? { features: "tfidf", tfidfTrees: 0 } : a < 0 ? { features: "embedding" } : { alpha: a };
    const params = { ...paramsIn, ranker: { ...(paramsIn.ranker ?? {}), ...ranker } };
    const { row, model } = await run(a === 0 ? `${name} TF-IDF only` : a < 0 ? `${name} embedding only` : `${name} α=${a}`, params, a === 0 ? undefined : first);
    if (a === 0) {
      rows.push(row);
      show(row);
      continue;
    }
    first ??= model;
    rows.push(row);
    show(row);
  }
}
if (write) {
  appendRuns(outJson, rows[rows.length - 1], rows);
  writeXrtMarkdown(root);
}

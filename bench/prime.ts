/**
 * PRIME benchmark on wordnet-hyper3 (text, label texts in labels.txt): trains PRIME, evaluates
 * P@k, nDCG@k, PSP@k on the test split, the same on the test points that have a label never seen
 * in training (with R@10, and the recall of those unseen labels alone), exact vs HNSW search
 * (recall@10 of HNSW against exact, single-query latency of both), and optionally the ablations.
 * Appends to bench/results/prime.json and rewrites bench/results/prime.md.
 *
 * Usage: node dist/bench/prime.js [PARAMS] [--train PREFIX] [--test PREFIX] [--name NAME]
 *          [--train-rows N] [--ablations] [--only main,text-only,no-free,no-centroids,fixed-margin]
 *          [--xr-baseline]   (also XR-Linear with defaults on the same split and subsets)
 *          [--no-ann]        (skip the exact-vs-HNSW and latency measurements)
 *          [--keep DIR]      (also save the trained model in DIR, for later prediction experiments)
 * PARAMS is a JSON string or a file holding one (default: the library defaults).
 */
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectRows } from "../src/core/csr.js";
import { appendRuns, jsonArg, takeFlag, takeSwitch } from "./util.js";
import type { Progress } from "../src/core/progress.js";
import type { Dataset } from "../src/data/dataset.js";
import { loadDataset } from "../src/data/load.js";
import { evaluate } from "../src/eval/metrics.js";
import { inversePropensity } from "../src/eval/propensity.js";
import { parsePrimeParams, type PrimeAblation } from "../src/methods/prime/params.js";
import { PrimeModel } from "../src/methods/prime/model.js";
import { XRLinearModel } from "../src/methods/xr-linear/model.js";
import type { PrimeEpochStats } from "../src/methods/prime/train.js";
import type { Ranked } from "../src/search/beam.js";
import { dropSelf, labelsByText } from "../src/retrieval/self-filter.js";

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => takeFlag(args, name, def);
const has = (name: string): boolean => takeSwitch(args, name);
const DATA = process.env.XMC_DATA ?? new URL("../../../shared/data", import.meta.url).pathname;
const trainPath = flag("--train", join(DATA, "wordnet-hyper3/train"));
const testPath = flag("--test", join(DATA, "wordnet-hyper3/test"));
const name = flag("--name", "wordnet-hyper3");
const trainRows = Number(flag("--train-rows", "0"));
const outPath = flag("--out", new URL("../../bench/results/prime.json", import.meta.url).pathname);
const ablations = has("--ablations");
const xrBaseline = has("--xr-baseline");
const noAnn = has("--no-ann"); // skip the exact-vs-HNSW and latency measurements (ablation runs)
const keepDir = flag("--keep", ""); // also save the trained model there (DIR-VARIANT with several variants)
const only = flag("--only", ablations ? "main,text-only,no-free,no-centroids,fixed-margin" : "main").split(",").filter((v) => v !== "");
const paramsArg = args[0];
const base = (paramsArg === undefined ? {} : jsonArg(paramsArg)) as Record<string, Record<string, unknown>>;

/** The ablation variants: parts of PRIME switched off through PrimeTrainOptions.ablation. */
const VARIANTS: Record<string, PrimeAblation> = {
  main: {},
  "text-only": { noLpn: true },
  "no-free": { noFreeVectors: true },
  "no-centroids": { noCentroids: true },
  "fixed-margin": { fixedMargin: true },
};

const log = (m: string): void => void process.stderr.write(`${m}\n`);
const progress: Progress = { start() {}, tick() {}, stop() {}, log };
const r2 = (v: number): number => Number(v.toFixed(2));

const fullTrain = await loadDataset(trainPath);
const keep = trainRows > 0 && trainRows < fullTrain.Y.rows ? Array.from({ length: trainRows }, (_, i) => Math.floor((i * fullTrain.Y.rows) / trainRows)) : null;
const train: Dataset = keep ? { ...fullTrain, texts: keep.map((i) => fullTrain.texts![i]), Y: selectRows(fullTrain.Y, keep) } : fullTrain;
const test = await loadDataset(testPath, { labels: train.labelNames });

/** Metrics of predictions on the test points `rows` (all when null), with R@10 and unseen-label recall. */
function metricsOn(preds: Ranked[], rows: number[] | null, counts: Int32Array, nTrain: number): Record<string, number> {
  const idx = rows ?? Array.from({ length: test.Y.rows }, (_, i) => i);
  const Y = selectRows(test.Y, idx);
  const P = idx.map((i) => preds[i]);
  const ip = inversePropensity(counts, nTrain, 0.55, 1.5, test.Y.cols);
  const m = evaluate(P, Y, { ks: [1, 3, 5, 10], invProp: ip });
  let unseenTotal = 0, unseenHit = 0;
  idx.forEach((i, r) => {
    const top = new Set(Array.from(P[r].labels.subarray(0, 10)));
    for (let k = Y.indptr[r]; k < Y.indptr[r + 1]; k++) {
      const l = Y.indices[k];
      if (counts[l] > 0) continue;
      unseenTotal++;
      if (top.has(l)) unseenHit++;
    }
  });
  const out: Record<string, number> = { n: idx.length };
  for (const k of ["P@1", "P@3", "P@5", "nDCG@3", "nDCG@5", "PSP@1", "PSP@3", "PSP@5", "R@10"]) out[k] = r2(m[k]);
  out["unseenR@10"] = r2(unseenTotal > 0 ? (100 * unseenHit) / unseenTotal : 0);
  return out;
}

/** Test points with at least one label that has no training positive. */
function pointsWithUnseen(counts: Int32Array): number[] {
  const rows: number[] = [];
  for (let i = 0; i < test.Y.rows; i++) {
    for (let k = test.Y.indptr[i]; k < test.Y.indptr[i + 1]; k++) if (counts[test.Y.indices[k]] === 0) {
      rows.push(i);
      break;
    }
  }
  return rows;
}

/** Median single-query latency (ms) of `fn` over the first 1,000 test texts, after a warm-up pass. */
function latency(fn: (t: string) => void): number {
  const n = Math.min(1000, test.texts!.length);
  const times: number[] = [];
  for (let rep = 0; rep < 2; rep++) {
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      fn(test.texts![i]);
      if (rep === 1) times.push(performance.now() - s);
    }
  }
  times.sort((a, b) => a - b);
  return Number(times[times.length >> 1].toFixed(3));
}

const results: Record<string, unknown>[] = [];
if (xrBaseline) {
  const t0 = performance.now();
  const xr = await XRLinearModel.train(train, {}, { threads: 2 });
  const trainWall = (performance.now() - t0) / 1000;
  const byText = labelsByText(train.labelTexts ?? []);
  const wide = xr.predictDataset(test, { topK: 20 });
  const preds = wide.map((r) => ({ labels: r.labels.slice(0, 10), scores: r.scores.slice(0, 10) }));
  const filtered = wide.map((r, i) => dropSelf(r, test.texts![i], byText, 10));
  const counts = xr.trainLabelCounts;
  const rows = pointsWithUnseen(counts);
  const all = metricsOn(preds, null, counts, xr.nTrain), unseen = metricsOn(preds, rows, counts, xr.nTrain);
  log(`xr-linear: P@1 ${all["P@1"]} PSP@1 ${all["PSP@1"]} R@10 ${all["R@10"]} | unseen points (${unseen.n}): P@1 ${unseen["P@1"]} R@10 ${unseen["R@10"]} unseen-label R@10 ${unseen["unseenR@10"]}`);
  const allF = metricsOn(filtered, null, counts, xr.nTrain), unseenF = metricsOn(filtered, rows, counts, xr.nTrain);
  log(`xr-linear, self-filtered: P@1 ${allF["P@1"]} PSP@1 ${allF["PSP@1"]} | unseen points: P@1 ${unseenF["P@1"]} R@10 ${unseenF["R@10"]}`);
  results.push({ name, variant: "xr-linear", date: new Date().toISOString(), metrics: all, unseenPoints: unseen, filtered: allF, unseenFiltered: unseenF, trainWallSeconds: r2(trainWall) });
}
for (const variant of only) {
  const over = VARIANTS[variant];
  if (!over) throw new Error(`unknown variant ${variant} (known: ${Object.keys(VARIANTS).join(", ")})`);
  const params = parsePrimeParams(base);
  log(`== ${variant}: ${JSON.stringify(params)}, ablation ${JSON.stringify(over)}`);
  const epochs: PrimeEpochStats[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const model = await PrimeModel.train(train, params, { progress, onEpoch: (s) => epochs.push(s), ablation: over });
  const trainWall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const tmp = mkdtempSync(join(tmpdir(), "xmc-prime-"));
  const dir = join(tmp, "model.xmc");
  model.save(dir);
  const modelMB = statSync(dir).size / 1e6;
  // a saved model does not record its ablation: an ablated model is evaluated in memory
  const ablated = Object.keys(over).length > 0;
  const loaded = ablated ? model : PrimeModel.load(dir);
  if (keepDir !== "") loaded.save(only.length > 1 ? `${keepDir}-${variant}` : keepDir);
  rmSync(tmp, { recursive: true, force: true });

  const tp = performance.now();
  const preds = loaded.predictDataset(test, { topK: 10, search: "exact" });
  const predictSeconds = (performance.now() - tp) / 1000;
  const counts = loaded.trainLabelCounts;
  const unseenRows = pointsWithUnseen(counts);
  const all = metricsOn(preds, null, counts, loaded.nTrain);
  const unseen = metricsOn(preds, unseenRows, counts, loaded.nTrain);
  const predsF = loaded.predictDataset(test, { topK: 10, search: "exact", excludeSelf: true });
  const allF = metricsOn(predsF, null, counts, loaded.nTrain), unseenF = metricsOn(predsF, unseenRows, counts, loaded.nTrain);
  log(`${variant}, self-filtered: P@1 ${allF["P@1"]} P@3 ${allF["P@3"]} P@5 ${allF["P@5"]} PSP@1 ${allF["PSP@1"]} | unseen points: P@1 ${unseenF["P@1"]} R@10 ${unseenF["R@10"]} unseen-label R@10 ${unseenF["unseenR@10"]}`);

  // the parts of the final ranking: prototypes alone, prototypes + classifier (no neighbours)
  const stages: Record<string, unknown>[] = [];
  const parts: [string, Record<string, number>][] = [];
  if (loaded.classifier || loaded.queries) parts.push(["prototypes only", { mix: 1, neighbourWeight: 0, lexicalWeight: 0 }]);
  if (loaded.classifier && loaded.queries) parts.push(["prototypes + classifier", { neighbourWeight: 0, lexicalWeight: 0 }]);
  if (loaded.lexical && loaded.queries && loaded.params.predict.neighbours > 0) parts.push(["+ dense neighbours (no lexical)", { lexicalWeight: 0 }]);
  for (const [label, over] of parts) {
    const p1 = loaded.predictDataset(test, { topK: 10, search: "exact", ...over });
    const p1f = loaded.predictDataset(test, { topK: 10, search: "exact", ...over, excludeSelf: true });
    const st = {
      variant: `${variant}, ${label}`, metrics: metricsOn(p1, null, counts, loaded.nTrain), unseenPoints: metricsOn(p1, unseenRows, counts, loaded.nTrain),
      filtered: metricsOn(p1f, null, counts, loaded.nTrain), unseenFiltered: metricsOn(p1f, unseenRows, counts, loaded.nTrain),
    };
    log(`${variant}, ${label}, self-filtered: ${JSON.stringify(st.filtered)}`);
    stages.push(st);
  }
  // the reference's zero-shot rule (text embedding as the prototype of a label with no close trained label)
  let zeroShotText: Record<string, unknown> | null = null;
  if (loaded.net.lpn) {
    const keepProtos = loaded.prototypes;
    loaded.computePrototypes(undefined, { zeroShotText: true });
    const pz = loaded.predictDataset(test, { topK: 10, search: "exact", excludeSelf: true });
    zeroShotText = { filtered: metricsOn(pz, null, counts, loaded.nTrain), unseenFiltered: metricsOn(pz, unseenRows, counts, loaded.nTrain) };
    log(`${variant}, zero-shot "text", self-filtered: ${JSON.stringify(zeroShotText)}`);
    loaded.prototypes = keepProtos;
  }
  // exact vs HNSW: recall@10 of HNSW against exact, single-query latency of both
  const ann: Record<string, number>[] = [];
  let hnswBuild = 0, latExact = 0, searchExactMs = 0, searchHnswMs = 0;
  if (!noAnn) {
    const th = performance.now();
    loaded.buildIndex();
    hnswBuild = (performance.now() - th) / 1000;
    latExact = latency((t) => loaded.predictTexts([t], { topK: 10, search: "exact" }));
    for (const ef of [16, 32, 64, 128]) {
      const hp = loaded.predictDataset(test, { topK: 10, search: "hnsw", efSearch: ef });
      let hit = 0, tot = 0;
      hp.forEach((h, i) => {
        const ex = new Set(Array.from(preds[i].labels));
        tot += preds[i].labels.length;
        for (const l of h.labels) if (ex.has(l)) hit++;
      });
      const latH = latency((t) => loaded.predictTexts([t], { topK: 10, search: "hnsw", efSearch: ef }));
      ann.push({ efSearch: ef, recallVsExact: Number((hit / Math.max(1, tot)).toFixed(4)), latencyMs: latH, speedup: Number((latExact / latH).toFixed(2)), "P@1": r2(metricsOn(hp, null, counts, loaded.nTrain)["P@1"]) });
    }
    // search alone (query embedding excluded): exact scan vs HNSW at the default efSearch
    const d = loaded.dim, nq = Math.min(1000, test.texts!.length);
    const docs = test.texts!.slice(0, nq).map((t) => loaded.tokens.doc(t));
    const qv = loaded.embedDocs(docs);
    const o = { ...loaded.params.predict, topK: 10, search: "exact" as const, threshold: -1, excludeSelf: false };
    const timeSearch = (kind: "exact" | "hnsw"): number => {
      const ts: number[] = [];
      for (let i = 0; i < nq; i++) {
        const s = performance.now();
        loaded.search(qv.subarray(i * d, (i + 1) * d), [docs[i]], { ...o, search: kind });
        ts.push(performance.now() - s);
      }
      ts.sort((a, b) => a - b);
      return Number(ts[ts.length >> 1].toFixed(4));
    };
    timeSearch("exact");
    searchExactMs = timeSearch("exact");
    searchHnswMs = timeSearch("hnsw");
  }
  const res = {
    name, variant, date: new Date().toISOString(), params: loaded.params,
    metrics: all, unseenPoints: unseen, filtered: allF, unseenFiltered: unseenF,
    zeroShot: loaded.zeroShot, zeroShotText, stages,
    trainWallSeconds: r2(trainWall), trainCpuSeconds: r2((cpu.user + cpu.system) / 1e6),
    trainQueriesPerSecond: Math.round(epochs.reduce((s, e) => s + e.qps, 0) / Math.max(1, epochs.length)),
    predictQueriesPerSecond: Math.round(test.Y.rows / predictSeconds),
    latencyMs: latExact, searchExactMs, searchHnswMs, hnswBuildSeconds: r2(hnswBuild), ann,
    modelMB: r2(modelMB), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    nTrain: train.Y.rows, nTest: test.Y.rows, nLabels: loaded.nLabels,
    epochs: epochs.map((e) => ({ epoch: e.epoch, loss: Number(e.loss.toFixed(4)), clusterSize: e.clusterSize, seconds: r2(e.seconds) })),
  };
  log(`${variant}: P@1 ${all["P@1"]} P@3 ${all["P@3"]} P@5 ${all["P@5"]} PSP@1 ${all["PSP@1"]} R@10 ${all["R@10"]} | unseen points (${unseen.n}): P@1 ${unseen["P@1"]} R@10 ${unseen["R@10"]} unseen-label R@10 ${unseen["unseenR@10"]} | train ${res.trainWallSeconds} s, latency ${latExact} ms, search exact ${searchExactMs} ms / hnsw ${searchHnswMs} ms`);
  log(`  hnsw: ${ann.map((a) => `ef ${a.efSearch}: recall ${a.recallVsExact}, ${a.latencyMs} ms`).join("; ")}`);
  results.push(res);
}

appendRuns(outPath, results, [...results]);
/** A Markdown table of this run's results. */
function table(rs: Record<string, unknown>[]): string {
  const head = "| variant | P@1 | P@3 | P@5 | PSP@1 | PSP@3 | PSP@5 | R@10 | unseen points: P@1 / P@3 / R@10 | unseen labels R@10 | train wall s | latency ms (exact / HNSW search) |";
  const lines = [head, `|${"---|".repeat(12)}`];
  for (const r0 of rs) for (const r of [r0, ...((r0.stages as Record<string, unknown>[] | undefined) ?? [])]) {
    const m = r.metrics as Record<string, number>, u = r.unseenPoints as Record<string, number>;
    const lat = r.latencyMs !== undefined && r.latencyMs !== 0 ? `${String(r.latencyMs)} (${String(r.searchExactMs)} / ${String(r.searchHnswMs)})` : "–";
    const f = r.filtered as Record<string, number> | undefined, uf = r.unseenFiltered as Record<string, number> | undefined;
    if (f && uf) lines.push(`| ${String(r.variant)}, self-filtered | ${f["P@1"]} | ${f["P@3"]} | ${f["P@5"]} | ${f["PSP@1"]} | ${f["PSP@3"]} | ${f["PSP@5"]} | ${f["R@10"]} | ${uf["P@1"]} / ${uf["P@3"]} / ${uf["R@10"]} (n = ${uf.n}) | ${uf["unseenR@10"]} | | |`);
    lines.push(`| ${String(r.variant)} | ${m["P@1"]} | ${m["P@3"]} | ${m["P@5"]} | ${m["PSP@1"]} | ${m["PSP@3"]} | ${m["PSP@5"]} | ${m["R@10"]} | ${u["P@1"]} / ${u["P@3"]} / ${u["R@10"]} (n = ${u.n}) | ${u["unseenR@10"]} | ${String(r.trainWallSeconds ?? "")} | ${lat} |`);
  }
  return `${lines.join("\n")}\n`;
}
const mdPath = outPath.replace(/\.json$/, ".md");
writeFileSync(mdPath, `# PRIME on ${name} (${new Date().toISOString().slice(0, 10)})\n\nparams overlay: \`${JSON.stringify(base)}\`\n\n${table(results)}`);
process.stdout.write(`${JSON.stringify(results.map((r) => ({ variant: r.variant, metrics: r.metrics, unseenPoints: r.unseenPoints, trainWallSeconds: r.trainWallSeconds })))}\n`);

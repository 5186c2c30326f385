/**
 * XR-Linear's defaults from raw text (auto featurization, neighbour vote, label texts) beside
 * the former default and two baselines, on text data sets (PREFIX train/test with labels.txt):
 *
 * - `old`: word 1-2-grams, 2 trees, no fusion, PIFA without label texts (the default before auto);
 * - `auto`: params {} (the defaults);
 * - `uni1`: one tree on word-unigram TF-IDF (min_df 2, sublinear tf), no fusion;
 * - `knn`: TF-IDF 10-NN vote (word unigrams, min_df 2, sublinear tf; a label scores the summed
 *   cosine of the neighbours that have it).
 *
 * Training CPU seconds (user + system of this process, worker threads included) per run, and
 * prediction CPU milliseconds per test query (featurizing included, one thread); with
 * --rounds R the trained variants alternate (old, auto, old, auto, ...) so that a busy machine
 * affects both alike. Reports P@1/3/5 on the test split and the recall@10 of test positives whose
 * label has no training instance (unseen-label R@10).
 *
 *   node dist/bench/auto.js --dataset debian-debtags [--data DIR] [--rounds 2] [--variants old,auto,uni1,knn]
 *
 * DIR holds DATASET/{train,test}_{texts,labels}.txt and labels.txt; default: XMC_DATA or the
 * shared data folder beside the repository. Results are appended to bench/results/auto.json.
 */
import { join } from "node:path";
import { loadDataset } from "../src/data/load.js";
import { evaluate } from "../src/eval/metrics.js";
import { XRLinearModel } from "../src/methods/xr-linear/model.js";
import type { XRLinearParamsInput } from "../src/methods/xr-linear/params.js";
import { LexicalIndex } from "../src/retrieval/lexical.js";
import { transpose } from "../src/core/csr.js";
import { StackedVectorizer } from "../src/text/stack.js";
import type { Ranked } from "../src/search/beam.js";
import { appendRuns, takeFlag } from "./util.js";

const args = process.argv.slice(2);
const root = new URL("../../", import.meta.url).pathname;
const dataDir = takeFlag(args, "--data", process.env.XMC_DATA ?? join(root, "..", "shared", "data"));
const name = takeFlag(args, "--dataset", "debian-debtags");
const rounds = Number(takeFlag(args, "--rounds", "1"));
const variants = takeFlag(args, "--variants", "old,auto,uni1,knn").split(",");
const threads = Number(takeFlag(args, "--threads", "2"));

const UNI = { analyzer: "word", ngramMin: 1, ngramMax: 1, minDf: 2, sublinearTf: true } as const;
const OFF = { vote: "off", labelTexts: "off", pifaLabelTexts: false } as const;
const PARAMS: Record<string, XRLinearParamsInput> = {
  old: { text: { vectorizers: [{ analyzer: "word", ngramMin: 1, ngramMax: 2, minDf: 2, sublinearTf: true }] }, fusion: OFF },
  auto: {},
  uni1: { text: { vectorizers: [UNI] }, ensemble: { trees: 1 }, fusion: OFF },
};

const r2 = (v: number): number => Number(v.toFixed(2));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const train = await loadDataset(join(dataDir, name, "train"));
const test = await loadDataset(join(dataDir, name, "test"), { labels: train.labelNames });
const counts = new Int32Array(test.Y.cols);
for (const l of train.Y.indices) counts[l]++;

function metrics(preds: Ranked[]): Record<string, number> {
  const m = evaluate(preds, test.Y, { ks: [1, 3, 5] });
  let total = 0, hit = 0;
  preds.forEach((p, i) => {
    const top = new Set(Array.from(p.labels.subarray(0, 10)));
    for (let k = test.Y.indptr[i]; k < test.Y.indptr[i + 1]; k++) {
      const l = test.Y.indices[k];
      if (counts[l] > 0) continue;
      total++;
      if (top.has(l)) hit++;
    }
  });
  return { "P@1": r2(m["P@1"]), "P@3": r2(m["P@3"]), "P@5": r2(m["P@5"]), "unseenR@10": r2(total ? (100 * hit) / total : 0), unseenPositives: total };
}

function knn(): { metrics: Record<string, number>; cpuSeconds: number } {
  const c0 = cpu();
  const v = new StackedVectorizer({ vectorizers: [UNI] });
  const X = v.fitTransform(train.texts!);
  const t = transpose(X);
  const index = new LexicalIndex(X.rows, t.indptr, t.indices, t.data);
  const Q = v.transform(test.texts!);
  const nb = index.searchRows(Q, 10);
  const preds: Ranked[] = [];
  for (let i = 0; i < Q.rows; i++) {
    const acc = new Map<number, number>();
    for (let j = 0; j < 10; j++) {
      const id = nb.ids[i * 10 + j];
      if (id < 0) continue;
      for (let p = train.Y.indptr[id]; p < train.Y.indptr[id + 1]; p++) acc.set(train.Y.indices[p], (acc.get(train.Y.indices[p]) ?? 0) + nb.scores[i * 10 + j]);
    }
    const list = [...acc.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
    preds.push({ labels: Int32Array.from(list, (e) => e[0]), scores: Float32Array.from(list, (e) => e[1]) });
  }
  return { metrics: metrics(preds), cpuSeconds: r2(cpu() - c0) };
}

const rows: Record<string, unknown>[] = [];
for (let r = 0; r < rounds; r++) {
  for (const variant of variants) {
    // the baselines once; old and auto alternate every round
    if (r > 0 && (variant === "knn" || variant === "uni1")) continue;
    if (variant === "knn") {
      const k = knn();
      rows.push({ dataset: name, variant, round: r, ...k.metrics, cpuSeconds: k.cpuSeconds });
      console.log(JSON.stringify(rows[rows.length - 1]));
      continue;
    }
    const params = PARAMS[variant];
    if (!params) throw new Error(`unknown variant ${variant} (known: ${Object.keys(PARAMS).join(", ")}, knn)`);
    const c0 = cpu();
    const model = await XRLinearModel.train(train, params, { threads });
    const trainCpu = r2(cpu() - c0);
    const p0 = cpu();
    const preds = model.predictDataset(test);
    const predictCpuMs = r2(((cpu() - p0) * 1000) / test.Y.rows);
    const m = metrics(preds);
    rows.push({
      dataset: name, variant, round: r, ...m, cpuSeconds: trainCpu, predictCpuMsPerQuery: predictCpuMs,
      chosen: model.selection ? { text: model.selection.chosen, vote: model.params.fusion.vote === "on" ? model.params.fusion.voteWeight : 0, labelTexts: model.params.fusion.labelTexts === "on" ? model.params.fusion.labelTextWeight : 0, selectionCpuSeconds: model.selection.cpuSeconds, candidates: model.selection.candidates.map((c) => ({ name: c.name, "P@1": c["P@1"], "P@3": c["P@3"], "P@5": c["P@5"] })) } : undefined,
    });
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
}
appendRuns(join(root, "bench/results/auto.json"), { date: new Date().toISOString(), dataset: name, rows }, [{ date: new Date().toISOString(), dataset: name, rows }]);

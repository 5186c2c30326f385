/**
 * XR-Transformer cross-fitting study on a validation split (10% of the training set held out,
 * never the test set): the skip-gram vectors, the preliminary tree and the encoder trained on
 * every instance are computed once; then out-of-fold embeddings with K folds, and rankers on
 * them: concatenation [TF-IDF | α·ê] (queries embedded by the full encoder, or by the mean of the
 * fold encoders), and score-level fusion (1 − w)·TF-IDF ranker + w·(concat ranker, or with --emb
 * also the embedding-only ranker).
 *
 * Usage: node dist/bench/xr-transformer-crossfit.js [--dataset debian-debtags] [--folds 3]
 *          [--alphas 0.25] [--fusion 0.3,0.5] [--emb] [--in-sample] [--params JSON] [--threads 2]
 * Rows are appended to bench/results/xr-transformer-crossfit.json and listed in xr-transformer.md.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Csr } from "../src/core/csr.js";
import { evaluate } from "../src/eval/metrics.js";
import { inversePropensity, labelCounts } from "../src/eval/propensity.js";
import { cloneEncoder, foldAssignment, outOfFoldEmbeddings } from "../src/methods/xr-transformer/crossfit.js";
import { normalizeDenseRows } from "../src/methods/xr-transformer/encoder.js";
import { trainMatcher } from "../src/methods/xr-transformer/matcher.js";
import { parseXrtParams } from "../src/methods/xr-transformer/params.js";
import { concatFeatures, fuseRankings, RankerSearch, type RankerTree, trainRanker } from "../src/methods/xr-transformer/ranker.js";
import type { Ranked } from "../src/search/beam.js";
import type { PostProcessorName } from "../src/search/postprocess.js";
import { appendRuns, jsonArg, takeFlag, takeSwitch } from "./util.js";
import { writeXrtMarkdown } from "./xr-transformer-results.js";
import { cpuLog, prepareStudy, progress, timed } from "./xr-transformer-study.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dataDir = process.env.XMC_DATA ?? join(root, "..", "shared", "data");
const args = process.argv.slice(2);
const dataset = takeFlag(args, "--dataset", "debian-debtags");
const K = Number(takeFlag(args, "--folds", "3"));
const alphas = takeFlag(args, "--alphas", "0.25").split(",").filter((x) => x !== "").map(Number);
const fusion = takeFlag(args, "--fusion", "").split(",").filter((x) => x !== "").map(Number);
const inSample = takeSwitch(args, "--in-sample");
const embFusion = takeSwitch(args, "--emb");
const threads = Number(takeFlag(args, "--threads", "2"));
const name = takeFlag(args, "--name", `K=${K}`);
const p = parseXrtParams(jsonArg(takeFlag(args, "--params", "{}")));

const { val, Y, X, Xv, docs, vdocs, start, chain, d } = await prepareStudy(dataDir, dataset, p);
const fullEnc = cloneEncoder(start);
await timed("matcher (all rows)", () => trainMatcher(fullEnc, docs, Y, chain, p.matcher, { progress }));
const Ein = normalizeDenseRows(fullEnc.embedAll(docs), d);
const EvFull = normalizeDenseRows(fullEnc.embedAll(vdocs), d);
let Etrain = Ein;
let EvMean: Float32Array | null = null;
if (!inSample) {
  const fold = foldAssignment(docs.length, K, p.matcher.seed);
  const oof = await timed(`matcher (${K} folds)`, () => outOfFoldEmbeddings(start, docs, Y, chain, p.matcher, fold, K, progress));
  Etrain = normalizeDenseRows(oof.E, d);
  EvMean = new Float32Array(vdocs.length * d);
  for (const enc of oof.encoders) {
    const e = normalizeDenseRows(enc.embedAll(vdocs), d);
    for (let j = 0; j < e.length; j++) EvMean[j] += e[j] / K;
  }
  normalizeDenseRows(EvMean, d);
}

const post = p.predict.postProcessor as PostProcessorName;
const invProp = inversePropensity(labelCounts(Y), Y.rows, 0.55, 1.5, val.Y.cols);
const rows: unknown[] = [];
function score(run: string, preds: Ranked[], extra: Record<string, unknown>): void {
  const m = evaluate(preds, val.Y, { ks: [1, 3, 5], invProp });
  const r = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  console.log(`${dataset} ${name} ${run}: P@1 ${r["P@1"]} P@3 ${r["P@3"]} P@5 ${r["P@5"]} PSP@1 ${r["PSP@1"]} ${JSON.stringify(extra)}`);
  rows.push({ dataset, name, run, folds: inSample ? 1 : K, params: p, metrics: r, cpu: { ...cpuLog }, ...extra, date: new Date().toISOString() });
}
function predict(trees: RankerTree[], Xc: Csr, topK: number): Ranked[] {
  const s = new RankerSearch(trees, Xc.cols, p.solver.bias, "mean");
  const out: Ranked[] = [];
  for (let i = 0; i < Xc.rows; i++) out.push(s.search(Xc.indices, Xc.data, Xc.indptr[i], Xc.indptr[i + 1], p.predict.beamSize, topK, post));
  return out;
}
const rankerOpts = { threads, seed: p.matcher.seed, postProcessor: post, progress };
const foldMean = takeSwitch(args, "--fold-mean");
const queryEmb: [string, Float32Array][] = [["full-encoder queries", EvFull], ...(EvMean && foldMean ? ([["fold-mean queries", EvMean]] as [string, Float32Array][]) : [])];

const top5 = (rs: Ranked[]) => rs.map((r) => ({ labels: r.labels.slice(0, 5), scores: r.scores.slice(0, 5) }));
let pT: Ranked[] | null = null;
if (fusion.length > 0) {
  const tT = await timed("ranker tfidf", () => trainRanker(concatFeatures(X, Etrain, d, 0, "tfidf"), Y, { ...p.ranker, features: "tfidf" }, p.solver, rankerOpts));
  pT = predict(tT, concatFeatures(Xv, EvFull, d, 0, "tfidf"), 20);
  score("TF-IDF only", top5(pT), {});
}
for (const a of alphas) {
  const Xc = concatFeatures(X, Etrain, d, a, "concat");
  const trees = await timed(`ranker concat α=${a}`, () => trainRanker(Xc, Y, { ...p.ranker, features: "concat", alpha: a }, p.solver, rankerOpts));
  for (const [q, Ev] of queryEmb) {
    const pC = predict(trees, concatFeatures(Xv, Ev, d, a, "concat"), 20);
    score(`concat α=${a}, ${q}`, top5(pC), { rankerCpuS: cpuLog[`ranker concat α=${a}`] });
    for (const w of fusion) score(`TF-IDF ranker + concat α=${a} ranker, w=${w}, ${q}`, pT!.map((r, i) => fuseRankings(r, pC[i], w, 5)), {});
  }
}
if (fusion.length > 0 && embFusion) {
  const tE = await timed("ranker embedding", () => trainRanker(concatFeatures(X, Etrain, d, 1, "embedding"), Y, { ...p.ranker, features: "embedding" }, p.solver, rankerOpts));
  for (const [q, Ev] of queryEmb) {
    const pE = predict(tE, concatFeatures(Xv, Ev, d, 1, "embedding"), 20);
    score(`embedding only, ${q}`, top5(pE), {});
    for (const w of fusion) score(`TF-IDF ranker + embedding ranker, w=${w}, ${q}`, pT!.map((r, i) => fuseRankings(r, pE[i], w, 5)), {});
  }
}
appendRuns(join(root, "bench", "results", "xr-transformer-crossfit.json"), rows[rows.length - 1], rows);
writeXrtMarkdown(root);

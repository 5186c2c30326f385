/**
 * XR-Transformer encoder-ensemble study on a validation split (10% of the training set held out,
 * never the test set). The TF-IDF features, the skip-gram vectors and the preliminary tree are
 * computed once; then M encoders (ensemble members m = 0..M−1, matcher seed + m, their own
 * residual-layer initialisation and folds), each with its out-of-fold training embeddings and its
 * own concat ranker of `ranker.trees` trees (tree seeds seed + m·trees + i), and one TF-IDF-only
 * ranker. Every combination is scored from the same per-tree lists: the first m members with the
 * first t trees each, alone and fused with the TF-IDF trees at several weights w — exactly what a
 * model with matcher.ensemble m and ranker.trees t predicts.
 *
 * Usage: node dist/bench/xr-transformer-ensemble.js [--dataset debian-debtags] [--members 3]
 *          [--fusion 0.4,0.5,0.6,0.7] [--params JSON] [--threads 2] [--name NAME]
 *          [--tfidf-negatives tfn,tfn+man]
 * --tfidf-negatives: train the TF-IDF-only trees once per listed scheme (default: ranker.negatives)
 * and fuse the concat trees with each; rows then name the scheme of their TF-IDF trees.
 * Rows are appended to bench/results/xr-transformer-ensemble.json and listed in xr-transformer.md.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Csr } from "../src/core/csr.js";
import { evaluate } from "../src/eval/metrics.js";
import { NEGATIVE_SCHEMES, type NegativeScheme } from "../src/linear/train-chain.js";
import { inversePropensity, labelCounts } from "../src/eval/propensity.js";
import { foldAssignment, memberStart, outOfFoldEmbeddings } from "../src/methods/xr-transformer/crossfit.js";
import { normalizeDenseRows } from "../src/methods/xr-transformer/encoder.js";
import { trainMatcher } from "../src/methods/xr-transformer/matcher.js";
import { parseXrtParams } from "../src/methods/xr-transformer/params.js";
import { concatFeatures, fuseRankings, RankerSearch, type RankerTree, trainRanker } from "../src/methods/xr-transformer/ranker.js";
import type { Ranked } from "../src/search/beam.js";
import { combineRankings } from "../src/search/combine.js";
import type { PostProcessorName } from "../src/search/postprocess.js";
import { appendRuns, jsonArg, takeFlag } from "./util.js";
import { writeXrtMarkdown } from "./xr-transformer-results.js";
import { cpuLog, prepareStudy, progress, timed } from "./xr-transformer-study.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dataDir = process.env.XMC_DATA ?? join(root, "..", "shared", "data");
const args = process.argv.slice(2);
const dataset = takeFlag(args, "--dataset", "debian-debtags");
const M = Number(takeFlag(args, "--members", "3"));
const fusion = takeFlag(args, "--fusion", "0.4,0.5,0.6,0.7").split(",").filter((x) => x !== "").map(Number);
const threads = Number(takeFlag(args, "--threads", "2"));
const name = takeFlag(args, "--name", `ensemble of ${M}`);
const p = parseXrtParams(jsonArg(takeFlag(args, "--params", "{}")));
const K = p.matcher.folds;
const T = p.ranker.trees;
const tfidfSchemes = takeFlag(args, "--tfidf-negatives", p.ranker.negatives).split(",").filter((x) => x !== "") as NegativeScheme[];
for (const s of tfidfSchemes) if (!(NEGATIVE_SCHEMES as readonly string[]).includes(s)) throw new Error(`--tfidf-negatives: unknown scheme ${s} (known: ${NEGATIVE_SCHEMES.join(", ")})`);

const { val, Y, X, Xv, docs, vdocs, start, chain, d } = await prepareStudy(dataDir, dataset, p);
const post = p.predict.postProcessor as PostProcessorName;
const beam = p.predict.beamSize;
const invProp = inversePropensity(labelCounts(Y), Y.rows, 0.55, 1.5, val.Y.cols);

/** Per tree, the top-`k` list of every validation row. */
function treeLists(trees: RankerTree[], Xc: Csr, k: number): Ranked[][] {
  return trees.map((t) => {
    const s = new RankerSearch([t], Xc.cols, p.solver.bias, "mean");
    const out: Ranked[] = [];
    for (let i = 0; i < Xc.rows; i++) out.push(s.search(Xc.indices, Xc.data, Xc.indptr[i], Xc.indptr[i + 1], beam, k, post));
    return out;
  });
}

// evaluated at top 5, as the test bench: each fused side keeps 10, each tree of a side 20
const TOP = 5;
const rankerOpts = (seed: number) => ({ threads, seed, postProcessor: post, progress });
const Xt = concatFeatures(X, new Float32Array(0), 0, 0, "tfidf");
const Xtv = concatFeatures(Xv, new Float32Array(0), 0, 0, "tfidf");
const nTfidf = p.ranker.tfidfTrees || 2;
const tfidfTrained: { tag: string; lists: Ranked[][] }[] = [];
for (const neg of tfidfSchemes) {
  const tag = tfidfSchemes.length > 1 ? `${neg} ` : "";
  const tT = await timed(`ranker tfidf ${neg}`, () => trainRanker(Xt, Y, { ...p.ranker, negatives: neg, features: "tfidf", trees: nTfidf }, p.solver, rankerOpts(p.matcher.seed)));
  tfidfTrained.push({ tag, lists: treeLists(tT, Xtv, 4 * TOP) });
}
const concatLists: Ranked[][][] = []; // [member][tree][row]

const rows: unknown[] = [];
function score(run: string, preds: Ranked[]): void {
  const m = evaluate(preds, val.Y, { ks: [1, 3, 5], invProp });
  const r = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  console.log(`${dataset} ${name} ${run}: P@1 ${r["P@1"]} P@3 ${r["P@3"]} P@5 ${r["P@5"]} PSP@1 ${r["PSP@1"]}`);
  rows.push({ dataset, name, run, folds: K, params: p, metrics: r, cpu: { ...cpuLog }, date: new Date().toISOString() });
}
const side = (lists: Ranked[][], i: number, k: number) => combineRankings(lists.map((l) => l[i]), "mean", k);
const nv = vdocs.length;
// the TF-IDF side with its first 2 trees and, when ranker.tfidfTrees is larger, with all of them
const tfidfCounts = [...new Set([Math.min(2, nTfidf), nTfidf])];
const tfidfSides = tfidfTrained.flatMap(({ tag, lists }) =>
  tfidfCounts.map((tt) => ({ tag, tt, side: Array.from({ length: nv }, (_, i) => side(lists.slice(0, tt), i, 2 * TOP)) })),
);
for (const { tag, tt, side: sd } of tfidfSides) score(`${tag}TF-IDF only (${tt} trees)`, sd.map((r) => ({ labels: r.labels.slice(0, TOP), scores: r.scores.slice(0, TOP) })));

for (let m = 0; m < M; m++) {
  const seed = p.matcher.seed + m;
  const pm = { ...p.matcher, seed };
  const enc = memberStart(start, m, p.matcher.seed);
  const fresh = memberStart(start, m, p.matcher.seed);
  await timed(`member ${m + 1} matcher`, () => trainMatcher(enc, docs, Y, chain, pm, { progress }));
  const oof = await timed(`member ${m + 1} cross-fitting`, () => (K > 1 ? outOfFoldEmbeddings(fresh, docs, Y, chain, pm, foldAssignment(docs.length, K, seed), K, progress).E : enc.embedAll(docs)));
  const Et = normalizeDenseRows(oof, d);
  const Ev = normalizeDenseRows(enc.embedAll(vdocs), d);
  const trees = await timed(`member ${m + 1} ranker`, () => trainRanker(concatFeatures(X, Et, d, p.ranker.alpha, "concat"), Y, p.ranker, p.solver, rankerOpts(p.matcher.seed + m * T)));
  concatLists.push(treeLists(trees, concatFeatures(Xv, Ev, d, p.ranker.alpha, "concat"), 4 * TOP));
  // every combination with this many members
  for (let t = 1; t <= T; t++) {
    const lists = concatLists.flatMap((mem) => mem.slice(0, t));
    const cside = Array.from({ length: nv }, (_, i) => side(lists, i, 2 * TOP));
    const what = `${m + 1} member${m > 0 ? "s" : ""} × ${t} tree${t > 1 ? "s" : ""}`;
    score(`concat, ${what}`, cside.map((r) => ({ labels: r.labels.slice(0, TOP), scores: r.scores.slice(0, TOP) })));
    tfidfSides.forEach(({ tag, tt, side: sd }) => {
      for (const w of fusion) score(`${tt} ${tag}TF-IDF trees + concat (${what}), w=${w}`, sd.map((r, i) => fuseRankings(r, cside[i], w, TOP)));
    });
  }
}
appendRuns(join(root, "bench", "results", "xr-transformer-ensemble.json"), rows[rows.length - 1], rows);
writeXrtMarkdown(root);

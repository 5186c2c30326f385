/**
 * How the neighbour vote's gain on the automatic settings' validation split compares with its
 * gain on the test split, for a grid of weights w and temperatures τ (word 1-2-grams, no label
 * texts):
 *
 * - validation: one tree trained on the fitting part (as the automatic settings do), the vote's
 *   neighbours from the fitting part ("fit") or from every training row outside the validation
 *   part ("rest");
 * - test: the former default (2 trees, all training rows), the vote's neighbours from every
 *   training row.
 *
 * Also prints the distribution of the best neighbour's cosine for each (query, index) pair, since
 * near-duplicate texts across a split make a vote look better than it is.
 *
 *   node dist/bench/vote-probe.js --dataset man-name [--data DIR]
 */
import { join } from "node:path";
import { Rng } from "../src/core/rng.js";
import { loadDataset } from "../src/data/load.js";
import { subsetDataset } from "../src/data/subset.js";
import { XRLinearModel } from "../src/methods/xr-linear/model.js";
import { NeighbourChannel } from "../src/methods/xr-linear/channels.js";
import { precisions } from "../src/methods/xr-linear/auto.js";
import type { Csr } from "../src/core/csr.js";
import type { Dataset } from "../src/data/dataset.js";
import { neighbourVote } from "../src/retrieval/vote.js";
import type { Ranked } from "../src/search/beam.js";
import { takeFlag } from "./util.js";

const args = process.argv.slice(2);
const root = new URL("../../", import.meta.url).pathname;
const dataDir = takeFlag(args, "--data", process.env.XMC_DATA ?? join(root, "..", "shared", "data"));
const name = takeFlag(args, "--dataset", "man-name");
const k = Number(takeFlag(args, "--k", "10"));

const train = await loadDataset(join(dataDir, name, "train"));
const test = await loadDataset(join(dataDir, name, "test"), { labels: train.labelNames });
const N = train.Y.rows;
const order = Int32Array.from({ length: N }, (_, i) => i);
new Rng(0 ^ 0xa070).shuffle(order); // the automatic settings' split with the default tree.seed 0
const nVal = Math.min(2500, Math.round(0.1 * N));
const nFit = Math.min(N - nVal, Math.round(0.2 * N));
const val = subsetDataset(train, order.slice(0, nVal).sort(), "validation");
const fit = subsetDataset(train, order.slice(nVal, nVal + nFit).sort(), "fit");
const rest = subsetDataset(train, order.slice(nVal).sort(), "rest");
const text = { vectorizers: [{ analyzer: "word", ngramMin: 1, ngramMax: 2, minDf: 2, sublinearTf: true }] } as const;
const OFF = { vote: "off", labelTexts: "off" } as const;
const opts = { topK: 20, threshold: 0, thresholds: "none" as const, rawScores: true };

function fuse(tree: Ranked, w: number, vote: (add: (l: number, v: number) => void) => void): Ranked {
  const acc = new Map<number, number>();
  for (let j = 0; j < tree.labels.length; j++) acc.set(tree.labels[j], (1 - w) * tree.scores[j]);
  if (w > 0) vote((l, v) => acc.set(l, (acc.get(l) ?? 0) + w * v));
  const list = [...acc.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
  return { labels: Int32Array.from(list, (e) => e[0]), scores: Float32Array.from(list, (e) => e[1]) };
}

function quantiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3);
  const dup = s.filter((v) => v > 0.95).length / s.length;
  return `median ${q(0.5)}, p25 ${q(0.25)}, p75 ${q(0.75)}, share > 0.95: ${(100 * dup).toFixed(1)} %`;
}

/** Standard error of the mean per-query difference of P@1 + P@3 + P@5 (points) between two rankings. */
function pairedSe(a: Ranked[], b: Ranked[], Y: Csr): number {
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const one = (r: Ranked) => precisions([r], { ...Y, rows: 1, indptr: Int32Array.from([0, Y.indptr[i + 1] - Y.indptr[i]]), indices: Y.indices.subarray(Y.indptr[i], Y.indptr[i + 1]) });
    const pa = one(a[i]), pb = one(b[i]);
    d.push(pa[0] + pa[1] + pa[2] - pb[0] - pb[1] - pb[2]);
  }
  const m = d.reduce((s, v) => s + v, 0) / d.length;
  const v = d.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, d.length - 1);
  return Math.sqrt(v / d.length);
}

function grid(label: string, preds: Ranked[], Xq: Csr, Y: Csr, index: Dataset, Xindex: Csr): void {
  const nb = NeighbourChannel.build(Xindex, index.Y, k, 1).index.searchRows(Xq, k);
  const best: number[] = [];
  for (let i = 0; i < Xq.rows; i++) best.push(nb.scores[i * k]);
  console.log(`${label}: best-neighbour cosine ${quantiles(best)}`);
  const base = precisions(preds, Y);
  console.log(`${label}: w 0: ${base.map((v) => v.toFixed(2)).join(" / ")}`);
  for (const tau of [0.02, 0.05, 0.1, 1]) {
    const line: string[] = [];
    for (const w of [0.1, 0.2, 0.3, 0.5, 1]) {
      const p = precisions(preds.map((r, i) => fuse(r, w, (add) => neighbourVote(nb, k, i, index.Y, { kind: "softmax" }, tau, 1, add))), Y);
      const fused = preds.map((r, i) => fuse(r, w, (add) => neighbourVote(nb, k, i, index.Y, { kind: "softmax" }, tau, 1, add)));
      const d = p[0] + p[1] + p[2] - base[0] - base[1] - base[2];
      line.push(`w ${w}: ${p.map((v) => v.toFixed(2)).join("/")} (${d >= 0 ? "+" : ""}${d.toFixed(2)} ± ${(2 * pairedSe(fused, preds, Y)).toFixed(2)})`);
    }
    console.log(`${label}: τ ${tau}: ${line.join("; ")}`);
  }
}

const cheap = await XRLinearModel.train(fit, { text, ensemble: { trees: 1 }, fusion: OFF }, { threads: 2 });
const Xv = cheap.featurize(val);
const pv = cheap.predict(Xv, opts);
console.log(`${name}: ${nFit} fitting rows, ${nVal} validation rows, k ${k}`);
grid("validation, index = fit", pv, Xv, val.Y, fit, cheap.featurize(fit));
if (!args.includes("--quick")) grid("validation, index = rest", pv, Xv, val.Y, rest, cheap.featurize(rest));
if (args.includes("--quick")) process.exit(0);
const full = await XRLinearModel.train(train, { text, fusion: OFF }, { threads: 2 });
const Xt = full.featurize(test);
const pt = full.predict(Xt, opts);
grid("test, index = train", pt, Xt, test.Y, train, full.featurize(train));
// the same validation split, one tree and the index from every row outside it
const restModel = await XRLinearModel.train(rest, { text, ensemble: { trees: 1 }, fusion: OFF }, { threads: 2 });
const Xv2 = restModel.featurize(val);
grid("validation, 1 tree on rest, index = rest", restModel.predict(Xv2, opts), Xv2, val.Y, rest, restModel.featurize(rest));

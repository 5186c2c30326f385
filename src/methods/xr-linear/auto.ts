/**
 * Settings chosen on the data in front of the model (`text: "auto"`, `fusion.vote: "auto"` and
 * `fusion.labelTexts: "auto"`, the defaults):
 *
 * 1. a seeded split of the training rows: a validation part (10 %, at most 2,500 rows) and a
 *    fitting part (20 % of the rows) — small, so that choosing costs well under one training;
 * 2. each candidate featurization (word unigrams; word 1–2-grams; both with sublinear tf and a
 *    min_df that grows with the corpus) trains one tree on the fitting part and is scored by
 *    P@1 + P@3 + P@5 on the validation part; word 1–2-grams (the settings measured on the most
 *    data sets) are kept unless another candidate beats them by more than 100 / √(validation
 *    rows) points, about two standard errors of a P@1 difference: on a small split a noisy win
 *    does not move the default;
 * 3. the neighbour vote, with the chosen features: its weight w and temperature τ (a grid of
 *    twelve) are tried on the same validation part, fused with the trees' scores; a vote is kept
 *    only when its gain in P@1 + P@3 + P@5 exceeds 2.5 standard errors of the per-query
 *    difference. First with the fitting part's tree and neighbours; where a vote passes that,
 *    again with one tree and the vote's index on every training row outside the validation part,
 *    and that second test decides: a model fitted on a fifth of the rows has far weaker trees
 *    than the final one while its vote is only a little weaker, so the small model overrates the
 *    vote (on man page titles it chose w 0.5, which lost 2.7 P@1 on the test split);
 * 4. with labels.txt texts and labels that have no training instance, the weight β of the
 *    label-text channel: on the validation part the channel holds as many labels absent from the
 *    fitting part (a seeded sample; all of them when the sample has fewer than 20 validation
 *    positives) as the final model's will hold labels with no training instance, and β is the one that returns the most validation positives of those labels
 *    within the top 10 while keeping each of P@1/P@3/P@5 within 0.1 of β = 0, or within two
 *    validation queries' worth of P@1 (200 / rows) on a small split; when none does, the
 *    smallest weight tried (0.02) if it returns any such label, else off.
 *
 * The final model is then trained on all the training rows with the chosen settings; the report
 * (candidates, scores, CPU seconds, choice) is stored in the model and shown by `xmc inspect`.
 */
import { Rng } from "../../core/rng.js";
import type { Progress } from "../../core/progress.js";
import type { Csr } from "../../core/csr.js";
import type { Dataset } from "../../data/dataset.js";
import { subsetDataset } from "../../data/subset.js";
import { neighbourVote } from "../../retrieval/vote.js";
import type { Ranked } from "../../search/beam.js";
import type { TfidfParamsInput } from "../../text/tfidf.js";
import { parseStackedParams, type StackedParams, type StackedVectorizer } from "../../text/stack.js";
import { LabelTextChannel, NeighbourChannel } from "./channels.js";
import type { XRLinearParams } from "./params.js";

/** What the selection needs from a trained candidate. */
export interface CandidateModel {
  vectorizer: StackedVectorizer | null;
  dim: number;
  featurize(data: Dataset): Csr;
  predict(X: Csr, overrides: { topK: number; threshold: number; thresholds: "none"; rawScores: boolean }): Ranked[];
}

/** One scored candidate featurization. */
export interface CandidateScore {
  name: string;
  text: StackedParams;
  "P@1": number;
  "P@3": number;
  "P@5": number;
  /** CPU seconds (user + system, this process) of fitting, training and scoring it; printed, not saved. */
  cpuSeconds?: number;
}

/** What was chosen, and on what evidence; JSON, stored in the model header. */
export interface SelectionReport {
  fitRows: number;
  validationRows: number;
  /** Empty when the text section was given (then only the fusion weights were chosen). */
  candidates: CandidateScore[];
  chosen: string;
  /**
   * The vote's weight (0: off) and τ, the validation P@k with it, its gain in P@1 + P@3 + P@5
   * points over the trees alone, the noise margin it had to beat, and the rows its trees and
   * neighbours came from.
   */
  vote: { weight: number; tau: number; "P@1": number; "P@3": number; "P@5": number; gain?: number; noise?: number; rows?: number } | null;
  labelTexts: {
    weight: number; unseenPositives: number; "unseenR@10": number; "P@1": number; "P@3": number; "P@5": number;
    /** Every weight tried, with its validation scores. */
    grid?: { weight: number; "P@1": number; "P@3": number; "P@5": number; "unseenR@10": number }[];
  } | null;
  /** Printed during training, not saved: a model file depends only on its data, params and seed. */
  cpuSeconds?: number;
}

/** The report as stored in a model file: the same without CPU timings. */
export function reportToSave(r: SelectionReport): SelectionReport {
  const { cpuSeconds: _, candidates, ...rest } = r;
  return { ...rest, candidates: candidates.map(({ cpuSeconds: __, ...c }) => c) };
}

/** Below this many training rows the selection is skipped (word 1–2-grams, no vote, label texts at their default weight). */
export const MIN_ROWS_FOR_SELECTION = 200;

/** The candidate kept unless another one wins clearly on the validation split. */
export const DEFAULT_CANDIDATE = "word 1-2-grams";

/** The candidate featurizations for a corpus of N texts. */
export function textCandidates(N: number): { name: string; text: StackedParams }[] {
  // rarer n-grams carry less evidence on large corpora; min_df 2 up to 100K texts, +1 per 100K more
  const minDf = Math.max(2, Math.ceil(N / 100000));
  const word = (ngramMax: number): TfidfParamsInput => ({ analyzer: "word", ngramMin: 1, ngramMax, minDf, sublinearTf: true });
  return [
    { name: "word 1-grams", text: parseStackedParams({ vectorizers: [word(1)] }) },
    { name: "word 1-2-grams", text: parseStackedParams({ vectorizers: [word(2)] }) },
  ];
}

/** P@1, P@3, P@5 (percent) of rankings against the rows of Y. */
export function precisions(pred: readonly { labels: ArrayLike<number> }[], Y: Csr): [number, number, number] {
  const hits = [0, 0, 0], ks = [1, 3, 5];
  for (let i = 0; i < pred.length; i++) {
    const a = Y.indptr[i], b = Y.indptr[i + 1];
    let h = 0;
    for (let r = 0; r < Math.min(5, pred[i].labels.length); r++) {
      const l = pred[i].labels[r];
      for (let p = a; p < b; p++) if (Y.indices[p] === l) {
        h++;
        break;
      }
      if (r === 0) hits[0] += h;
      if (r === 2) hits[1] += h;
      if (r === 4) hits[2] += h;
    }
    // rankings shorter than k count their hits so far
    const len = pred[i].labels.length;
    if (len < 3) hits[1] += h;
    if (len < 5) hits[2] += h;
  }
  const n = Math.max(1, pred.length);
  return [0, 1, 2].map((j) => (100 * hits[j]) / (n * ks[j])) as [number, number, number];
}

const r2 = (v: number) => Math.round(v * 100) / 100;
/** CPU seconds of this process (user + system, every thread); wall seconds where there is no process. */
const cpuNow = () => {
  if (typeof process === "undefined" || typeof process.cpuUsage !== "function") return performance.now() / 1000;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Warnings for weights given beside an "auto" that will choose them (they would be ignored silently). */
export function autoWarnings(input: unknown, p: XRLinearParams): string[] {
  const f = ((input ?? {}) as { fusion?: Record<string, unknown> }).fusion ?? {};
  const out: string[] = [];
  for (const [key, sw] of [["voteWeight", "vote"], ["voteTau", "vote"], ["labelTextWeight", "labelTexts"]] as const) {
    if (f[key] !== undefined && p.fusion[sw] === "auto") out.push(`warning: fusion.${key} is chosen on a validation split while fusion.${sw} is "auto"; the given ${String(f[key])} is not used (set fusion.${sw} to "on" to use it)`);
  }
  return out;
}

/** Does anything in params ask for a choice on the data? */
export function needsSelection(p: XRLinearParams, data: Dataset): boolean {
  if (!data.texts) return false;
  return p.text === "auto" || p.fusion.vote === "auto" || (p.fusion.labelTexts === "auto" && hasLabelTexts(data));
}

function hasLabelTexts(data: Dataset): boolean {
  return data.labelTexts !== null && data.labelTexts.some((t) => t.trim() !== "");
}

/** Resolve every "auto" without looking at the data's scores (feature data, or too few rows). */
export function resolveWithoutSelection(p: XRLinearParams, data: Dataset): XRLinearParams {
  const text = p.text === "auto" ? textCandidates(data.Y.rows)[1].text : p.text;
  const lt = p.fusion.labelTexts === "auto" ? (data.texts && hasLabelTexts(data) ? "on" : "off") : p.fusion.labelTexts;
  return { ...p, text, fusion: { ...p.fusion, vote: p.fusion.vote === "auto" ? "off" : p.fusion.vote, labelTexts: lt } };
}

/**
 * Choose the "auto" settings of `params` on a validation split of `data` (see the module
 * comment); `trainOne` trains a model with the given params on the given rows.
 */
export async function selectSettings(
  data: Dataset,
  params: XRLinearParams,
  trainOne: (d: Dataset, p: XRLinearParams) => Promise<CandidateModel>,
  progress: Progress,
): Promise<{ params: XRLinearParams; report: SelectionReport | null }> {
  const N = data.Y.rows;
  if (!data.texts || N < MIN_ROWS_FOR_SELECTION) {
    if (data.texts) progress.log(`auto settings: ${N} training rows, too few to choose on a validation split; word 1-2-grams, no neighbour vote`);
    return { params: resolveWithoutSelection(params, data), report: null };
  }
  const t0 = cpuNow();
  const order = Int32Array.from({ length: N }, (_, i) => i);
  new Rng(params.tree.seed ^ 0xa070).shuffle(order);
  const nVal = Math.min(2500, Math.round(0.1 * N));
  const nFit = Math.min(N - nVal, Math.round(0.2 * N));
  const val = subsetDataset(data, order.slice(0, nVal).sort(), "validation split");
  const fit = subsetDataset(data, order.slice(nVal, nVal + nFit).sort(), "fitting split");
  progress.log(`auto settings: ${nFit} rows to fit, ${nVal} to validate`);

  // a cheap model: one tree (the first ensemble member's settings), no calibration, no fusion
  const cheap = (text: StackedParams): XRLinearParams => ({
    ...params,
    text,
    ensemble: { ...params.ensemble, trees: 1, members: params.ensemble.members.slice(0, 1) },
    calibration: { ...params.calibration, holdout: 0 },
    fusion: { ...params.fusion, vote: "off", labelTexts: "off" },
  });
  const candidates = params.text === "auto" ? textCandidates(N) : [{ name: "given text section", text: params.text }];
  const scored: CandidateScore[] = [];
  type Scored = { model: CandidateModel; pred: Ranked[]; score: CandidateScore };
  let best: Scored | null = null;
  let incumbent = null as Scored | null;
  const sum = (c: CandidateScore): number => c["P@1"] + c["P@3"] + c["P@5"];
  const predictOpts = { topK: 20, threshold: 0, thresholds: "none" as const, rawScores: true };
  for (const c of candidates) {
    const c0 = cpuNow();
    const model = await trainOne(fit, cheap(c.text));
    const pred = model.predict(model.featurize(val), predictOpts);
    const [p1, p3, p5] = precisions(pred, val.Y);
    const score: CandidateScore = { name: c.name, text: c.text, "P@1": r2(p1), "P@3": r2(p3), "P@5": r2(p5), cpuSeconds: r2(cpuNow() - c0) };
    scored.push(score);
    progress.log(`auto settings: ${c.name}: validation P@1/3/5 ${score["P@1"]} / ${score["P@3"]} / ${score["P@5"]} (${score.cpuSeconds} CPU s)`);
    const entry: Scored = { model, pred, score };
    if (c.name === DEFAULT_CANDIDATE) incumbent = entry;
    if (!best || sum(score) > sum(best.score)) best = entry;
  }
  // the default stays unless the best beats it by more than the split's noise
  const margin = 100 / Math.sqrt(Math.max(1, nVal));
  const chosen = incumbent && sum(best!.score) - sum(incumbent.score) <= margin ? incumbent : best!;
  if (chosen !== best) progress.log(`auto settings: ${best!.score.name} leads ${DEFAULT_CANDIDATE} by ${r2(sum(best!.score) - sum(incumbent!.score))} points, within the split's noise (${r2(margin)}); keeping ${DEFAULT_CANDIDATE}`);
  const base = precisions(chosen.pred, val.Y);
  const Xval = chosen.model.featurize(val);
  let fusion = { ...params.fusion };

  // the neighbour vote: a cheap check with the fitting rows, then a choice at the final scale
  let voteReport: SelectionReport["vote"] = null;
  let voteOf: ((i: number, add: (l: number, v: number) => void) => void) | null = null;
  if (params.fusion.vote === "auto") {
    const k = params.fusion.voteK;
    const nbFit = NeighbourChannel.build(chosen.model.featurize(fit), fit.Y, k, 1).index.searchRows(Xval, k);
    const cheapVote = chooseVote(chosen.pred, val.Y, nbFit, fit.Y, k);
    let choice = cheapVote;
    let checkedRows = nFit;
    if (cheapVote.weight > 0) {
      // trees fitted on a fifth of the rows trail the final ones by far more than a vote from
      // the same rows trails one from all of them (man-name P@1: 30 vs 46 for the trees), so a
      // vote that helps them may not help the final model: weigh it again with one tree and the
      // vote's index on every training row outside the validation part
      progress.log(`auto settings: the neighbour vote gains ${r2(cheapVote.gain)} points on the fitting rows' model (noise ${r2(cheapVote.noise)}); weighing it on ${N - nVal} rows`);
      const rest = subsetDataset(data, order.slice(nVal).sort(), "training rows outside the validation split");
      const big = await trainOne(rest, cheap(chosen.score.text));
      const Xv = big.featurize(val);
      const nbRest = NeighbourChannel.build(big.featurize(rest), rest.Y, k, 1).index.searchRows(Xv, k);
      choice = chooseVote(big.predict(Xv, predictOpts), val.Y, nbRest, rest.Y, k);
      checkedRows = rest.Y.rows;
    }
    fusion = { ...fusion, vote: choice.weight > 0 ? "on" : "off", voteWeight: choice.weight > 0 ? choice.weight : params.fusion.voteWeight, voteTau: choice.weight > 0 ? choice.tau : params.fusion.voteTau };
    voteReport = { weight: choice.weight, tau: choice.tau, "P@1": r2(choice.p[0]), "P@3": r2(choice.p[1]), "P@5": r2(choice.p[2]), gain: r2(choice.gain), noise: r2(choice.noise), rows: checkedRows };
    progress.log(choice.weight > 0
      ? `auto settings: neighbour vote weight ${choice.weight}, τ ${choice.tau}: +${r2(choice.gain)} points of P@1+P@3+P@5 on the validation split (noise ${r2(choice.noise)}; trees and index on ${checkedRows} rows)`
      : `auto settings: the neighbour vote gains ${r2(choice.gain)} points on the validation split, within its noise (${r2(choice.noise)}; trees and index on ${checkedRows} rows); off`);
    if (choice.weight > 0) {
      // the label-text weight below is weighed with the fitting rows' model and its vote
      const tau = choice.tau;
      voteOf = (i, add) => neighbourVote(nbFit, k, i, fit.Y, { kind: "softmax" }, tau, 1, add);
    }
  }

  // the label-text channel, for labels absent from the fitting rows
  let ltReport: SelectionReport["labelTexts"] = null;
  if (params.fusion.labelTexts === "auto") {
    const texts = data.labelTexts ?? [];
    const hasText = (l: number) => (texts[l] ?? "").trim() !== "";
    // the final channel holds the labels with no instance in all the training rows
    const full = new Int32Array(data.Y.cols);
    for (const l of data.Y.indices) full[l]++;
    let nFinal = 0;
    for (let l = 0; l < full.length; l++) if (full[l] === 0 && hasText(l)) nFinal++;
    // on the validation split: as many labels absent from the fitting rows (a seeded sample), so
    // that label texts compete with the trees as often as they will in the final model
    const counts = new Int32Array(fit.Y.cols);
    for (const l of fit.Y.indices) counts[l]++;
    const absent = Int32Array.from({ length: counts.length }, (_, l) => l).filter((l) => counts[l] === 0 && hasText(l));
    new Rng(params.tree.seed ^ 0x1abe1).shuffle(absent);
    const sampled = counts.slice();
    for (const l of absent.subarray(nFinal)) sampled[l] = 1;
    let unseen = 0;
    for (const l of val.Y.indices) if (sampled[l] === 0) unseen++;
    // too few positives among the sample to weigh β on: every absent label (more competition
    // for the trees than the final model will see, so a stricter test)
    if (unseen >= 20) counts.set(sampled);
    else {
      unseen = 0;
      for (const l of val.Y.indices) if (counts[l] === 0) unseen++;
    }
    const vec = chosen.model.vectorizer;
    const channel = vec && nFinal > 0 ? LabelTextChannel.build(texts, counts, chosen.model.dim, (t) => vec.transform(t), 10) : null;
    if (!channel || unseen === 0) {
      fusion = { ...fusion, labelTexts: "off" };
      progress.log(nFinal === 0 ? "auto settings: every label with a text has training instances; no label-text channel" : "auto settings: no validation positive to weigh the label texts on; no label-text channel");
    } else {
      const matches: { l: number; c: number }[][] = [];
      for (let i = 0; i < Xval.rows; i++) {
        const m: { l: number; c: number }[] = [];
        channel.match(Xval.indices, Xval.data, Xval.indptr[i], Xval.indptr[i + 1], (l, c) => m.push({ l, c }));
        matches.push(m);
      }
      const vote = voteOf;
      const withVote = chosen.pred.map((r, i) => (vote ? fuseOne(r, fusion.voteWeight, (add) => vote(i, add), null) : r));
      const ref = precisions(withVote, val.Y);
      // P@k may drop by 0.1, or by two validation queries' worth of P@1 on a small split
      const tol = Math.max(0.1, 200 / nVal);
      let bestBeta = 0, bestRecall = 0, bestP: number[] = ref;
      const grid: { weight: number; "P@1": number; "P@3": number; "P@5": number; "unseenR@10": number }[] = [];
      for (const beta of [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1]) {
        const fused = withVote.map((r, i) => fuseOne(r, 0, null, (add) => matches[i].forEach((m) => add(m.l, beta * m.c))));
        const p = precisions(fused, val.Y);
        const rec = unseenRecall(fused, val.Y, counts);
        grid.push({ weight: beta, "P@1": r2(p[0]), "P@3": r2(p[1]), "P@5": r2(p[2]), "unseenR@10": r2(rec) });
        if (p[0] >= ref[0] - tol && p[1] >= ref[1] - tol && p[2] >= ref[2] - tol && rec > bestRecall) {
          bestBeta = beta;
          bestRecall = rec;
          bestP = p;
        }
      }
      // no weight kept P@k: the smallest one that returns any such label (0.02: a label text
      // enters where the trees' scores are low); the one-tree model fitted on a fifth of the rows
      // scores lower than the final one, so the split overrates what label texts displace
      if (bestBeta === 0 && grid[0].weight > 0 && grid[0]["unseenR@10"] > 0) {
        bestBeta = grid[0].weight;
        bestRecall = grid[0]["unseenR@10"];
        bestP = [grid[0]["P@1"], grid[0]["P@3"], grid[0]["P@5"]];
      }
      fusion = { ...fusion, labelTexts: bestBeta > 0 ? "on" : "off", labelTextWeight: bestBeta > 0 ? bestBeta : fusion.labelTextWeight };
      ltReport = { weight: bestBeta, unseenPositives: unseen, "unseenR@10": r2(bestRecall), "P@1": r2(bestP[0]), "P@3": r2(bestP[1]), "P@5": r2(bestP[2]), grid };
      progress.log(`auto settings: label texts weight ${bestBeta}: validation recall@10 of ${unseen} positives of labels absent from the fitting rows ${ltReport["unseenR@10"]} %, P@1/3/5 ${ltReport["P@1"]} / ${ltReport["P@3"]} / ${ltReport["P@5"]}`);
    }
  }
  const report: SelectionReport = {
    fitRows: nFit,
    validationRows: nVal,
    candidates: params.text === "auto" ? scored : [],
    chosen: chosen.score.name,
    vote: voteReport,
    labelTexts: ltReport,
    cpuSeconds: r2(cpuNow() - t0),
  };
  if (params.text === "auto") progress.log(`auto settings: text features ${chosen.score.name}`);
  return { params: { ...params, text: chosen.score.text, fusion }, report };
}

/** Weights and temperatures the automatic settings try for the neighbour vote. */
export const VOTE_GRID = { weights: [0.1, 0.2, 0.3, 0.5], taus: [0.1, 0.3, 1] } as const;
/** A vote is kept when its gain exceeds this many standard errors of the paired difference. */
export const VOTE_MARGIN_SE = 2.5;

/**
 * The best (w, τ) of VOTE_GRID for fusing tree rankings with neighbour lists `nb` (k per query,
 * rows of `labelsOf`), scored by P@1 + P@3 + P@5 against Y; weight 0 unless its gain over the
 * trees alone exceeds VOTE_MARGIN_SE standard errors of the per-query difference (2.5: a
 * one-sided level of 0.6 % for one try, under 8 % for the best of twelve).
 */
export function chooseVote(
  trees: Ranked[], Y: Csr, nb: { ids: Int32Array; scores: Float32Array }, labelsOf: Pick<Csr, "indptr" | "indices">, k: number,
): { weight: number; tau: number; p: [number, number, number]; gain: number; noise: number } {
  const base = perQuery(trees, Y);
  const baseP = precisions(trees, Y);
  let best = { weight: 0, tau: VOTE_GRID.taus[0] as number, p: baseP, gain: -Infinity, noise: 0 };
  for (const tau of VOTE_GRID.taus) {
    for (const w of VOTE_GRID.weights) {
      const fused = trees.map((r, i) => fuseOne(r, w, (add) => neighbourVote(nb, k, i, labelsOf, { kind: "softmax" }, tau, 1, add), null));
      const s = perQuery(fused, Y);
      let mean = 0;
      for (let i = 0; i < s.length; i++) mean += s[i] - base[i];
      mean /= Math.max(1, s.length);
      if (mean <= best.gain) continue;
      let v = 0;
      for (let i = 0; i < s.length; i++) v += (s[i] - base[i] - mean) ** 2;
      const se = Math.sqrt(v / Math.max(1, s.length - 1) / Math.max(1, s.length));
      best = { weight: w, tau, p: precisions(fused, Y), gain: mean, noise: VOTE_MARGIN_SE * se };
    }
  }
  if (best.gain > best.noise && best.gain > 0) return best;
  return { ...best, weight: 0, p: baseP };
}

/** Each query's P@1 + P@3 + P@5 (points): 100·(hit@1 + hits@3 / 3 + hits@5 / 5). */
function perQuery(pred: readonly { labels: ArrayLike<number> }[], Y: Csr): Float64Array {
  const out = new Float64Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const a = Y.indptr[i], b = Y.indptr[i + 1];
    let h = 0, s = 0;
    for (let r = 0; r < 5; r++) {
      if (r < pred[i].labels.length) {
        const l = pred[i].labels[r];
        for (let p = a; p < b; p++) if (Y.indices[p] === l) {
          h++;
          break;
        }
      }
      if (r === 0) s += h;
      if (r === 2) s += h / 3;
      if (r === 4) s += h / 5;
    }
    out[i] = 100 * s;
  }
  return out;
}

/** (1 − w)·tree + w·vote (+ label-text scores), sorted, the best 10; ties by lower label id. */
function fuseOne(tree: Ranked, w: number, vote: ((add: (l: number, v: number) => void) => void) | null, extra: ((add: (l: number, v: number) => void) => void) | null): Ranked {
  const acc = new Map<number, number>();
  for (let j = 0; j < tree.labels.length; j++) acc.set(tree.labels[j], (1 - w) * tree.scores[j]);
  const add = (l: number, v: number) => acc.set(l, (acc.get(l) ?? 0) + v);
  if (vote) vote((l, v) => add(l, w * v));
  if (extra) extra(add);
  const list = [...acc.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20);
  return { labels: Int32Array.from(list, (e) => e[0]), scores: Float32Array.from(list, (e) => e[1]) };
}

/** Share (percent) of the positives of labels with count 0 that are in the top 10. */
function unseenRecall(pred: Ranked[], Y: Csr, counts: Int32Array): number {
  let total = 0, hit = 0;
  for (let i = 0; i < pred.length; i++) {
    const top = new Set(Array.from(pred[i].labels.subarray(0, 10)));
    for (let p = Y.indptr[i]; p < Y.indptr[i + 1]; p++) {
      const l = Y.indices[p];
      if (counts[l] !== 0) continue;
      total++;
      if (top.has(l)) hit++;
    }
  }
  return total > 0 ? (100 * hit) / total : 0;
}

/**
 * The evaluation report: numbers computed from a model's ranked predictions on labelled data
 * ({@link buildReportData}) and one self-contained HTML page showing them
 * ({@link renderHtmlReport}). Plots are Vega-Lite specs rendered to inline SVG in Node (vega's
 * headless "none" renderer), so the page loads nothing: no scripts, fonts or images from
 * elsewhere.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Csr } from "../core/csr.js";
import { calibrationPairs, type CalibrationBin, expectedCalibrationError } from "./calibrate.js";
import { evaluate, type MetricsReport, type Prediction } from "./metrics.js";
import { formatTable } from "./report.js";

/** Cut-off of the per-bucket, false-positive and miss counts (the top-K predicted labels). */
export const REPORT_TOP_K = 5;
/** Cut-offs of the metric curves. */
export const CURVE_KS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

export interface ReportInput {
  /** Ranked predictions (at least 10 per point when the curves should reach k = 10), scores as the model returns them. */
  preds: Prediction[];
  /** Gold labels, one row per prediction. */
  truth: Csr;
  labelNames: readonly string[];
  /** Training positives per label (labels past its end count as unseen in training). */
  trainLabelCounts: Int32Array;
  /** Inverse propensities per label (enables PSP). */
  invProp: Float64Array;
  /** The metrics table (as `xmc evaluate` prints it) and its cut-offs. */
  metrics: MetricsReport;
  ks: readonly number[];
  /** Whether scores are calibrated probabilities (the threshold / F1 curve is shown only then). */
  calibrated: boolean;
  /** Texts of the test points, when the data is text (shown with the examples). */
  texts?: readonly string[] | null;
  /** Headings: model and data names, the method. */
  title: string;
  method: string;
  /** How many example predictions to show (default 8). */
  examples?: number;
}

export interface CurvePoint {
  k: number;
  metric: string;
  value: number;
}

export interface FrequencyBucket {
  /** Training counts covered, e.g. "0", "1", "2–3", "4–7". */
  name: string;
  lo: number;
  hi: number;
  labels: number;
  /** Gold (point, label) pairs of the bucket's labels, and how many of them are in the top K. */
  gold: number;
  hits: number;
  /** Predicted (point, label) pairs in the top K of the bucket's labels. */
  predicted: number;
  /** Percent; null when the denominator is 0. */
  recall: number | null;
  precision: number | null;
}

export interface LabelCount {
  label: string;
  count: number;
  trainCount: number;
}

export interface ThresholdPoint {
  threshold: number;
  measure: "precision" | "recall" | "F1";
  value: number;
}

export interface Example {
  text: string | null;
  gold: string[];
  predicted: { label: string; score: number; correct: boolean }[];
}

export interface ReportData {
  title: string;
  method: string;
  n: number;
  metricsTable: string;
  curves: CurvePoint[];
  buckets: FrequencyBucket[];
  /** Reliability bins of the top-5 scores when every score is in [0, 1]; else null with the reason. */
  reliability: { bins: CalibrationBin[]; ece: number; calibrated: boolean } | null;
  reliabilityNote: string | null;
  thresholdCurve: ThresholdPoint[] | null;
  bestThreshold: { threshold: number; f1: number } | null;
  thresholdNote: string | null;
  falsePositives: LabelCount[];
  misses: LabelCount[];
  examples: Example[];
}

/** Training-count buckets: 0, 1, 2–3, 4–7, … (powers of two) up to the largest count. */
export function frequencyBuckets(maxCount: number): { name: string; lo: number; hi: number }[] {
  const out = [{ name: "0", lo: 0, hi: 0 }];
  for (let lo = 1; lo <= Math.max(1, maxCount); lo *= 2) {
    const hi = lo * 2 - 1;
    out.push({ name: lo === hi ? String(lo) : `${lo}–${hi}`, lo, hi });
  }
  return out;
}

/** Compute everything the report shows. */
export function buildReportData(o: ReportInput): ReportData {
  const { preds, truth } = o;
  const K = REPORT_TOP_K;
  const n = truth.rows;
  const nl = truth.cols;
  const trainCount = (l: number): number => (l < o.trainLabelCounts.length ? o.trainLabelCounts[l] : 0);
  const name = (l: number): string => o.labelNames[l] ?? String(l);

  // P, nDCG, PSP at k = 1..10
  const full = evaluate(preds, truth, { ks: CURVE_KS, invProp: o.invProp });
  const curves: CurvePoint[] = [];
  for (const metric of ["P", "nDCG", "PSP"]) {
    for (const k of CURVE_KS) {
      const v = full[`${metric}@${k}`];
      if (typeof v === "number") curves.push({ k, metric: `${metric}@k`, value: v });
    }
  }

  // per label: gold pairs, hits and false positives in the top K
  const gold = new Int32Array(nl), hits = new Int32Array(nl), fp = new Int32Array(nl);
  const stamp = new Int32Array(nl);
  for (let i = 0; i < n; i++) {
    for (let q = truth.indptr[i]; q < truth.indptr[i + 1]; q++) {
      const l = truth.indices[q];
      gold[l]++;
      stamp[l] = i + 1;
    }
    const labels = preds[i].labels;
    for (let r = 0; r < Math.min(K, labels.length); r++) {
      const l = labels[r];
      if (l < 0 || l >= nl) continue;
      if (stamp[l] === i + 1) hits[l]++;
      else fp[l]++;
    }
  }
  let maxCount = 0;
  for (let l = 0; l < nl; l++) maxCount = Math.max(maxCount, trainCount(l));
  const buckets: FrequencyBucket[] = frequencyBuckets(maxCount).map((b) => ({ ...b, labels: 0, gold: 0, hits: 0, predicted: 0, recall: null, precision: null }));
  for (let l = 0; l < nl; l++) {
    const c = trainCount(l);
    const b = buckets.find((x) => c >= x.lo && c <= x.hi) as FrequencyBucket;
    b.labels++;
    b.gold += gold[l];
    b.hits += hits[l];
    b.predicted += hits[l] + fp[l];
  }
  for (const b of buckets) {
    b.recall = b.gold > 0 ? (100 * b.hits) / b.gold : null;
    b.precision = b.predicted > 0 ? (100 * b.hits) / b.predicted : null;
  }

  const ranked = (counts: Int32Array): LabelCount[] => {
    const ids = Array.from({ length: nl }, (_, l) => l).filter((l) => counts[l] > 0);
    ids.sort((a, b) => counts[b] - counts[a] || a - b);
    return ids.slice(0, 20).map((l) => ({ label: name(l), count: counts[l], trainCount: trainCount(l) }));
  };
  const missCounts = new Int32Array(nl);
  for (let l = 0; l < nl; l++) missCounts[l] = gold[l] - hits[l];

  // reliability of the top-5 scores, when they are probabilities
  let reliability: ReportData["reliability"] = null;
  let reliabilityNote: string | null = null;
  const pairs = calibrationPairs(preds, truth, 5);
  if (pairs.scores.length === 0) reliabilityNote = "no scored predictions";
  else if (pairs.scores.some((s) => !(s >= 0 && s <= 1))) reliabilityNote = "the scores are not in [0, 1], so they are not probabilities (train with --holdout 0.1 for calibrated scores)";
  else {
    const { ece, bins } = expectedCalibrationError(pairs.scores, pairs.targets, 10);
    reliability = { bins, ece: ece * 100, calibrated: o.calibrated };
  }

  // micro precision / recall / F1 of "every label scoring ≥ t" (calibrated scores only)
  let thresholdCurve: ThresholdPoint[] | null = null;
  let bestThreshold: ReportData["bestThreshold"] = null;
  let thresholdNote: string | null = null;
  if (!o.calibrated) thresholdNote = "the scores of this model are not calibrated (train with --holdout 0.1 to fit a calibrator and thresholds)";
  else {
    thresholdCurve = [];
    let totalGold = 0;
    for (let l = 0; l < nl; l++) totalGold += gold[l];
    const maxLen = Math.max(0, ...preds.map((p) => p.labels.length));
    for (let s = 1; s <= 49; s++) {
      const t = s / 50;
      let tp = 0, pos = 0;
      for (let i = 0; i < n; i++) {
        const { labels, scores } = preds[i];
        for (let q = truth.indptr[i]; q < truth.indptr[i + 1]; q++) stamp[truth.indices[q]] = -(i + 1);
        for (let r = 0; r < labels.length && scores[r] >= t; r++) {
          pos++;
          if (stamp[labels[r]] === -(i + 1)) tp++;
        }
      }
      const p = pos > 0 ? tp / pos : 1, r = totalGold > 0 ? tp / totalGold : 0;
      const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
      thresholdCurve.push({ threshold: t, measure: "precision", value: 100 * p }, { threshold: t, measure: "recall", value: 100 * r }, { threshold: t, measure: "F1", value: 100 * f1 });
      if (!bestThreshold || 100 * f1 > bestThreshold.f1) bestThreshold = { threshold: t, f1: 100 * f1 };
    }
    thresholdNote = `sets are the predicted labels (at most ${maxLen} per point) scoring at least the threshold`;
  }

  // evenly spaced example points
  const nEx = Math.min(n, o.examples ?? 8);
  const examples: Example[] = [];
  for (let j = 0; j < nEx; j++) {
    const i = Math.floor((j * n) / nEx);
    const goldSet = new Set<number>();
    for (let q = truth.indptr[i]; q < truth.indptr[i + 1]; q++) goldSet.add(truth.indices[q]);
    const p = preds[i];
    examples.push({
      text: o.texts ? o.texts[i] : null,
      gold: [...goldSet].map(name),
      predicted: Array.from(p.labels.subarray(0, K), (l, r) => ({ label: name(l), score: p.scores[r] ?? NaN, correct: goldSet.has(l) })),
    });
  }

  return {
    title: o.title,
    method: o.method,
    n,
    metricsTable: formatTable(o.metrics, o.ks),
    curves,
    buckets,
    reliability,
    reliabilityNote,
    thresholdCurve,
    bestThreshold,
    thresholdNote,
    falsePositives: ranked(fp),
    misses: ranked(missCounts),
    examples,
  };
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** Render a Vega-Lite spec to an SVG string, offline. */
export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 12 }, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function curvesSpec(points: CurvePoint[]): TopLevelSpec {
  return {
    width: 460,
    height: 260,
    data: { values: points },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "k", type: "ordinal", title: "k", axis: { labelAngle: 0 } },
      y: { field: "value", type: "quantitative", title: "percent", scale: { zero: true } },
      color: { field: "metric", type: "nominal", title: null, sort: ["P@k", "nDCG@k", "PSP@k"] },
      tooltip: [{ field: "metric" }, { field: "k" }, { field: "value", format: ".2f" }],
    },
  } as TopLevelSpec;
}

function bucketSpec(buckets: FrequencyBucket[]): TopLevelSpec {
  const order = buckets.map((b) => b.name);
  const values = buckets.flatMap((b) => [
    { bucket: b.name, measure: "recall", value: b.recall, labels: b.labels },
    { bucket: b.name, measure: "precision", value: b.precision, labels: b.labels },
  ]).filter((v) => v.value !== null);
  return {
    width: 620,
    height: 260,
    data: { values },
    mark: "bar",
    encoding: {
      x: { field: "bucket", type: "ordinal", sort: order, title: "training examples per label (tail on the left, head on the right)", axis: { labelAngle: -35 } },
      xOffset: { field: "measure", type: "nominal", sort: ["recall", "precision"] },
      y: { field: "value", type: "quantitative", title: `percent (top ${REPORT_TOP_K})`, scale: { domain: [0, 100] } },
      color: { field: "measure", type: "nominal", title: null, sort: ["recall", "precision"] },
      tooltip: [{ field: "bucket" }, { field: "measure" }, { field: "value", format: ".1f" }, { field: "labels" }],
    },
  } as TopLevelSpec;
}

function reliabilitySpec(bins: CalibrationBin[]): TopLevelSpec {
  const values = bins.filter((b) => b.count > 0).map((b) => ({ mean: b.meanProb, frac: b.fracPositive, count: b.count }));
  return {
    width: 300,
    height: 300,
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: "line", strokeDash: [4, 4], color: "#999" },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
      {
        data: { values },
        mark: { type: "line", point: { filled: true }, color: "#4c78a8" },
        encoding: {
          x: { field: "mean", type: "quantitative", title: "mean predicted probability", scale: { domain: [0, 1] } },
          y: { field: "frac", type: "quantitative", title: "fraction correct", scale: { domain: [0, 1] } },
          tooltip: [{ field: "mean", format: ".3f" }, { field: "frac", format: ".3f" }, { field: "count" }],
        },
      },
    ],
  } as TopLevelSpec;
}

function binCountSpec(bins: CalibrationBin[]): TopLevelSpec {
  return {
    width: 300,
    height: 100,
    data: { values: bins.map((b) => ({ lo: b.lo, hi: b.hi, count: b.count })) },
    mark: { type: "bar", color: "#bbb" },
    encoding: {
      x: { field: "lo", type: "quantitative", bin: { binned: true, step: 0.1 }, title: "predicted probability", scale: { domain: [0, 1] } },
      x2: { field: "hi" },
      y: { field: "count", type: "quantitative", title: "predictions" },
    },
  } as TopLevelSpec;
}

function thresholdSpec(points: ThresholdPoint[], best: { threshold: number; f1: number } | null): TopLevelSpec {
  const layers: unknown[] = [
    {
      data: { values: points },
      mark: "line",
      encoding: {
        x: { field: "threshold", type: "quantitative", title: "threshold on the calibrated score", scale: { domain: [0, 1] } },
        y: { field: "value", type: "quantitative", title: "micro percent", scale: { domain: [0, 100] } },
        color: { field: "measure", type: "nominal", title: null, sort: ["precision", "recall", "F1"] },
      },
    },
  ];
  if (best) layers.push({ data: { values: [best] }, mark: { type: "rule", strokeDash: [3, 3], color: "#666" }, encoding: { x: { field: "threshold", type: "quantitative" } } });
  return { width: 420, height: 260, layer: layers } as TopLevelSpec;
}

function labelBarSpec(rows: LabelCount[], what: string, color: string): TopLevelSpec {
  return {
    width: 300,
    height: { step: 16 },
    data: { values: rows },
    mark: { type: "bar", color },
    encoding: {
      y: { field: "label", type: "nominal", sort: "-x", title: null, axis: { labelLimit: 220 } },
      x: { field: "count", type: "quantitative", title: what },
      tooltip: [{ field: "label" }, { field: "count" }, { field: "trainCount", title: "training examples" }],
    },
  } as TopLevelSpec;
}

const f1 = (v: number | null): string => (v === null ? "–" : v.toFixed(1));

/** The report as one HTML document (plots inline as SVG, styles inline, no scripts). */
export async function renderHtmlReport(d: ReportData): Promise<string> {
  const figure = async (id: string, spec: TopLevelSpec): Promise<string> => `<figure class="plot" id="${id}">${await vegaLiteSvg(spec)}</figure>`;
  const parts: string[] = [];
  parts.push(`<h1>${esc(d.title)}</h1>`);
  parts.push(`<p class="sub">method <b>${esc(d.method)}</b> · ${d.n} test points · values in percent</p>`);

  parts.push(`<section id="metrics"><h2>Metrics</h2><pre>${esc(d.metricsTable)}</pre>`);
  parts.push(`<h3>P@k, nDCG@k and PSP@k for k = 1…10</h3>${await figure("plot-curves", curvesSpec(d.curves))}</section>`);

  parts.push(`<section id="buckets"><h2>Rare labels: recall and precision by training frequency</h2>`);
  parts.push(`<p>Labels grouped by how many training examples they have. Recall: share of the bucket's gold labels found in the top ${REPORT_TOP_K}; precision: share of the bucket's labels in the top ${REPORT_TOP_K} that are correct.</p>`);
  parts.push(await figure("plot-buckets", bucketSpec(d.buckets)));
  parts.push(`<table><tr><th>training examples</th><th>labels</th><th>gold pairs</th><th>found</th><th>recall</th><th>predicted</th><th>precision</th></tr>`);
  for (const b of d.buckets) parts.push(`<tr><td>${esc(b.name)}</td><td>${b.labels}</td><td>${b.gold}</td><td>${b.hits}</td><td>${f1(b.recall)}</td><td>${b.predicted}</td><td>${f1(b.precision)}</td></tr>`);
  parts.push(`</table></section>`);

  parts.push(`<section id="calibration"><h2>Score calibration</h2>`);
  if (d.reliability) {
    parts.push(`<p>Reliability of the top-5 ${d.reliability.calibrated ? "calibrated probabilities" : "raw scores"} in 10 bins; expected calibration error ${d.reliability.ece.toFixed(2)} %. The dashed diagonal is perfect calibration.</p>`);
    parts.push(`<div class="row">${await figure("plot-reliability", reliabilitySpec(d.reliability.bins))}${await figure("plot-bin-counts", binCountSpec(d.reliability.bins))}</div>`);
  } else parts.push(`<p class="note">No reliability diagram: ${esc(d.reliabilityNote ?? "")}.</p>`);
  parts.push(`<h3>Threshold and F1</h3>`);
  if (d.thresholdCurve) {
    parts.push(`<p>Micro precision, recall and F1 when a point gets every label whose calibrated score is at least the threshold; ${esc(d.thresholdNote ?? "")}. Best F1 on this data: ${d.bestThreshold ? `${d.bestThreshold.f1.toFixed(2)} % at ${d.bestThreshold.threshold.toFixed(2)} (dashed line)` : "–"}.</p>`);
    parts.push(await figure("plot-threshold", thresholdSpec(d.thresholdCurve, d.bestThreshold)));
  } else parts.push(`<p class="note">No threshold curve: ${esc(d.thresholdNote ?? "")}.</p>`);
  parts.push(`</section>`);

  parts.push(`<section id="errors"><h2>Labels with the most errors (top ${REPORT_TOP_K})</h2><div class="row">`);
  parts.push(d.falsePositives.length ? `<div><h3>Most false positives</h3>${await figure("plot-false-positives", labelBarSpec(d.falsePositives, "predicted but not gold", "#e45756"))}</div>` : `<p class="note">No false positives.</p>`);
  parts.push(d.misses.length ? `<div><h3>Most misses</h3>${await figure("plot-misses", labelBarSpec(d.misses, "gold but not predicted", "#f58518"))}</div>` : `<p class="note">No misses.</p>`);
  parts.push(`</div></section>`);

  parts.push(`<section id="examples"><h2>Example predictions</h2><table class="ex"><tr>${d.examples.some((e) => e.text !== null) ? "<th>text</th>" : ""}<th>gold</th><th>top ${REPORT_TOP_K} (✓ correct)</th></tr>`);
  for (const e of d.examples) {
    const text = e.text === null ? "" : `<td class="text">${esc(e.text.length > 300 ? `${e.text.slice(0, 300)}…` : e.text)}</td>`;
    const pred = e.predicted.map((p) => `<span class="${p.correct ? "hit" : "miss"}">${p.correct ? "✓ " : ""}${esc(p.label)} <small>${Number.isFinite(p.score) ? p.score.toFixed(3) : ""}</small></span>`).join(" ");
    parts.push(`<tr>${text}<td>${e.gold.map(esc).join(", ") || "<i>none</i>"}</td><td>${pred}</td></tr>`);
  }
  parts.push(`</table></section>`);

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title>
<style>
body{font-family:${FONT};max-width:1100px;margin:24px auto;padding:0 16px;color:#222;line-height:1.4}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
.sub{color:#666;margin-top:0}.note{color:#666;font-style:italic}
pre{background:#f6f6f6;padding:8px 12px;display:inline-block}
figure.plot{margin:8px 16px 8px 0}.row{display:flex;flex-wrap:wrap;align-items:flex-start;gap:8px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top}
table.ex td,table.ex th{text-align:left}td.text{max-width:420px}
span.hit{color:#1a7f37;font-weight:bold}span.miss{color:#555}span.hit,span.miss{margin-right:8px;white-space:nowrap}
</style></head><body>
${parts.join("\n")}
</body></html>
`;
}

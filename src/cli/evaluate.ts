import { Option, type Command } from "commander";
import { checkOutputPath, writeFileAtomic } from "../core/atomic-file.js";
import { XmcError } from "../core/errors.js";
import { loadDataset } from "../data/load.js";
import { calibrationPairs, expectedCalibrationError } from "../eval/calibrate.js";
import { evaluate, type MetricsReport, type Prediction, setMetrics } from "../eval/metrics.js";
import { reliabilitySvg } from "../eval/reliability.js";
import { inversePropensity } from "../eval/propensity.js";
import { formatTable, toJsonLine } from "../eval/report.js";
import type { XmcModel } from "../methods/model.js";
import { parseThreads, warn } from "./flags.js";
import { writeHtmlReport } from "./html-report-file.js";
import { stderrProgress } from "./progress-bar.js";
import { loadModelForThreads, modelFileOf, predictDatasetOnThreads } from "../api/predict-threads.js";
import { addPredictOptions, modelMethod, predictOverrides } from "./method-options.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import { checkTestData } from "../data/checks.js";

/** Long names of the options of `xmc evaluate` itself. */
const EVALUATE_OPTIONS = ["model", "ks", "ps-a", "ps-b", "format", "json", "reliability", "report", "threads", "quiet", "help"];

export function registerEvaluate(program: Command, argv: readonly string[] = process.argv): void {
  const cmd = program
    .command("evaluate")
    .description("evaluate a model on labelled DATA: P@k, nDCG@k, PSP@k, PSnDCG@k, R@k (percent, over all test points)")
    .argument("<DATA>", "labelled test data (an XC .txt file, an .arff file, or a text PREFIX)")
    .requiredOption("-m, --model <FILE>", "model file")
    .option("--ks <list>", "cut-offs, comma separated", "1,3,5")
    .option("--ps-a <A>", "propensity constant A", "0.55")
    .option("--ps-b <B>", "propensity constant B", "1.5")
    .addOption(new Option("--format <format>", "table: the metrics table on stdout; json: stdout holds exactly one JSON object of the metrics").choices(["table", "json"]).default("table"))
    .option("--json", "the same as --format json")
    .option("--reliability <FILE>", "write a reliability diagram (SVG) of the top-5 scores")
    .option("--report <FILE>", "write an HTML report (metrics, P/nDCG/PSP@1..10, rare-label recall, calibration, worst labels, examples)")
    .option("--threads <n>", "threads to predict with (default: all cores)")
    .option("-q, --quiet", "no progress output");
  addPredictOptions(cmd, argv, "evaluate", EVALUATE_OPTIONS);
  cmd.action(async (data: string, o: Record<string, unknown>) => {
    if (o.json && cmd.getOptionValueSource("format") === "cli" && o.format !== "json") throw new XmcError(`--json is --format json; it contradicts --format ${String(o.format)}`);
    const json = Boolean(o.json) || o.format === "json";
    const reliability = o.reliability as string | undefined;
    if (reliability !== undefined) checkOutputPath(reliability, { flag: "--reliability" });
    const htmlReport = o.report as string | undefined;
    if (htmlReport !== undefined) checkOutputPath(htmlReport, { flag: "--report" });
    const progress = stderrProgress(Boolean(o.quiet));
    const threads = parseThreads(o.threads);
    const model = loadModelForThreads(o.model as string, threads); // a missing or bad file: its own message
    const file = modelFileOf(o.model as string);
    const ks = capKs(parseKs(String(o.ks)), model.nLabels, cmd.getOptionValueSource("ks") === "cli");
    const ds = await loadDataset(data, { labels: model.labelNames });
    for (const w of checkTestData(ds, model.featureDim)) warn(w);
    const overrides = predictOverrides(o, modelMethod(model.method), EVALUATE_OPTIONS);
    if (overrides.topK !== undefined && Number(overrides.topK) > model.nLabels) overrides.topK = model.nLabels;
    const predict = (ov: Record<string, unknown>) => predictDatasetOnThreads(model, file, ds, ov, threads, progress);
    const preds = await predict({ topK: Math.max(...ks), ...overrides });
    const report = evaluatePredictions(model, ds, preds, { ks, A: num(o.psA, "--ps-a"), B: num(o.psB, "--ps-b"), overrides, reliability });
    if (htmlReport !== undefined) {
      await writeHtmlReport(model, ds, htmlReport, { metrics: report, ks, A: num(o.psA, "--ps-a"), B: num(o.psB, "--ps-b"), overrides, title: `${o.model as string} on ${data}`, predict });
    }
    if (json) {
      process.stdout.write(`${toJsonLine(report)}\n`);
      return;
    }
    process.stdout.write(`${formatTable(report, ks)}\n`);
    const extra: string[] = [];
    if ("microF1" in report) extra.push(`thresholded sets: micro-F1 ${report.microF1.toFixed(2)}, macro-F1 ${report.macroF1.toFixed(2)}, micro-P ${report.microP.toFixed(2)}, micro-R ${report.microR.toFixed(2)}`);
    if ("ECE" in report) extra.push(`expected calibration error of the top-5 scores (10 bins): ${report.ECE.toFixed(2)} %${scoresCalibrated(model, overrides) ? " (calibrated)" : " (raw scores)"}`);
    if (extra.length) process.stdout.write(`${extra.join("\n")}\n`);
  });
}

/**
 * Cut-offs above the model's number of labels are capped to it (a ranking has no more
 * entries), with a warning when the user gave them; a cut-off that then repeats is dropped.
 */
export function capKs(ks: readonly number[], nLabels: number, given = true): number[] {
  const big = ks.filter((k) => k > nLabels);
  if (big.length === 0) return [...ks];
  if (given) warn(`cut-offs above the model's ${nLabels} labels (${big.map((k) => `@${k}`).join(", ")}) are reported as @${nLabels}`);
  return [...new Set(ks.map((k) => Math.min(k, nLabels)))];
}

interface EvaluateOptions {
  ks?: number[];
  A?: number;
  B?: number;
  overrides?: Record<string, unknown>;
  progress?: Progress;
  reliability?: string;
}

/** Predict the dataset with the model and compute every ranking metric. */
export function evaluateModel(model: XmcModel, ds: Dataset, o: EvaluateOptions): MetricsReport {
  const ks = o.ks ?? [1, 3, 5];
  return evaluatePredictions(model, ds, model.predictDataset(ds, { topK: Math.max(...ks), ...(o.overrides ?? {}) }, o.progress), o);
}

/** Every ranking metric of the model's predictions `preds` of `ds` (at least max(ks) labels each). */
export function evaluatePredictions(model: XmcModel, ds: Dataset, preds: Prediction[], o: EvaluateOptions): MetricsReport {
  const ks = o.ks ?? [1, 3, 5];
  const overrides = o.overrides ?? {};
  const invProp = inversePropensity(model.trainLabelCounts, model.nTrain, o.A ?? 0.55, o.B ?? 1.5, ds.Y.cols);
  const report = evaluate(preds, ds.Y, { ks, invProp });
  const thresholded = Number(overrides.threshold ?? 0) > 0 || (overrides.thresholds !== undefined && overrides.thresholds !== "none");
  if (thresholded) {
    const s = setMetrics(preds.map((p) => p.labels), ds.Y);
    Object.assign(report, { microF1: s.microF1, macroF1: s.macroF1, microP: s.microP, microR: s.microR });
  }
  const ece = calibrationReport(preds, ds.Y, o.reliability, scoresCalibrated(model, overrides) ? "calibrated scores" : "raw scores");
  if (ece !== null) report.ECE = ece;
  return report;
}

/** Whether the scores of a prediction with these overrides are calibrated probabilities (not with `rawScores`). */
export function scoresCalibrated(model: XmcModel, overrides: Record<string, unknown>): boolean {
  return model.calibrated && overrides.rawScores !== true && overrides.rawScores !== "true";
}

/** ECE (percent) of the top-5 scores when they lie in [0, 1]; optionally a reliability diagram. */
function calibrationReport(preds: Prediction[], truth: Dataset["Y"], svgPath: string | undefined, what: string): number | null {
  const pairs = calibrationPairs(preds, truth, 5);
  if (pairs.scores.length === 0 || pairs.scores.some((s) => s < 0 || s > 1)) {
    if (svgPath) throw new XmcError("--reliability: scores are not in [0, 1] (use a post-processor such as l3-hinge or sigmoid)");
    return null;
  }
  const { ece, bins } = expectedCalibrationError(pairs.scores, pairs.targets, 10);
  if (svgPath) writeFileAtomic(svgPath, reliabilitySvg(bins, { title: `Reliability of the top-5 ${what}` }));
  return ece * 100;
}

function parseKs(s: string): number[] {
  const ks = s.split(",").map((x) => Number(x.trim()));
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new XmcError(`--ks: expected comma-separated positive integers, got "${s}"`);
  return ks;
}

function num(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new XmcError(`${flag}: expected a number, got "${String(v)}"`);
  return n;
}

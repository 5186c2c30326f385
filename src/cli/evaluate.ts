import type { Command } from "commander";
import { XmcError } from "../core/errors.js";
import { loadDataset } from "../data/load.js";
import { evaluate, type MetricsReport } from "../eval/metrics.js";
import { inversePropensity } from "../eval/propensity.js";
import { formatTable, toJsonLine } from "../eval/report.js";
import { PREDICT_SCHEMA } from "../methods/xrlinear-params.js";
import type { XRLinearModel } from "../methods/xrlinear.js";
import { loadModel } from "../model/registry.js";
import { stderrProgress } from "./progress-bar.js";
import { addSchemaOptions, collectSchemaOptions } from "./schema-options.js";
import { PREDICT_FLAGS } from "./train.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";

export function registerEvaluate(program: Command): void {
  const cmd = program
    .command("evaluate")
    .description("evaluate a model on labelled DATA: P@k, nDCG@k, PSP@k, PSnDCG@k, R@k (percent, over all test points)")
    .argument("<DATA>", "labelled test data (an XC .txt file, an .arff file, or a text PREFIX)")
    .requiredOption("-m, --model <DIR>", "model directory")
    .option("--ks <list>", "cut-offs, comma separated", "1,3,5")
    .option("--ps-a <A>", "propensity constant A", "0.55")
    .option("--ps-b <B>", "propensity constant B", "1.5")
    .option("--json", "print the metrics as one JSON object on the last line")
    .option("-q, --quiet", "no progress output");
  addSchemaOptions(cmd, PREDICT_SCHEMA, PREDICT_FLAGS);
  cmd.action(async (data: string, o: Record<string, unknown>) => {
    const progress = stderrProgress(Boolean(o.quiet));
    const ks = parseKs(String(o.ks));
    const model = loadModel(o.model as string);
    const ds = await loadDataset(data, { labels: model.labelNames });
    const report = evaluateModel(model, ds, { ks, A: num(o.psA, "--ps-a"), B: num(o.psB, "--ps-b"), overrides: collectSchemaOptions(o, PREDICT_SCHEMA, PREDICT_FLAGS), progress });
    process.stdout.write(`${formatTable(report, ks)}\n`);
    if (o.json) process.stdout.write(`${toJsonLine(report)}\n`);
  });
}

/** Predict the dataset with the model and compute every ranking metric. */
export function evaluateModel(
  model: XRLinearModel,
  ds: Dataset,
  o: { ks?: number[]; A?: number; B?: number; overrides?: Record<string, unknown>; progress?: Progress },
): MetricsReport {
  const ks = o.ks ?? [1, 3, 5];
  const X = model.featurize(ds);
  const preds = model.predict(X, { topK: Math.max(...ks), ...(o.overrides ?? {}) }, o.progress);
  const invProp = inversePropensity(model.trainLabelCounts, model.nTrain, o.A ?? 0.55, o.B ?? 1.5, ds.Y.cols);
  return evaluate(preds, ds.Y, { ks, invProp });
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

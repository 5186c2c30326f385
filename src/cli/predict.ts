import { createWriteStream } from "node:fs";
import type { Command } from "commander";
import { loadModel } from "../api/load.js";
import { loadDataset } from "../data/load.js";
import { addPredictOptions, modelMethod, predictOverrides } from "./method-options.js";
import { stderrProgress } from "./progress-bar.js";
import { EXPLAIN_HELP, explainerFor } from "./explain.js";

/** Long names of the options of `xmc predict` itself. */
const PREDICT_OPTIONS = ["model", "output", "explain", "quiet", "help"];

export function registerPredict(program: Command, argv: readonly string[] = process.argv): void {
  const cmd = program
    .command("predict")
    .description("predict labels for DATA; writes JSON Lines {\"labels\": [names], \"scores\": [...]} (one line per instance)")
    .argument("<DATA>", "data to label (an XC .txt file, an .arff file, or a text PREFIX: PREFIX_texts.txt, PREFIX_labels.txt optional; labels are ignored)")
    .requiredOption("-m, --model <FILE>", "model file")
    .option("-o, --output <FILE>", "write predictions here instead of stdout")
    .option("--explain", EXPLAIN_HELP)
    .option("-q, --quiet", "no progress output");
  addPredictOptions(cmd, argv, "predict", PREDICT_OPTIONS);
  cmd.action(async (data: string, o: Record<string, unknown>) => {
    const progress = stderrProgress(Boolean(o.quiet));
    const model = loadModel(o.model as string);
    const ds = await loadDataset(data, { labels: model.labelNames, labelsOptional: true });
    const overrides = predictOverrides(o, modelMethod(model.method), PREDICT_OPTIONS);
    const explainer = o.explain ? explainerFor(model) : null;
    const preds = model.predictDataset(ds, overrides, progress);
    const why = explainer ? explainer(ds, preds) : null;
    const out: NodeJS.WritableStream = o.output ? createWriteStream(o.output as string) : process.stdout;
    for (const [i, r] of preds.entries()) {
      const line = JSON.stringify({ labels: Array.from(r.labels, (l) => model.labelNames[l]), scores: Array.from(r.scores, (s) => Number(s.toPrecision(6))), ...(why ? { why: why[i] } : {}) });
      if (!out.write(`${line}\n`)) await new Promise<void>((res) => out.once("drain", () => res()));
    }
    if (o.output) await new Promise<void>((res) => out.end(() => res()));
  });
}

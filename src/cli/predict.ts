import { createWriteStream } from "node:fs";
import type { Command } from "commander";
import { loadDataset } from "../data/load.js";
import { XRLINEAR_PREDICT_SCHEMA } from "../methods/xrlinear-params.js";
import { PRIME_PREDICT_FLAGS } from "../methods/prime/params.js";
import { XmcError } from "../core/errors.js";
import { loadModel } from "../model/registry.js";
import { stderrProgress } from "./progress-bar.js";
import { addSchemaOptions, collectSchemaOptions } from "./schema-options.js";
import { PREDICT_FLAGS } from "./train.js";

export function registerPredict(program: Command): void {
  const cmd = program
    .command("predict")
    .description("predict labels for DATA; writes JSON Lines {\"labels\": [names], \"scores\": [...]} (one line per instance)")
    .argument("<DATA>", "data to label (an XC .txt file, an .arff file, or a text PREFIX: PREFIX_texts.txt, PREFIX_labels.txt optional; labels are ignored)")
    .requiredOption("-m, --model <DIR>", "model directory")
    .option("-o, --output <FILE>", "write predictions here instead of stdout")
    .option("-q, --quiet", "no progress output");
  addSchemaOptions(cmd, XRLINEAR_PREDICT_SCHEMA, PREDICT_FLAGS);
  addSchemaOptions(cmd, PRIME_PREDICT_FLAGS);
  cmd.action(async (data: string, o: Record<string, unknown>) => {
    const progress = stderrProgress(Boolean(o.quiet));
    const model = loadModel(o.model as string);
    const ds = await loadDataset(data, { labels: model.labelNames, labelsOptional: true });
    const overrides = { ...collectSchemaOptions(o, XRLINEAR_PREDICT_SCHEMA, PREDICT_FLAGS), ...primeOverrides(o, model.method) };
    const preds = model.predictDataset(ds, overrides, progress);
    const out: NodeJS.WritableStream = o.output ? createWriteStream(o.output as string) : process.stdout;
    for (const r of preds) {
      const line = JSON.stringify({ labels: Array.from(r.labels, (l) => model.labelNames[l]), scores: Array.from(r.scores, (s) => Number(s.toPrecision(6))) });
      if (!out.write(`${line}\n`)) await new Promise<void>((res) => out.once("drain", () => res()));
    }
    if (o.output) await new Promise<void>((res) => out.end(() => res()));
  });
}

/** Flags of PRIME_PREDICT_FLAGS that SyncXML models take too (their training-query neighbour vote). */
const SYNCXML_FLAGS = new Set(["neighbours", "neighbourWeight", "lexicalWeight", "search", "efSearch"]);

/** The PRIME (and SyncXML neighbour) prediction flags given on the command line (an error for other methods). */
export function primeOverrides(o: Record<string, unknown>, method: string): Record<string, unknown> {
  const given = collectSchemaOptions(o, PRIME_PREDICT_FLAGS);
  const bad = Object.keys(given).filter((k) => method !== "prime" && !(method === "syncxml" && SYNCXML_FLAGS.has(k)));
  if (bad.length > 0) throw new XmcError(`${bad.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}: only for PRIME${bad.every((k) => SYNCXML_FLAGS.has(k)) ? " and SyncXML" : ""} models (this model is ${method})`);
  return given;
}

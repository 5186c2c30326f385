import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { XmcError } from "../core/errors.js";
import { loadDataset } from "../data/load.js";
import { SOLVER_SCHEMA } from "../linear/params.js";
import { CALIBRATION_SCHEMA, DISENTANGLE_SCHEMA, ENSEMBLE_SCHEMA, parseXRLinearParams, XRLINEAR_PREDICT_SCHEMA, XRLINEAR_TRAIN_SCHEMA } from "../methods/xrlinear-params.js";
import { PrimeModel } from "../methods/prime/model.js";
import { parsePrimeParams } from "../methods/prime/params.js";
import { parseSyncXMLParams } from "../methods/syncxml/params.js";
import { SyncXMLModel } from "../methods/syncxml/index.js";
import { XRLinearModel } from "../methods/xrlinear.js";
import { TREE_SCHEMA } from "../tree/build.js";
import { stderrProgress } from "./progress-bar.js";
import { addSchemaOptions, collectSchemaOptions } from "./schema-options.js";

/** Flag names that would otherwise clash across sections. */
export const SOLVER_FLAGS = { threshold: "prune-threshold", loss: "loss" };
export const PREDICT_FLAGS = { topK: "k, top-k" };

/** Params sections settable by flags: section name, schema, flag renames. */
const SECTIONS = [
  ["tree", TREE_SCHEMA, {}],
  ["solver", SOLVER_SCHEMA, SOLVER_FLAGS],
  ["train", XRLINEAR_TRAIN_SCHEMA, {}],
  ["predict", XRLINEAR_PREDICT_SCHEMA, PREDICT_FLAGS],
  ["ensemble", ENSEMBLE_SCHEMA, {}],
  ["disentangle", DISENTANGLE_SCHEMA, {}],
  ["calibration", CALIBRATION_SCHEMA, { method: "calibration", refit: "calibration-refit", minSupport: "threshold-min-support" }],
] as const;

export function parseThreads(v: unknown): number {
  if (v === undefined) return availableParallelism();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new XmcError(`--threads: expected a positive integer, got "${String(v)}"`);
  return n;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command("train")
    .description("train a model on DATA (an XC .txt file, an .arff file, or a text PREFIX)")
    .argument("<DATA>", "training data")
    .requiredOption("-m, --model <DIR>", "model directory to write")
    .option("--method <name>", "xr-linear (default), syncxml, inceptionxml or prime (neural, text data only; prime needs label texts)", "xr-linear")
    .option("--resume", "syncxml/inceptionxml/prime: continue from the checkpoint of an interrupted run")
    .option("--params <FILE>", `JSON file with the method's params sections (xr-linear: {tree, solver, train, predict, ensemble, disentangle, calibration, text}), or the name of a bundled preset (${presetNames().join(", ")}); flags override it`)
    .option("--threads <n>", "worker threads (default: all cores)")
    .option("--kernel <kind>", "solver implementation: wasm (default) or js", "wasm")
    .option("-q, --quiet", "no progress output");
  for (const [, schema, rename] of SECTIONS) addSchemaOptions(cmd, schema, rename);
  cmd.action(async (data: string, o: Record<string, unknown>) => {
    const progress = stderrProgress(Boolean(o.quiet));
    const flags: Record<string, Record<string, unknown>> = {};
    for (const [section, schema, rename] of SECTIONS) flags[section] = collectSchemaOptions(o, schema, rename);
    const method = String(o.method);
    if (method === "syncxml" || method === "inceptionxml") {
      const given = Object.entries(flags).filter(([, v]) => Object.keys(v).length > 0);
      if (given.length > 0) throw new XmcError(`the ${given.map(([k]) => k).join(", ")} flags are XR-Linear options; give ${method} params with --params FILE`);
      const base = mergeParams(o.params as string | undefined, {});
      const model = (base.model ?? {}) as Record<string, unknown>;
      const params = { ...base, model: { ...model, architecture: method } };
      const t0 = performance.now();
      progress.log(`reading ${data}`);
      const ds = await loadDataset(data);
      const m = await SyncXMLModel.train(ds, parseSyncXMLParams(params), { progress, threads: parseThreads(o.threads), modelDir: o.model as string, resume: Boolean(o.resume) });
      m.save(o.model as string);
      progress.log(`trained ${m.nLabels} labels in ${((performance.now() - t0) / 1000).toFixed(2)} s; model written to ${String(o.model)}`);
      return;
    }
    if (method === "prime") {
      const given = Object.entries(flags).filter(([, v]) => Object.keys(v).length > 0);
      if (given.length > 0) throw new XmcError(`the ${given.map(([k]) => k).join(", ")} flags are XR-Linear options; give prime params with --params FILE`);
      const params = mergeParams(o.params as string | undefined, {});
      const t0 = performance.now();
      progress.log(`reading ${data}`);
      const ds = await loadDataset(data);
      const m = await PrimeModel.train(ds, parsePrimeParams(params), { progress, modelDir: o.model as string, resume: Boolean(o.resume) });
      m.save(o.model as string);
      progress.log(`trained ${m.nLabels} labels in ${((performance.now() - t0) / 1000).toFixed(2)} s; model written to ${String(o.model)}`);
      return;
    }
    if (method !== "xr-linear") throw new XmcError(`--method: expected xr-linear, syncxml, inceptionxml or prime, got "${method}"`);
    if (o.resume) throw new XmcError("--resume applies to syncxml/inceptionxml/prime training only");
    const params = mergeParams(o.params as string | undefined, flags);
    const kernel = o.kernel === "js" ? "js" : o.kernel === "wasm" ? "wasm" : null;
    if (!kernel) throw new XmcError(`--kernel: expected wasm or js, got "${String(o.kernel)}"`);
    const t0 = performance.now();
    progress.log(`reading ${data}`);
    const ds = await loadDataset(data);
    const model = await XRLinearModel.train(ds, parseXRLinearParams(params), { threads: parseThreads(o.threads), progress, solverKind: kernel });
    model.save(o.model as string);
    progress.log(`trained ${model.nLabels} labels in ${((performance.now() - t0) / 1000).toFixed(2)} s; model written to ${String(o.model)}`);
  });
}

/** The presets shipped with the package (presets/*.json beside dist/). */
const PRESETS_DIR = new URL("../../../presets/", import.meta.url).pathname;

export function presetNames(): string[] {
  return existsSync(PRESETS_DIR) ? readdirSync(PRESETS_DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort() : [];
}

/** A --params argument: an existing file, else a bundled preset's name (with or without .json). */
export function resolveParamsFile(arg: string): string {
  if (existsSync(arg)) return arg;
  const name = arg.endsWith(".json") ? arg.slice(0, -5) : arg;
  if (!name.includes("/") && presetNames().includes(name)) return `${PRESETS_DIR}${name}.json`;
  throw new XmcError(`${arg}: no such file or bundled preset (--params; presets: ${presetNames().join(", ")})`);
}

/** Params file or preset (if any) overlaid with the flags given on the command line. */
export function mergeParams(arg: string | undefined, flags: Record<string, Record<string, unknown>>): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (arg) {
    const file = resolveParamsFile(arg);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new XmcError(`${file}: cannot be read (--params)`);
    }
    try {
      base = JSON.parse(text);
    } catch (e) {
      throw new XmcError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof base !== "object" || base === null || Array.isArray(base)) throw new XmcError(`${file}: expected a JSON object of params sections`);
  }
  const out: Record<string, unknown> = { ...base };
  for (const [section, values] of Object.entries(flags)) {
    if (Object.keys(values).length > 0) out[section] = { ...((base[section] as object) ?? {}), ...values };
  }
  return out;
}

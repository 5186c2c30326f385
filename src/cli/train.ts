import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { METHODS, methodByName } from "../api/methods.js";
import { checkRedis } from "../api/worker.js";
import { XmcError } from "../core/errors.js";
import { loadDataset } from "../data/load.js";
import { checkModelTarget, freeBytesAt, saveModelOrKeep } from "../model/file.js";
import { parseThreads, warn } from "./flags.js";
import { addSectionOptions, collectSections, flagSections, trainMethodFromArgv } from "./method-options.js";
import { stderrProgress } from "./progress-bar.js";

/** Long names of the options of `xmc train` itself (a params field of the same name gets its section's prefix). */
const TRAIN_OPTIONS = ["model", "method", "resume", "params", "threads", "kernel", "distributed", "queue", "quiet", "help"];

/**
 * `xmc train`: the flags of the method named by `--method` in `argv` (the default method
 * without it) are registered, so `xmc train --method NAME --help` lists that method's flags.
 */
export function registerTrain(program: Command, argv: readonly string[] = process.argv): void {
  const chosen = trainMethodFromArgv(argv);
  const sections = flagSections(chosen.sections, TRAIN_OPTIONS);
  const cmd = program
    .command("train")
    .description("train a model on DATA (an XC .txt file, an .arff file, or a text PREFIX)")
    .argument("<DATA>", "training data")
    .requiredOption("-m, --model <FILE>", "model file to write (exactly this path)")
    .option("--method <name>", `${METHODS.map((m) => `${m.name}: ${m.description}`).join("; ")}. With --help: the flags of that method`, METHODS[0].name)
    .option("--params <FILE>", `JSON file with the method's params sections (${chosen.name}: {${chosen.paramsKeys.join(", ")}}), or the name of a bundled preset (${presetNames().join(", ")}); flags override it`)
    .option("--threads <n>", "worker threads (default: all cores)");
  if (chosen.resumable) cmd.option("--resume", "continue from the checkpoint of an interrupted run");
  if (chosen.kernels) cmd.option("--kernel <kind>", `solver implementation: ${chosen.kernels.join(" or ")}`, chosen.kernels[0]);
  if (chosen.runJob) {
    cmd.option("--distributed <URL>", "train across machines: sub-models are jobs on the Redis server at redis://HOST:PORT, done by `xmc worker URL` processes; the work directory is MODEL.parts (see docs/distributed.md)");
    cmd.option("--queue <NAME>", "with --distributed: the queue name", "xmc-train");
  }
  cmd.option("-q, --quiet", "no progress output");
  addSectionOptions(cmd, sections, chosen.name);
  cmd.action(async (data: string, o: Record<string, unknown>) => {
    const method = methodByName(String(o.method));
    if (method !== chosen) throw new XmcError(`--method ${String(o.method)}: give it once, as "--method NAME" or "--method=NAME"`);
    if (method.kernels && !method.kernels.includes(String(o.kernel))) throw new XmcError(`--kernel: expected ${method.kernels.join(" or ")}, got "${String(o.kernel)}"`);
    checkModelTarget(o.model as string);
    warnIfLittleSpace(o.model as string, data);
    const threads = parseThreads(o.threads);
    const progress = stderrProgress(Boolean(o.quiet));
    const params = mergeParams(o.params as string | undefined, collectSections(o, sections));
    // a bad setting is reported before the data is read
    method.checkParams(params);
    const t0 = performance.now();
    // a wrong Redis address is reported before the data is read
    if (o.distributed !== undefined) await checkRedis(String(o.distributed), "--distributed");
    progress.log(`reading ${data}`);
    const ds = await loadDataset(data);
    const model = await method.train(ds, params, {
      threads,
      progress,
      modelDir: o.model as string,
      resume: Boolean(o.resume),
      kernel: o.kernel as string | undefined,
      distributed: o.distributed === undefined ? undefined : { url: String(o.distributed), queue: String(o.queue) },
    });
    saveModelOrKeep(o.model as string, (path) => model.save(path));
    progress.log(`trained ${model.nLabels} labels in ${((performance.now() - t0) / 1000).toFixed(2)} s; model written to ${String(o.model)}`);
  });
}

/**
 * Warn before training when the model's file system has less free space than the training data
 * takes: at scale a linear model is larger than its data (184 MB per label tree from 130 MB of
 * data at 100K labels), so the save would fail after the training time was spent.
 */
function warnIfLittleSpace(model: string, data: string): void {
  let dataBytes = 0;
  for (const f of [data, `${data}.txt`, `${data}_texts.txt`, `${data}.arff`]) {
    try {
      const st = statSync(f);
      if (st.isFile()) dataBytes += st.size;
    } catch {
      // not this form of the data path
    }
  }
  let dir = dirname(resolve(model));
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const free = freeBytesAt(dir);
  if (free !== null && free < dataBytes) {
    warn(`${model}: the file system of ${dir} has ${(free / 1e6).toFixed(0)} MB free, less than the training data's ${(dataBytes / 1e6).toFixed(0)} MB; the model may not fit (if the save fails, it is kept elsewhere and the error says where)`);
  }
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

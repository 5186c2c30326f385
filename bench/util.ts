/** Small helpers shared by the benchmark scripts: flags, directory sizes, result history files. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Remove `--name VALUE` from `args` and return VALUE (or `def` when absent). */
export function takeFlag(args: string[], name: string, def: string): string {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

/** Remove a bare `--name` switch from `args`; whether it was there. */
export function takeSwitch(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

/** Write `{ latest, runs: [...earlier runs, ...added] }` to `outPath`, keeping the file's earlier runs. */
export function appendRuns(outPath: string, latest: unknown, added: unknown[]): void {
  let history: unknown[] = [];
  if (existsSync(outPath)) {
    try {
      const old = JSON.parse(readFileSync(outPath, "utf8")) as { runs?: unknown[] };
      history = Array.isArray(old.runs) ? old.runs : [];
    } catch {
      history = [];
    }
  }
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify({ latest, runs: [...history, ...added] }, null, 1)}\n`);
}

/** A JSON value given on the command line inline or as the path of a file holding it. */
export function jsonArg(arg: string): unknown {
  return JSON.parse(existsSync(arg) ? readFileSync(arg, "utf8") : arg);
}

/**
 * SyncXML bench params: the CPU configuration of `presets/syncxml-cpu.json` (E = 128, 16 tokens,
 * hidden 224, clusters of 16 labels, 16 shortlisted, light dropout, 8 epochs with 1 detached,
 * one-cycle to lr 0.02 where the reference's 5e-3 is tuned for 45 GPU epochs, gradients clipped
 * to norm 0.5: without it training broke down at the one-cycle peak, see
 * bench/results/syncxml-trials.md), with `arg` (a JSON
 * string or a file holding one) applied over it section by section (`{"train":{"epochs":4}}`
 * changes only that field).
 */
export function syncxmlBenchParams(arg: string | undefined): Record<string, Record<string, unknown>> {
  const params = JSON.parse(readFileSync(new URL("../../presets/syncxml-cpu.json", import.meta.url), "utf8")) as Record<string, Record<string, unknown>>;
  if (arg === undefined) return params;
  const over = jsonArg(arg) as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries(over)) params[section] = { ...(params[section] ?? {}), ...fields };
  return params;
}

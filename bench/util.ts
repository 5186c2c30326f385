/** Small helpers shared by the benchmark scripts: flags, directory sizes, result history files. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

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

/** Total size in bytes of the files directly in `dir`. */
export function dirSize(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
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

/** A temp folder and the built CLI for the tests that run `xmc` as a user would. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

/** The compiled CLI entry (dist/src/cli/main.js). */
export const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** A fresh folder (removed after the file's tests), a runner of `xmc ARGS` in it, and a file writer. */
export function cliSandbox(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `xmc-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** Run `xmc ...args` in the folder, with `input` on stdin (empty by default). */
  const run = (args: string[], input = ""): CliRun => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: dir, input });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  return { dir, run, xmc: (...args: string[]) => run(args), file };
}

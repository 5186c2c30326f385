/**
 * Runs every case of the bad-input corpus (corpus.ts) through the real CLI, two at a time, and
 * checks the exact outcome: exit status; on failure stderr is one `xmc: error: …` line with the
 * expected message and no stack trace, and the case's output directory is unchanged (the
 * existing target intact, no temp file left); on success stdout is as expected and only the
 * expected files appear. Cases marked pending run as `todo`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildCorpus, type Case, CLI } from "./corpus.js";

const root = mkdtempSync(join(tmpdir(), "xmc-corpus-"));
const corpus = buildCorpus(root);
after(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(args: string[], shell?: string, stdin?: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = shell
      ? spawn("bash", ["-c", shell], { env: { ...process.env, XMC_NODE: process.execPath, XMC: CLI } })
      : spawn(process.execPath, [CLI, ...args]);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(stdin ?? "");
  });
}

/** Name -> contents of the files directly in `dir` (directories as "<dir>"). */
function snapshot(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    m.set(f, statSync(p).isDirectory() ? "<dir>" : readFileSync(p).toString("base64"));
  }
  return m;
}

/** Outputs of the reference commands of `sameStdoutAs`, each run once. */
const references = new Map<string, Promise<Run>>();

async function check(c: Case): Promise<void> {
  const out = join(root, "out", c.name);
  const args = c.args.map((a) => a.replace("{out}", out));
  const before = snapshot(out);
  const r = await run(args, c.shell?.replace("{out}", out), c.stdin, c.timeoutMs);
  const show = `exit ${r.code}\nstderr: ${r.err.slice(0, 2000)}\nstdout: ${r.out.slice(0, 500)}`;
  assert.doesNotMatch(r.err, /\n\s+at /, `stack trace on stderr\n${show}`);
  assert.doesNotMatch(r.err, /internal error/, show);
  assert.equal(r.code, c.code, show);
  const after = snapshot(out);
  if (c.code !== 0) {
    // one error line; a usage error adds one line pointing at the verb's help
    const lines = r.err.split("\n").filter((l) => l !== "" && !/^see 'xmc( [a-z]+)? --help'$/.test(l));
    assert.equal(lines.length, 1, `expected one stderr line\n${show}`);
    assert.match(lines[0], /^xmc: error: /, show);
    if (c.error) assert.match(lines[0].slice("xmc: error: ".length), c.error, show);
    assert.deepEqual([...after.keys()], [...before.keys()], "files appeared or vanished in the output directory");
    for (const [f, v] of before) assert.equal(after.get(f), v, `${f} changed although the command failed`);
  } else {
    if (c.warning) assert.match(r.err, new RegExp(c.warning.source, "m"), show);
    else assert.equal(r.err, "", show);
    if (c.stdout) assert.match(r.out, c.stdout, show);
    if (c.sameStdoutAs) {
      const key = JSON.stringify(c.sameStdoutAs);
      if (!references.has(key)) references.set(key, run(c.sameStdoutAs));
      const ref = await (references.get(key) as Promise<Run>);
      assert.equal(ref.code, 0, ref.err);
      assert.equal(r.out, ref.out, "stdout differs from the reference command's");
    }
    for (const [f, re] of c.fileMatches ?? []) assert.match(readFileSync(join(out, f), "utf8"), re, f);
    const expected = new Set([...before.keys(), ...(c.creates ?? [])]);
    assert.deepEqual([...after.keys()].sort(), [...expected].sort(), "unexpected files in the output directory (a temp file left behind?)");
  }
}

describe("bad-input corpus", { concurrency: 2 }, () => {
  before(() => corpus.setup());
  it("has at least 100 cases that must pass", () => {
    assert.ok(corpus.cases.filter((c) => !c.pending).length >= 100, `${corpus.cases.length} cases`);
  });
  for (const c of corpus.cases) {
    it(`${c.group}: ${c.name} (${c.what})`, c.pending ? { todo: c.pending } : {}, () => check(c));
  }
});

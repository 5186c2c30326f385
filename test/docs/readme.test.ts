/**
 * Runs the examples of README.md, so that the README cannot drift from the code.
 *
 * Convention:
 * - Fenced blocks tagged `sh` (or `bash`) are shell examples and are run; blocks tagged `ts`
 *   (or `typescript`) are TypeScript examples, type-checked and run. Blocks with any other tag
 *   (`console`, `text`, `json`, none) are shown, not run. A `ts` block whose fence line adds
 *   `typecheck-only` (```` ```ts typecheck-only ````) is type-checked but not run: code for
 *   other hosts, such as the browser example.
 * - All runnable blocks run in document order in one fresh temporary folder, so a later block
 *   may use files an earlier one wrote. That folder holds `data` and `presets` (links to the
 *   repository's folders, so `data/bibtex/...` resolves as from the repository root),
 *   `node_modules/xmc` (a link to the repository, so `import ... from "xmc"` goes through the
 *   package's `exports` to the built `dist/src/index.js`), and `bin/xmc`, a shim for
 *   `node <repo>/dist/src/cli/main.js` put first on PATH.
 * - Shell blocks run with `bash -euo pipefail`. Lines that start with `npm ci`, `npm install`,
 *   `npm test` or `npm link` are skipped (the test itself runs under `npm test`, after the
 *   build); a line `npm run SCRIPT` runs in the repository root. The port 8080 is replaced by a
 *   free port. A block may start a server in the background (`xmc serve ... &`) and must stop it
 *   itself; anything of its process group still running when the block ends is killed.
 * - TypeScript blocks are type-checked together with the project's compiler options (strict),
 *   then each is transpiled with `typescript`'s `transpileModule` to an ES module and run with
 *   node (top-level await allowed).
 * Every block must finish within BLOCK_TIMEOUT_MS; the examples use the bundled data and fast
 * settings so the whole test stays within about 30 s on 2 cores.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BLOCK_TIMEOUT_MS = 120_000;

export interface Block {
  lang: "sh" | "ts";
  code: string;
  /** False for a `ts typecheck-only` block: type-checked, not run. */
  run: boolean;
  /** 1-based line of the opening fence in the markdown file. */
  line: number;
}

/** The runnable fenced blocks of a markdown text, in order. */
export function runnableBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(?:[ \t]+(\S+))?\s*$/.exec(lines[i]);
    if (!open) continue;
    const tag = open[1].toLowerCase();
    const typecheckOnly = open[2] === "typecheck-only";
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const lang = tag === "sh" || tag === "bash" ? "sh" : tag === "ts" || tag === "typescript" ? "ts" : null;
    if (lang) out.push({ lang, code: body.join("\n"), line: start + 1, run: !(lang === "ts" && typecheckOnly) });
  }
  return out;
}

/** A shell block as it is run: skipped npm lines, `npm run` in the repository, the free port. */
export function prepareShell(code: string, port: number): string {
  return code
    .split("\n")
    .map((l) => {
      if (/^\s*npm\s+(ci|install|i|test|link)\b/.test(l)) return `# skipped by the README test: ${l}`;
      // the closing parenthesis on its own line, after any trailing comment of the example
      if (/^\s*npm\s+run\s/.test(l)) return `(cd ${JSON.stringify(REPO)} && ${l.trim()}\n)`;
      return l;
    })
    .join("\n")
    .replace(/\b8080\b/g, String(port));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Run a command in its own process group; resolve with its status and output; kill the group afterwards. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is gone
      }
    };
    const timer = setTimeout(() => {
      out += `\n[README test: timed out after ${BLOCK_TIMEOUT_MS} ms]`;
      killGroup();
    }, BLOCK_TIMEOUT_MS);
    child.once("error", reject);
    child.once("exit", (status) => {
      clearTimeout(timer);
      killGroup();
      // let buffered output arrive
      setImmediate(() => resolve({ status, out }));
    });
  });
}

const readme = readFileSync(join(REPO, "README.md"), "utf8");
const blocks = runnableBlocks(readme);
let dir = "";
let env: NodeJS.ProcessEnv = {};
let port = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xmc-readme-"));
  symlinkSync(join(REPO, "data"), join(dir, "data"));
  symlinkSync(join(REPO, "presets"), join(dir, "presets"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(REPO, join(dir, "node_modules", "xmc"));
  mkdirSync(join(dir, "bin"));
  const shim = join(dir, "bin", "xmc");
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO, "dist/src/cli/main.js"))} "$@"\n`);
  chmodSync(shim, 0o755);
  env = { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}` };
  port = await freePort();
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("README has shell and TypeScript examples", () => {
  assert.ok(blocks.some((b) => b.lang === "sh"), "no ```sh block found");
  assert.ok(blocks.some((b) => b.lang === "ts"), "no ```ts block found");
});

test("README is at most 300 lines", () => {
  assert.ok(readme.split("\n").length <= 301, `README.md has ${readme.split("\n").length} lines`);
});

test("README TypeScript examples type-check", () => {
  const files = blocks
    .map((b, i) => ({ b, i }))
    .filter(({ b }) => b.lang === "ts")
    .map(({ b, i }) => {
      const f = join(dir, `example-${i}.mts`);
      writeFileSync(f, b.code);
      return { f, line: b.line };
    });
  const config = ts.readConfigFile(join(REPO, "tsconfig.json"), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    rootDir: undefined,
    outDir: undefined,
    typeRoots: [join(REPO, "node_modules", "@types")],
  };
  const program = ts.createProgram(files.map((x) => x.f), options);
  const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.some((x) => x.f === d.file?.fileName));
  const msg = diags.map((d) => {
    const src = files.find((x) => x.f === d.file?.fileName);
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `README.md:${(src?.line ?? 0) + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  assert.deepEqual(msg, []);
});

test("README examples run", async (t) => {
  for (const [i, b] of blocks.entries()) {
    if (!b.run) continue;
    await t.test(`${b.lang} block at README.md:${b.line}`, async () => {
      let r: { status: number | null; out: string };
      if (b.lang === "sh") {
        const script = join(dir, `example-${i}.sh`);
        writeFileSync(script, prepareShell(b.code, port));
        r = await run("bash", ["-euo", "pipefail", script], dir, env);
      } else {
        const js = ts.transpileModule(b.code, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
        const script = join(dir, `example-${i}.mjs`);
        writeFileSync(script, js);
        r = await run(process.execPath, [script], dir, env);
      }
      assert.equal(r.status, 0, `README.md:${b.line} (${b.lang}) failed with status ${r.status}:\n${r.out}`);
    });
  }
});

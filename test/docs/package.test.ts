/**
 * What the npm package contains (`npm pack --dry-run`), and that the documentation refers only
 * to files that exist in the repository (or to URLs).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

test("npm pack ships the library, CLI, browser bundle, wasm, presets, demo data, README and LICENSE, and no tests or bench code", () => {
  // --ignore-scripts: no `prepare` build while the test suite runs on the built tree
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  const forbidden = files.filter((p) => /^(test|bench|\.ci|src|wasm|scripts)\/|^dist\/(test|bench)\//.test(p) || /\.test\.(js|ts)$/.test(p));
  assert.deepEqual(forbidden, [], "files that must not be packed");
  const required = ["LICENSE", "README.md", "package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/main.js", "data/bibtex/bibtex-train.arff", "data/bibtex/bibtex-test.arff", "data/bibtex/bibtex.xml", "dist/browser/xmc.js", "dist/src/browser.d.ts"];
  for (const r of required) assert.ok(files.includes(r), `${r} is not packed`);
  const wasm = readdirSync(join(REPO, "dist/wasm")).filter((f) => f.endsWith(".wasm"));
  assert.ok(wasm.length > 0, "no built wasm files");
  for (const w of wasm) assert.ok(files.includes(`dist/wasm/${w}`), `dist/wasm/${w} is not packed`);
  for (const p of readdirSync(join(REPO, "presets"))) assert.ok(files.includes(`presets/${p}`), `presets/${p} is not packed`);
});

function markdownFiles(): string[] {
  const out = [join(REPO, "README.md")];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".md")) out.push(p);
    }
  };
  if (existsSync(join(REPO, "docs"))) walk(join(REPO, "docs"));
  return out;
}

test("README and docs link only to files of the repository or to URLs", () => {
  const bad: string[] = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(file, "utf8");
    const name = relative(REPO, file);
    if (/\.\.\/shared\b|\bspecs?\/|spec §/.test(text)) bad.push(`${name}: refers to a file outside the repository (../shared, specs)`);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
      const path = join(dirname(file), decodeURIComponent(target.split("#")[0]));
      if (!existsSync(path)) bad.push(`${name}: link to ${target} (no such file)`);
    }
  }
  assert.deepEqual(bad, []);
});

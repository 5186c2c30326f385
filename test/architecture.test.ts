/**
 * Layering of src/: imports point down the floors below, never in a cycle, never from one
 * method's folder into another's; browser-safe files reach no `node:` module; the CLI and the
 * server name no method (they take everything from the registry).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { METHODS } from "../src/api/methods.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");

/**
 * Floors of src/ (by top-level folder; files directly in src/ are the package entry, on top).
 * An import may go to the same floor or lower. The stages share one floor: among them only
 * cycles are forbidden.
 */
const FLOORS: Record<string, number> = {
  core: 0,
  data: 1,
  model: 1,
  text: 1,
  tree: 1,
  linear: 1,
  search: 1,
  retrieval: 1,
  nn: 1,
  eval: 1,
  calibration: 1,
  worker: 1,
  distributed: 1,
  methods: 2,
  api: 3,
  serve: 4,
  cli: 5,
  "": 6,
};

/** Files that must stay usable in a browser: no `node:` import, directly or through their imports. */
const BROWSER_SAFE = new Set([
  "src/core/csr.ts",
  "src/core/errors.ts",
  "src/core/params.ts",
  "src/core/rng.ts",
  "src/search/beam.ts",
  "src/search/combine.ts",
  "src/search/postprocess.ts",
  "src/text/tokenizer.ts",
  "src/text/tfidf.ts",
  "src/text/stack.ts",
  "src/text/vocab.ts",
  "src/eval/metrics.ts",
  "src/methods/method.ts",
  "src/methods/model.ts",
]);

/** Folders that may not contain a registered method's name. */
const METHOD_AGNOSTIC = ["src/cli", "src/serve"];

function walk(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

interface FileImports {
  /** Repository-relative paths (src/...ts) of the relative imports. */
  local: string[];
  /** Bare `node:` modules imported. */
  node: string[];
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function parseImports(file: string): FileImports {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const local: string[] = [];
  const node: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith(".")) local.push(relative(ROOT, resolve(dirname(file), spec.replace(/\.js$/, ".ts"))));
    else if (spec.startsWith("node:")) node.push(spec);
  }
  return { local, node };
}

const GRAPH = new Map<string, FileImports>();
for (const f of walk(SRC)) GRAPH.set(relative(ROOT, f), parseImports(f));

/** "src/linear/dcd.ts" → "linear"; "src/index.ts" → "". */
function topFolder(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? parts[1] : "";
}

/** The method folder a file is in ("src/methods/prime/x.ts" → "prime"), "" for src/methods/*.ts, null outside. */
function methodFolder(file: string): string | null {
  const parts = file.split("/");
  if (parts[1] !== "methods") return null;
  return parts.length > 3 ? parts[2] : "";
}

/** Strongly connected components with more than one node (or a self-loop), by Tarjan. */
function cycles(nodes: string[], edges: (n: string) => string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || edges(v).includes(v)) out.push(comp.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return out;
}

test("every relative import resolves to a file under src/", () => {
  const missing: string[] = [];
  for (const [f, { local }] of GRAPH) for (const t of local) if (!GRAPH.has(t)) missing.push(`${f} → ${t}`);
  assert.deepEqual(missing, []);
});

test("every folder of src/ has a floor", () => {
  const unknown = [...new Set([...GRAPH.keys()].map(topFolder))].filter((d) => !(d in FLOORS));
  assert.deepEqual(unknown, [], "add the folder to FLOORS in test/architecture.test.ts");
});

test("no import cycle between files", () => {
  const found = cycles([...GRAPH.keys()], (n) => GRAPH.get(n)?.local ?? []);
  assert.deepEqual(found, [], `import cycles: ${found.map((c) => c.join(" ↔ ")).join("; ")}`);
});

test("no import cycle between folders (a method's folder counts as its own)", () => {
  const unit = (f: string): string => {
    const m = methodFolder(f);
    return m ? `methods/${m}` : topFolder(f);
  };
  const edges = new Map<string, Set<string>>();
  for (const [f, { local }] of GRAPH) {
    const u = unit(f);
    if (!edges.has(u)) edges.set(u, new Set());
    for (const t of local) if (unit(t) !== u) edges.get(u)!.add(unit(t));
  }
  const found = cycles([...edges.keys()], (n) => [...(edges.get(n) ?? [])]);
  const explain = found.map((c) => {
    const inC = new Set(c);
    const links: string[] = [];
    for (const [f, { local }] of GRAPH) for (const t of local) if (inC.has(unit(f)) && inC.has(unit(t)) && unit(f) !== unit(t)) links.push(`${f} → ${t}`);
    return `${c.join(" ↔ ")} (${links.join(", ")})`;
  });
  assert.deepEqual(explain, []);
});

test("no import from one method's folder into another's, nor from the shared method files into a method", () => {
  const bad: string[] = [];
  for (const [f, { local }] of GRAPH) {
    const a = methodFolder(f);
    if (a === null) continue;
    for (const t of local) {
      const b = methodFolder(t);
      if (b !== null && b !== "" && b !== a) bad.push(`${f} → ${t}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("imports go down the floors", () => {
  const bad: string[] = [];
  for (const [f, { local }] of GRAPH) {
    for (const t of local) {
      if (FLOORS[topFolder(t)] > FLOORS[topFolder(f)]) bad.push(`${f} (${topFolder(f) || "src"}) → ${t} (${topFolder(t) || "src"})`);
    }
  }
  assert.deepEqual(bad, []);
});

test("browser-safe files reach no node: module", () => {
  const bad: string[] = [];
  for (const start of BROWSER_SAFE) {
    assert.ok(GRAPH.has(start), `${start} is listed as browser-safe but does not exist`);
    const seen = new Set<string>([start]);
    const todo = [start];
    while (todo.length > 0) {
      const f = todo.pop()!;
      const imp = GRAPH.get(f)!;
      for (const n of imp.node) bad.push(`${start}: ${f} imports ${n}`);
      for (const t of imp.local) if (!seen.has(t) && GRAPH.has(t)) {
        seen.add(t);
        todo.push(t);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test("the CLI and the server name no registered method", () => {
  const names = METHODS.flatMap((m) => [m.name, ...(m.aliases ?? [])]);
  assert.ok(names.length >= 4);
  const bad: string[] = [];
  for (const dir of METHOD_AGNOSTIC) {
    for (const f of walk(join(ROOT, dir))) {
      const text = readFileSync(f, "utf8");
      for (const name of names) {
        const re = new RegExp(`(^|[^a-z0-9-])${name.replace(/[-]/g, "\\-")}($|[^a-z0-9-])`, "i");
        const line = text.split("\n").findIndex((l) => re.test(l));
        if (line >= 0) bad.push(`${relative(ROOT, f)}:${line + 1}: "${name}"`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

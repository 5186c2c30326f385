/**
 * Timing probe for the linear solvers: one-vs-rest problems over all rows of an XC-format file
 * (default: the debian-debtags train split), trained with the plain-TS and the wasm solver.
 *
 *   node dist/bench/dcd-probe.js [file] [nLabels=200] [loss=squared-hinge]
 *
 * Prints seconds per problem for each solver, the speedup, and whether the weights agree.
 */
import { readFileSync } from "node:fs";
import { normalizeRowsL2, type Csr } from "../src/core/csr.js";
import { createJsSolver } from "../src/linear/dcd.js";
import { parseSolverParams } from "../src/linear/params.js";
import type { GroupSolver, WeightBlock } from "../src/linear/types.js";
import { createWasmSolver } from "../src/linear/wasm.js";

/** Minimal XC reader ("N d L" header, then "l1,l2 f:v f:v" lines), enough for the probe. */
function readXc(path: string): { X: Csr; labels: number[][]; nLabels: number } {
  const lines = readFileSync(path, "utf8").split("\n");
  const [n, d, L] = lines[0].trim().split(/\s+/).map(Number);
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const labels: number[][] = [];
  for (let i = 0; i < n; i++) {
    const line = lines[i + 1] ?? "";
    const toks = line.split(" ");
    let t = 0;
    const lab: number[] = [];
    if (toks[0] !== "" && !toks[0].includes(":")) {
      for (const s of toks[0].split(",")) lab.push(Number(s));
      t = 1;
    }
    labels.push(lab);
    for (; t < toks.length; t++) {
      if (toks[t] === "") continue;
      const c = toks[t].indexOf(":");
      idx.push(Number(toks[t].slice(0, c)));
      val.push(Number(toks[t].slice(c + 1)));
    }
    indptr[i + 1] = idx.length;
  }
  const X: Csr = { rows: n, cols: d, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  return { X: normalizeRowsL2(X), labels, nLabels: L };
}

function run(name: string, s: GroupSolver, rows: Int32Array, positives: Int32Array[], loss: string): { t: number; W: WeightBlock } {
  const p = parseSolverParams({ loss });
  s.trainGroup(rows, positives.slice(0, 2), p, 0); // warm-up
  const t0 = performance.now();
  const W = s.trainGroup(rows, positives, p, 0);
  const t = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(5)} ${t.toFixed(2)} s total, ${((1000 * t) / positives.length).toFixed(2)} ms/problem, ${W.rows.length} weights kept`);
  return { t, W };
}

const file = process.argv[2] ?? "/work/shared/data/debian-debtags/xc/train.txt";
const nProblems = Number(process.argv[3] ?? 200);
const loss = process.argv[4] ?? "squared-hinge";
const { X, labels, nLabels } = readXc(file);
console.log(`${file}: ${X.rows} rows, ${X.cols} features, ${X.indptr[X.rows]} nnz, ${nLabels} labels; ${nProblems} problems, ${loss}`);
const rows = Int32Array.from({ length: X.rows }, (_, i) => i);
const pos: number[][] = Array.from({ length: Math.min(nProblems, nLabels) }, () => []);
labels.forEach((ls, i) => ls.forEach((l) => l < pos.length && pos[l].push(i)));
const positives = pos.map((p) => Int32Array.from(p));

const js = run("js", createJsSolver(X), rows, positives, loss);
const wa = run("wasm", createWasmSolver(X), rows, positives, loss);
let maxDiff = 0;
const same = js.W.rows.length === wa.W.rows.length && js.W.rows.every((r, q) => r === wa.W.rows[q]);
if (same) for (let q = 0; q < js.W.values.length; q++) maxDiff = Math.max(maxDiff, Math.abs(js.W.values[q] - wa.W.values[q]));
console.log(`speedup wasm/js: ${(js.t / wa.t).toFixed(2)}x; same sparsity: ${same}; max |dw| = ${same ? maxDiff : "n/a"}`);

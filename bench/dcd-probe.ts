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

/** Concatenate CSC blocks column-wise. */
function concat(blocks: WeightBlock[]): WeightBlock {
  const nCols = blocks.reduce((a, b) => a + b.colptr.length - 1, 0);
  const nnz = blocks.reduce((a, b) => a + b.rows.length, 0);
  const colptr = new Int32Array(nCols + 1);
  const rows = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let c = 0;
  let q = 0;
  for (const b of blocks) {
    for (let j = 1; j < b.colptr.length; j++) colptr[++c] = q + b.colptr[j];
    rows.set(b.rows, q);
    values.set(b.values, q);
    q += b.rows.length;
  }
  return { colptr, rows, values };
}

/** Time one solver on a chunk of problems (one trainGroup call); returns seconds. */
function timed(s: GroupSolver, rows: Int32Array, positives: Int32Array[], loss: string, seed: number, out: WeightBlock[]): number {
  const t0 = performance.now();
  out.push(s.trainGroup(rows, positives, parseSolverParams({ loss }), seed));
  return (performance.now() - t0) / 1000;
}

const file = process.argv[2] || "/work/shared/data/debian-debtags/xc/train.txt";
const nProblems = Number(process.argv[3] ?? 200);
const loss = process.argv[4] ?? "squared-hinge";
const { X, labels, nLabels } = readXc(file);
console.log(`${file}: ${X.rows} rows, ${X.cols} features, ${X.indptr[X.rows]} nnz, ${nLabels} labels; ${nProblems} problems, ${loss}`);
const rows = Int32Array.from({ length: X.rows }, (_, i) => i);
const pos: number[][] = Array.from({ length: Math.min(nProblems, nLabels) }, () => []);
labels.forEach((ls, i) => ls.forEach((l) => l < pos.length && pos[l].push(i)));
const positives = pos.map((p) => Int32Array.from(p));

// Alternate the two solvers chunk by chunk so that load from other processes hits both alike.
const solvers = { js: createJsSolver(X), wasm: createWasmSolver(X) };
const warm = positives.slice(0, 2);
timed(solvers.js, rows, warm, loss, 0, []);
timed(solvers.wasm, rows, warm, loss, 0, []);
const chunk = 10;
const time = { js: 0, wasm: 0 };
const blocks: { js: WeightBlock[]; wasm: WeightBlock[] } = { js: [], wasm: [] };
for (let c0 = 0; c0 < positives.length; c0 += chunk) {
  const part = positives.slice(c0, c0 + chunk);
  time.js += timed(solvers.js, rows, part, loss, c0, blocks.js);
  time.wasm += timed(solvers.wasm, rows, part, loss, c0, blocks.wasm);
}
const W = { js: concat(blocks.js), wasm: concat(blocks.wasm) };
for (const name of ["js", "wasm"] as const) {
  const t = time[name];
  console.log(`${name.padEnd(5)} ${t.toFixed(2)} s total, ${((1000 * t) / positives.length).toFixed(2)} ms/problem, ${W[name].rows.length} weights kept`);
}
let maxDiff = 0;
const same = W.js.rows.length === W.wasm.rows.length && W.js.rows.every((r, q) => r === W.wasm.rows[q]);
if (same) for (let q = 0; q < W.js.values.length; q++) maxDiff = Math.max(maxDiff, Math.abs(W.js.values[q] - W.wasm.values[q]));
console.log(`speedup wasm/js: ${(time.js / time.wasm).toFixed(2)}x; same weights: ${same}; max |dw| = ${same ? maxDiff : "n/a"}`);

import { test } from "node:test";
import assert from "node:assert/strict";
import { selectRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { createJsSolver } from "../../src/linear/dcd.js";
import { parseSolverParams, SOLVER_SCHEMA } from "../../src/linear/params.js";
import { createSolver } from "../../src/linear/solver.js";
import { SOLVER_LANES, type WeightBlock } from "../../src/linear/types.js";
import { createWasmSolver } from "../../src/linear/wasm.js";
import { randomCsr, randomPositives } from "./util.js";

const X = randomCsr(21, 400, 300, 0, 30); // some empty rows
const rows = Int32Array.from({ length: 300 }, (_, k) => (k * 7 + 3) % 400);
// 21 children: a block of 16 lanes (the kernel's eight-lane path) and one of 5 (pairs, with a padding lane)
const positives = randomPositives(22, rows.length, 21, 0.1);

const settings = [
  {},
  { loss: "logistic" },
  { bias: 0, Cp: 3, Cn: 0.7, threshold: 0 },
  { loss: "logistic", bias: 2, Cp: 0.5, eps: 0.01, threshold: 0.01 },
  { maxIter: 2, eps: 0.001 },
];

function assertSameBlock(a: WeightBlock, b: WeightBlock, what: string): void {
  assert.deepEqual(a.colptr, b.colptr, `${what}: colptr`);
  assert.deepEqual(a.rows, b.rows, `${what}: rows`);
  // the kernel mirrors the TS solver operation by operation: bit-identical, not merely close
  assert.deepEqual(a.values, b.values, `${what}: values`);
}

test("wasm and JS give identical weights, with and without the compact group copy", () => {
  const js = createJsSolver(X);
  for (const localMaxEntries of [undefined, 0]) {
    const wa = createWasmSolver(X, { localMaxEntries });
    for (const s of settings) {
      const p = parseSolverParams(s);
      const A = js.trainGroup(rows, positives, p, 42);
      const B = wa.trainGroup(rows, positives, p, 42);
      assert.ok(A.rows.length > 0);
      assertSameBlock(A, B, `${JSON.stringify(s)}, localMaxEntries ${localMaxEntries}`);
    }
  }
});

test("wasm: groups copied and not copied, one after the other on one solver, match JS", () => {
  // the copied groups use the first entries of w by rank, the others by feature id: neither may
  // leave anything the next relies on
  const p = parseSolverParams({ threshold: 0 });
  const js = createJsSolver(X);
  const small = rows.subarray(0, 40);
  const smallPos = randomPositives(23, small.length, 3, 0.2);
  let nnz = 0;
  for (const r of small) nnz += X.indptr[r + 1] - X.indptr[r];
  const wa = createWasmSolver(X, { localMaxEntries: nnz }); // the small group is copied, the whole one not
  for (const [rs, ps] of [[small, smallPos], [rows, positives], [small, smallPos], [rows, positives]] as const) {
    assertSameBlock(js.trainGroup(rs, ps, p, 9), wa.trainGroup(rs, ps, p, 9), `group of ${rs.length}`);
  }
});

test("deterministic for a fixed seed; the seed changes the visiting order", () => {
  const p = parseSolverParams({ threshold: 0 });
  for (const make of [createJsSolver, createWasmSolver]) {
    const s = make(X);
    const a = s.trainGroup(rows, positives, p, 5);
    const b = make(X).trainGroup(rows, positives, p, 5);
    const c = s.trainGroup(rows, positives, p, 5);
    assertSameBlock(a, b, "fresh solver");
    assertSameBlock(a, c, "reused solver");
    const other = s.trainGroup(rows, positives, p, 6);
    assert.notDeepEqual(a.values, other.values);
    // the block of lanes starting at child c is seeded with seed + c: a job holding only the second
    // block reproduces its children, so jobs cut at multiples of SOLVER_LANES give the same weights
    const tail = s.trainGroup(rows, positives.slice(SOLVER_LANES), p, 5 + SOLVER_LANES);
    const colOf = (W: WeightBlock, c: number) => W.values.slice(W.colptr[c], W.colptr[c + 1]);
    for (let c = SOLVER_LANES; c < positives.length; c++) assert.deepEqual(colOf(tail, c - SOLVER_LANES), colOf(a, c));
    // logistic children are solved one by one, child c seeded with seed + c
    const lp = parseSolverParams({ loss: "logistic", threshold: 0 });
    const all = s.trainGroup(rows, positives, lp, 7);
    assert.deepEqual(colOf(s.trainGroup(rows, positives.slice(2), lp, 9), 0), colOf(all, 2));
  }
});

test("workspaces are reset between groups (and wasm memory grows safely)", () => {
  const p = parseSolverParams({ threshold: 0 });
  const small = rows.subarray(0, 20);
  const smallPos = randomPositives(1, small.length, 2, 0.3);
  const big = randomCsr(5, 30000, 2000, 5, 40);
  const bigRows = Int32Array.from({ length: 30000 }, (_, k) => 29999 - k);
  const bigPos = randomPositives(2, bigRows.length, 2, 0.05);
  for (const make of [createJsSolver, createWasmSolver]) {
    const s = make(X);
    s.trainGroup(small, smallPos, p, 1);
    const again = s.trainGroup(rows, positives, p, 1);
    assertSameBlock(again, make(X).trainGroup(rows, positives, p, 1), "after another group");
    const sb = make(big);
    sb.trainGroup(bigRows.subarray(0, 100), bigPos.map((q) => q.filter((k) => k < 100)), p, 0);
    const grown = sb.trainGroup(bigRows, bigPos, p, 0);
    assertSameBlock(grown, createJsSolver(big).trainGroup(bigRows, bigPos, p, 0), "big group");
  }
});

test("row ids are an indirection: same weights as training on the selected rows", () => {
  const p = parseSolverParams({ threshold: 0 });
  const Xs = selectRows(X, rows);
  const ident = Int32Array.from({ length: rows.length }, (_, k) => k);
  for (const make of [createJsSolver, createWasmSolver]) {
    assertSameBlock(make(X).trainGroup(rows, positives, p, 3), make(Xs).trainGroup(ident, positives, p, 3), "selectRows");
  }
});

test("createSolver picks wasm, falls back to JS on request; dispose", () => {
  const s = createSolver(X);
  const p = parseSolverParams({});
  const w = s.trainGroup(rows, positives, p, 0);
  assertSameBlock(w, createSolver(X, "js").trainGroup(rows, positives, p, 0), "createSolver");
  s.dispose?.();
  assert.throws(() => s.trainGroup(rows, positives, p, 0), /dispose/);
});

test("solver parameters: defaults, validation", () => {
  const p = parseSolverParams(undefined);
  assert.deepEqual(p, { loss: "squared-hinge", Cp: 1, Cn: 1, bias: 1, eps: 0.1, maxIter: 100, threshold: 0.1, costScaling: "none" });
  for (const f of Object.values(SOLVER_SCHEMA)) assert.ok(f.help.length > 10);
  assert.throws(() => parseSolverParams({ loss: "hinge" }), XmcError);
  assert.throws(() => parseSolverParams({ Cp: 0 }), XmcError);
  assert.throws(() => parseSolverParams({ maxIter: 1.5 }), XmcError);
  assert.throws(() => parseSolverParams({ C: 1 }), /unknown parameter "C"/);
  assert.equal(parseSolverParams({ eps: "0.01" }).eps, 0.01);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows } from "../../src/core/csr.js";
import { createJsSolver } from "../../src/linear/dcd.js";
import { parseSolverParams } from "../../src/linear/params.js";
import { createWasmSolver } from "../../src/linear/wasm.js";
import type { GroupSolver } from "../../src/linear/types.js";
import { denseColumn, denseProblem, minimizePrimal, norm, primal, randomCsr, randomPositives } from "./util.js";

const close = (a: number, b: number, tol: number, what = ""): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} != ${b} (tol ${tol})`);

const makers: [string, (X: Parameters<typeof createJsSolver>[0]) => GroupSolver][] = [
  ["js", createJsSolver],
  ["wasm", createWasmSolver],
];

// ---------------------------------------------------------------------------
// Closed form. One feature, bias feature B = 1, instances
//   x = 2 (y = +1),  x = 0 (y = −1, an empty row: only the bias),  x = 10 (y = +1, far away).
// Primal: f(w, b) = ½(w² + b²) + Cp (1 − 2w − b)₊² + Cn (1 + b)₊² + Cp (1 − 10w − b)₊².
// Guess the first two margins are < 1 and the third is ≥ 1 (inactive), then ∇f = 0:
//   ∂w: w − 4Cp(1 − 2w − b) = 0
//   ∂b: b − 2Cp(1 − 2w − b) + 2Cn(1 + b) = 0
// Cp = Cn = 1: 9w + 4b = 4 and 4w + 5b = 0 → w = 20/29, b = −16/29;
//   margins 24/29 < 1, 16/29 < 1, 184/29 ≥ 1: the guess holds.
// Cp = 2, Cn = 1: 17w + 8b = 8 and 8w + 7b = 2 → w = 8/11, b = −6/11;
//   margins 10/11 < 1, 6/11 < 1, 74/11 ≥ 1: the guess holds.
// ---------------------------------------------------------------------------
const X1 = csrFromRows(1, [[0], [], [0]], [[2], [], [10]]);
const rows1 = Int32Array.from([0, 1, 2]);
const pos1 = [Int32Array.from([0, 2])];

for (const [name, make] of makers) {
  test(`${name}: squared-hinge closed form, Cp = Cn = 1`, () => {
    const p = parseSolverParams({ eps: 1e-9, maxIter: 100000, threshold: 0 });
    const W = make(X1).trainGroup(rows1, pos1, p, 0);
    assert.deepEqual(Array.from(W.colptr), [0, 2]);
    assert.deepEqual(Array.from(W.rows), [0, 1]); // feature 0, then the bias row (id = cols = 1)
    close(W.values[0], 20 / 29, 1e-5, "w");
    close(W.values[1], -16 / 29, 1e-5, "b");
  });

  test(`${name}: squared-hinge closed form, Cp = 2, Cn = 1`, () => {
    const p = parseSolverParams({ Cp: 2, Cn: 1, eps: 1e-9, maxIter: 100000, threshold: 0 });
    const W = make(X1).trainGroup(rows1, pos1, p, 3);
    close(W.values[0], 8 / 11, 1e-5, "w");
    close(W.values[1], -6 / 11, 1e-5, "b");
  });

  test(`${name}: default eps lands near the closed form`, () => {
    const W = make(X1).trainGroup(rows1, pos1, parseSolverParams({ threshold: 0 }), 0);
    close(W.values[0], 20 / 29, 0.1, "w");
    close(W.values[1], -16 / 29, 0.1, "b");
  });

  // -------------------------------------------------------------------------
  // Against a brute-force minimiser of the primal on a random sparse problem.
  // -------------------------------------------------------------------------
  for (const loss of ["squared-hinge", "logistic"]) {
    // a large cost (logistic only) exercises the logit Newton steps from a tiny dual variable
    const costs = [{ bias: 1, Cp: 1, Cn: 1 }, { bias: 0, Cp: 4, Cn: 0.5 }, ...(loss === "logistic" ? [{ bias: 1, Cp: 50, Cn: 50 }] : [])];
    for (const extra of costs) {
      test(`${name}: ${loss} matches the primal optimum (${JSON.stringify(extra)})`, () => {
        const X = randomCsr(11, 40, 8, 1, 5);
        const rows = Int32Array.from({ length: 30 }, (_, k) => 39 - k); // a subset, reversed
        // 19 children: squared-hinge ones are solved as lanes, a block of 16 and one of 3
        const positives = randomPositives(5, rows.length, loss === "logistic" ? 2 : 19, 0.35);
        const p = parseSolverParams({ loss, eps: 1e-7, maxIter: 100000, threshold: 0, ...extra });
        const W = make(X).trainGroup(rows, positives, p, 1);
        for (let c = 0; c < positives.length; c++) {
          const P = denseProblem(X, rows, positives[c], p);
          const wStar = minimizePrimal(P, loss, 4000);
          const w = denseColumn(W, c, X.cols);
          const opt = primal(P, wStar, loss);
          const got = primal(P, w, loss);
          assert.ok(norm(opt.g) < 1e-8, `brute force did not converge: |g| = ${norm(opt.g)}`);
          // KKT of the primal: the gradient vanishes at the solver's weights (float32 rounding aside)
          assert.ok(norm(got.g) < 1e-4, `|grad f(w)| = ${norm(got.g)}`);
          close(got.f, opt.f, 1e-6 * Math.max(1, opt.f), "objective");
          for (let j = 0; j <= X.cols; j++) close(w[j], wStar[j], 1e-4, `w[${j}]`);
          if (p.bias <= 0) assert.equal(w[X.cols], 0);
        }
      });
    }
  }

  test(`${name}: default parameters reach a near-optimal objective`, () => {
    const X = randomCsr(2, 200, 50, 3, 10);
    const rows = Int32Array.from({ length: 200 }, (_, k) => k);
    const positives = randomPositives(9, 200, 1, 0.3);
    for (const loss of ["squared-hinge", "logistic"]) {
      const p = parseSolverParams({ loss, threshold: 0 });
      const W = make(X).trainGroup(rows, positives, p, 0);
      const P = denseProblem(X, rows, positives[0], p);
      const opt = primal(P, minimizePrimal(P, loss, 3000), loss).f;
      const got = primal(P, denseColumn(W, 0, X.cols), loss).f;
      assert.ok(got >= opt - 1e-9 && got <= opt * 1.02, `${loss}: objective ${got} vs optimum ${opt}`);
    }
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Csr } from "../../src/core/csr.js";
import { createJsSolver } from "../../src/linear/dcd.js";
import { parseSolverParams } from "../../src/linear/params.js";
import type { GroupSolver, WeightBlock } from "../../src/linear/types.js";
import { createWasmSolver } from "../../src/linear/wasm.js";
import { randomCsr, randomPositives } from "./util.js";

const makers: [string, (X: Csr) => GroupSolver][] = [
  ["js", createJsSolver],
  ["wasm", createWasmSolver],
];

/** Entries of column c as [row, value] pairs. */
const col = (W: WeightBlock, c: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let q = W.colptr[c]; q < W.colptr[c + 1]; q++) out.push([W.rows[q], W.values[q]]);
  return out;
};

for (const [name, make] of makers) {
  test(`${name}: pruning keeps exactly |w| >= threshold, bias included, rows sorted`, () => {
    // features 0..99 exist, but the group only uses rows whose features are < 100 of 150 columns
    const X = randomCsr(3, 120, 150, 2, 8);
    const rows = Int32Array.from({ length: 80 }, (_, k) => (k * 37) % 120);
    const positives = randomPositives(4, rows.length, 5, 0.2);
    const used = new Set<number>();
    for (const r of rows) for (let q = X.indptr[r]; q < X.indptr[r + 1]; q++) used.add(X.indices[q]);
    const s = make(X);
    const full = s.trainGroup(rows, positives, parseSolverParams({ threshold: 0 }), 7);
    for (const thr of [0.05, 0.1, 0.3]) {
      const W = s.trainGroup(rows, positives, parseSolverParams({ threshold: thr }), 7);
      for (let c = 0; c < positives.length; c++) {
        const expect = col(full, c).filter(([, v]) => Math.abs(v) >= thr);
        assert.deepEqual(col(W, c), expect, `child ${c}, threshold ${thr}`);
      }
    }
    for (let c = 0; c < positives.length; c++) {
      const entries = col(full, c);
      // threshold 0: every feature used by the group (exact zeros too), then the bias; nothing else
      assert.equal(entries.length, used.size + 1);
      for (let t = 0; t + 1 < entries.length; t++) {
        assert.ok(used.has(entries[t][0]));
        assert.ok(entries[t][0] < entries[t + 1][0], "rows sorted");
      }
      assert.equal(entries[entries.length - 1][0], X.cols, "bias row id = X.cols, last");
    }
  });

  test(`${name}: the bias weight is pruned like the others, and absent when bias <= 0`, () => {
    const X = randomCsr(8, 60, 20, 1, 4);
    const rows = Int32Array.from({ length: 60 }, (_, k) => k);
    // a rare positive class drives the bias strongly negative
    const positives = [Int32Array.from([3, 17])];
    const s = make(X);
    const W = s.trainGroup(rows, positives, parseSolverParams({ threshold: 0 }), 0);
    const b = col(W, 0).find(([r]) => r === X.cols)?.[1];
    assert.ok(b !== undefined && b < -0.3, `bias ${b}`);
    const high = s.trainGroup(rows, positives, parseSolverParams({ threshold: Math.abs(b) + 1e-3 }), 0);
    assert.ok(!col(high, 0).some(([r]) => r === X.cols), "bias pruned above |b|");
    const low = s.trainGroup(rows, positives, parseSolverParams({ threshold: Math.abs(b) - 1e-3 }), 0);
    assert.ok(col(low, 0).some(([r]) => r === X.cols), "bias kept below |b|");
    for (const bias of [0, -1]) {
      const nb = s.trainGroup(rows, positives, parseSolverParams({ threshold: 0, bias }), 0);
      assert.ok(!col(nb, 0).some(([r]) => r === X.cols), `no bias row with bias = ${bias}`);
      assert.equal(nb.rows.length, new Set(X.indices).size);
    }
  });

  test(`${name}: empty group, children without positives or all positive`, () => {
    const X = randomCsr(1, 30, 10, 1, 3);
    const s = make(X);
    const empty = s.trainGroup(new Int32Array(0), [new Int32Array(0), new Int32Array(0)], parseSolverParams({}), 0);
    assert.deepEqual(Array.from(empty.colptr), [0, 0, 0]);
    const rows = Int32Array.from([4, 9, 2, 20]);
    const tight = parseSolverParams({ threshold: 0, eps: 1e-8, maxIter: 10000 });
    const W = s.trainGroup(rows, [new Int32Array(0), Int32Array.from([0, 1, 2, 3])], tight, 0);
    const neg = col(W, 0).find(([r]) => r === X.cols)![1];
    const pos = col(W, 1).find(([r]) => r === X.cols)![1];
    assert.ok(neg < 0 && pos > 0, `bias ${neg} / ${pos}`);
    // the two problems mirror each other (their visiting orders differ: seeds 0 and 1)
    assert.ok(Math.abs(neg + pos) < 1e-6, "all-negative and all-positive problems mirror each other");
  });

  test(`${name}: rejects out-of-range rows and positives`, () => {
    const X = randomCsr(1, 10, 5, 1, 3);
    const s = make(X);
    const p = parseSolverParams({});
    assert.throws(() => s.trainGroup(Int32Array.from([0, 10]), [], p, 0), /row id 10/);
    assert.throws(() => s.trainGroup(Int32Array.from([0, 1]), [Int32Array.from([2])], p, 0), /position 2/);
  });
}

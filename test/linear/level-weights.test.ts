import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { chunkLevel, chunkLevelBlocks } from "../../src/linear/level-weights.js";
import type { WeightBlock } from "../../src/linear/types.js";
import { chainFromCodes } from "../../src/tree/chain.js";

/** Columns [from, to) of W as a block of its own, with room to spare at the end of its arrays (as the solver's blocks may have). */
function slice(W: WeightBlock, from: number, to: number): WeightBlock {
  const q0 = W.colptr[from], q1 = W.colptr[to];
  const rows = new Int32Array(q1 - q0 + 5).fill(7);
  const values = new Float32Array(q1 - q0 + 5).fill(9);
  rows.set(W.rows.subarray(q0, q1));
  values.set(W.values.subarray(q0, q1));
  return { colptr: Int32Array.from(W.colptr.subarray(from, to + 1), (c) => c - q0), rows, values };
}

test("chunking a level from the jobs' blocks (any order, cut anywhere) equals chunking it from one block", () => {
  const rng = new Rng(8);
  const chain = chainFromCodes(Int32Array.from({ length: 30 }, (_, l) => l % 3), 3, 16);
  const lv = chain[1]; // 3 parents, 30 edges
  const colptr = new Int32Array(lv.children.length + 1);
  const rows: number[] = [];
  const values: number[] = [];
  for (let e = 0; e < lv.children.length; e++) {
    for (const f of [...new Set(Array.from({ length: rng.int(6) }, () => rng.int(50)))].sort((a, b) => a - b)) {
      rows.push(f);
      values.push(rng.next() - 0.5);
    }
    colptr[e + 1] = rows.length;
  }
  const W: WeightBlock = { colptr, rows: Int32Array.from(rows), values: Float32Array.from(values) };
  const whole = chunkLevel(lv, W);
  const cuts = [0, 4, 5, 13, 22, 30];
  const parts = cuts.slice(1).map((to, k) => ({ e0: cuts[k], block: slice(W, cuts[k], to) })).reverse();
  assert.deepEqual(chunkLevelBlocks(lv, parts), whole);
  // hand-checked corner: a parent's chunk lists each feature once, its weights in child order
  const p0 = { rows: Array.from(whole.rowFeat.subarray(whole.chunkPtr[0], whole.chunkPtr[1])) };
  assert.deepEqual(p0.rows, [...new Set(p0.rows)].sort((a, b) => a - b));
});

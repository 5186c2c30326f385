/** Autograd mechanics: the tape, noGrad, gradient accumulation, row-sparse gradients. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import * as nn from "../../src/nn/ops/index.js";
import { backward, noGrad, tapeLength } from "../../src/nn/tape.js";
import { Tensor } from "../../src/nn/tensor.js";
import { rand } from "./util.js";

test("backward empties the tape, frees intermediate gradients, keeps leaf gradients", () => {
  const rng = new Rng(1);
  const x = rand(rng, [3, 4]), w = rand(rng, [2, 4]);
  const h = nn.linear(x, w);
  const keep = nn.gelu(h);
  keep.retainGrad = true;
  const loss = nn.sum(keep);
  assert.ok(tapeLength() >= 3);
  backward(loss);
  assert.equal(tapeLength(), 0);
  assert.equal(h.grad, null);
  assert.ok(keep.grad);
  assert.ok(x.grad && w.grad);
});

test("noGrad records nothing; constants do not record", () => {
  const x = rand(new Rng(2), [3]);
  const y = noGrad(() => nn.sum(nn.mul(x, x)));
  assert.equal(tapeLength(), 0);
  assert.equal(y.requiresGrad, false);
  nn.sum(Tensor.from([1, 2, 3]));
  assert.equal(tapeLength(), 0);
  assert.throws(() => backward(y), /does not depend/);
});

test("leaf gradients accumulate across backward calls until zeroGrad", () => {
  const x = Tensor.from([1, 2, 3], [3], { requiresGrad: true });
  backward(nn.sum(nn.scale(x, 2)));
  backward(nn.sum(nn.scale(x, 3)));
  assert.deepEqual(Array.from(x.grad!), [5, 5, 5]);
  x.zeroGrad();
  assert.deepEqual(Array.from(x.grad!), [0, 0, 0]);
});

test("a 100k-row table gets a row-sparse gradient: only touched rows, no dense buffer", () => {
  const rng = new Rng(3);
  const V = 100_000, D = 8;
  const table = Tensor.zeros([V, D], { requiresGrad: true, sparseGrad: true, name: "emb" });
  for (let i = 0; i < table.size; i++) table.data[i] = rng.next() - 0.5;
  const ids = Int32Array.from([5, 99_999, 5, 42]);
  const offsets = Int32Array.from([0, 2, 4]);
  const bag = nn.embeddingBag(table, ids, offsets, "sum");
  const out = nn.gatherRows(table, Int32Array.from([7, 42]));
  backward(nn.add(nn.sum(bag), nn.sum(out)));
  assert.equal(table.grad, null);
  const rg = table.rowGrad!;
  assert.deepEqual(Array.from(rg.ids).sort((a, b) => a - b), [5, 7, 42, 99_999]);
  const row = (r: number) => Array.from(rg.values.subarray(Array.from(rg.ids).indexOf(r) * D, Array.from(rg.ids).indexOf(r) * D + D));
  assert.deepEqual(row(5), new Array(D).fill(2));
  assert.deepEqual(row(42), new Array(D).fill(2));
  assert.deepEqual(row(7), new Array(D).fill(1));
  table.zeroGrad();
  assert.equal(rg.count, 0);
  backward(nn.sum(nn.embedding(table, Int32Array.from([3]))));
  assert.deepEqual(Array.from(rg.ids), [3]);
  assert.deepEqual(Array.from(rg.values), new Array(D).fill(1), "cleared rows restart from zero");
});

test("padding rows get no gradient; a dense op on a sparse table is refused", () => {
  const table = Tensor.zeros([4, 2], { requiresGrad: true, sparseGrad: true });
  backward(nn.sum(nn.embedding(table, Int32Array.from([0, 1, 0]), [3], 0)));
  assert.deepEqual(Array.from(table.rowGrad!.ids), [1]);
  const x = Tensor.zeros([3, 2]);
  const y = nn.matmul(x, table, false, true);
  assert.throws(() => backward(nn.sum(y)), /row-sparse/);
});

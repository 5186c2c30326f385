/** l2NormalizeRows: forward values (unit rows, zero row kept finite) and gradient checks. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { withPrecision } from "../../src/nn/dtype.js";
import * as nn from "../../src/nn/ops/index.js";
import { backward } from "../../src/nn/tape.js";
import { Tensor } from "../../src/nn/tensor.js";
import { checkBoth, rand } from "./util.js";

test("l2NormalizeRows: unit rows, direction kept, a zero row stays zero", () => {
  const x = Tensor.from([3, 4, 0, 0, 0, 0, 1, -2, 2], [3, 3]);
  const y = nn.l2NormalizeRows(x);
  const want = [0.6, 0.8, 0, 0, 0, 0, 1 / 3, -2 / 3, 2 / 3];
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(y.data[i] - want[i]) < 1e-6, `y[${i}] = ${y.data[i]}`);
  for (const v of y.data) assert.ok(Number.isFinite(v));
});

test("l2NormalizeRows: gradient checks, 2-D and 3-D", () => {
  checkBoth("l2NormalizeRows 2-D", (rng) => {
    const x = rand(rng, [5, 7]);
    return { inputs: [x], fn: () => nn.l2NormalizeRows(x) };
  });
  checkBoth("l2NormalizeRows 3-D", (rng) => {
    const x = rand(rng, [2, 3, 4]);
    return { inputs: [x], fn: () => nn.l2NormalizeRows(x) };
  });
  // cosine similarity of normalised rows, the way PRIME scores queries against labels
  checkBoth("cosine matrix", (rng) => {
    const q = rand(rng, [4, 6]), z = rand(rng, [5, 6]);
    return { inputs: [q, z], fn: () => nn.matmul(nn.l2NormalizeRows(q), nn.l2NormalizeRows(z), false, true) };
  });
});

test("l2NormalizeRows: gradient orthogonal to the row; clipped (zero) row passes g/eps", () => {
  withPrecision("f64", () => {
    const x = Tensor.from([1, 2, 2, 0, 0, 0], [2, 3], { requiresGrad: true });
    const y = nn.l2NormalizeRows(x, 1e-3);
    backward(y, [0.5, -1, 2, 1, 2, 3]);
    const g = x.grad!;
    // y·g_x = 0 for the normal row (scale invariance)
    assert.ok(Math.abs(g[0] * 1 + g[1] * 2 + g[2] * 2) < 1e-12);
    assert.deepEqual(Array.from(g.subarray(3)), [1e3, 2e3, 3e3]);
  });
});

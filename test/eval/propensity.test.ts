import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import {
  inversePropensity,
  inversePropensityFromLabels,
  labelCounts,
} from "../../src/eval/propensity.js";

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("inversePropensity follows 1 + C(N_l+B)^-A with A=0.55, B=1.5", () => {
  const N = 1000, A = 0.55, B = 1.5;
  const counts = [0, 1, 10, 100];
  const ip = inversePropensity(counts, N); // defaults A=0.55, B=1.5
  const C = (Math.log(N) - 1) * Math.pow(B + 1, A);
  assert.equal(ip.length, 4);
  for (let l = 0; l < counts.length; l++) close(ip[l], 1 + C * Math.pow(counts[l] + B, -A));
  // Independent values (computed with Python's math module).
  close(ip[0], 8.824188577703566); // unseen: 1 + C·B^-A
  close(ip[1], Math.log(N)); // N_l = 1: C·(1+B)^-A = ln N − 1, so ip = ln N = 6.9077...
  close(ip[2], 3.5521470235083683);
  close(ip[3], 1.7704299874036118);
  // Rarer labels get larger inverse propensities.
  assert.ok(ip[0] > ip[1] && ip[1] > ip[2] && ip[2] > ip[3]);
});

test("inversePropensity: ids beyond the count array up to totalLabels are unseen", () => {
  const ip = inversePropensity(new Int32Array([0, 4]), 50, 0.6, 2.6, 4);
  const C = (Math.log(50) - 1) * Math.pow(3.6, 0.6);
  const unseen = 1 + C * Math.pow(2.6, -0.6);
  assert.equal(ip.length, 4);
  close(ip[0], unseen);
  close(ip[1], 1 + C * Math.pow(6.6, -0.6));
  close(ip[2], unseen);
  close(ip[3], unseen);
});

test("inversePropensity rejects bad arguments", () => {
  assert.throws(() => inversePropensity([1, 2], 0), XmcError);
  assert.throws(() => inversePropensity([1, 2], 10, 0.55, 0), XmcError);
  assert.throws(() => inversePropensity([1, 2, 3], 10, 0.55, 1.5, 2), XmcError);
  assert.throws(() => inversePropensity([1, -1], 10), XmcError);
});

test("labelCounts counts rows per label; inversePropensityFromLabels uses Y.rows as N", () => {
  const Y = csrFromRows(5, [[0, 2], [2], [2, 3], []]);
  assert.deepEqual(Array.from(labelCounts(Y)), [1, 0, 3, 1, 0]);
  const a = inversePropensityFromLabels(Y, 0.5, 0.4);
  const b = inversePropensity([1, 0, 3, 1, 0], 4, 0.5, 0.4);
  assert.deepEqual(Array.from(a), Array.from(b));
});


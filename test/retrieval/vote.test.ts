import { test } from "node:test";
import assert from "node:assert/strict";
import { neighbourVote, smoothMax } from "../../src/retrieval/vote.js";

// training queries → labels: q0 {0, 2}, q1 {2}, q2 {1}
const labelsOf = { indptr: Int32Array.of(0, 2, 3, 4), indices: Int32Array.of(0, 2, 2, 1) };
// two queries, k = 3: query 0 retrieved q1 (0.9), q0 (0.5), padding; query 1 retrieved nothing
const list = { ids: Int32Array.of(1, 0, -1, -1, -1, -1), scores: Float32Array.of(0.9, 0.5, -Infinity, -Infinity, -Infinity, -Infinity) };

function votes(i: number, kernel: Parameters<typeof neighbourVote>[4], tau: number, scale: number): [number, number][] {
  const got: [number, number][] = [];
  neighbourVote(list, 3, i, labelsOf, kernel, tau, scale, (l, w) => got.push([l, w]));
  return got;
}

test("neighbourVote softmax: weights of a list sum to scale, best neighbour first", () => {
  const tau = 0.2, a = Math.exp(0), b = Math.exp((Math.fround(0.5) - Math.fround(0.9)) / tau), z = a + b;
  const got = votes(0, { kind: "softmax" }, tau, 0.5);
  assert.deepEqual(got.map(([l]) => l), [2, 0, 2]);
  const want = [0.5 * a / z, 0.5 * b / z, 0.5 * b / z];
  got.forEach(([, w], j) => assert.ok(Math.abs(w - want[j]) < 1e-15));
  assert.ok(Math.abs(got[0][1] + got[1][1] - 0.5) < 1e-12);
  assert.deepEqual(votes(1, { kind: "softmax" }, tau, 1), []);
});

test("neighbourVote smooth-max: e^((sim − floor)/τ), summed into the smooth maximum", () => {
  const tau = 0.1, floor = 0.3;
  const got = votes(0, { kind: "smooth-max", floor }, tau, 1);
  const e1 = Math.exp((Math.fround(0.9) - floor) / tau), e0 = Math.exp((Math.fround(0.5) - floor) / tau);
  assert.deepEqual(got, [[2, e1], [0, e0], [2, e0]]);
  // label 2: τ·ln(e^(c₀/τ) + e^(0.9/τ) + e^(0.5/τ))
  const direct = tau * Math.log(Math.exp(floor / tau) + Math.exp(Math.fround(0.9) / tau) + Math.exp(Math.fround(0.5) / tau));
  assert.ok(Math.abs(smoothMax(e1 + e0, floor, tau) - direct) < 1e-12);
  assert.equal(smoothMax(0, floor, tau), floor);
});

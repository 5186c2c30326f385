import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { TopKHeap, topKIndices } from "../../src/core/topk.js";

test("topKIndices returns the k best, ties by lower index", () => {
  const s = Float64Array.of(0.5, 2, 2, -1, 3, 0.5);
  assert.deepEqual(Array.from(topKIndices(s, 6, 4)), [4, 1, 2, 0]);
  assert.deepEqual(Array.from(topKIndices(s, 6, 10)), [4, 1, 2, 0, 5, 3]);
  assert.deepEqual(Array.from(topKIndices(s, 6, 0)), []);
  assert.deepEqual(Array.from(topKIndices(s, 3, 5)), [1, 2, 0]);
});

test("topKIndices: equal scores go to the larger tie-breaker, then the lower index", () => {
  const s = Float64Array.of(1, 1, 1, 2, 1);
  const tie = Float64Array.of(0, 5, 0, -9, 5);
  assert.deepEqual(Array.from(topKIndices(s, 5, 4, tie)), [3, 1, 4, 0]);
  assert.deepEqual(Array.from(topKIndices(s, 5, 5, tie)), [3, 1, 4, 0, 2]);
});

test("TopKHeap: bounded, drained best first with padding, reusable after reset", () => {
  const h = new TopKHeap(3);
  for (const [id, sc] of [[7, 0.1], [2, 0.9], [5, 0.4], [1, 0.9], [8, 0.2]] as const) h.push(id, sc);
  assert.equal(h.size, 3);
  assert.equal(h.worst(), 0.4);
  // full: a score below the worst can never be kept; the worst itself may be, by its tie-breaker
  assert.equal(h.excludes(0.39), true);
  assert.equal(h.excludes(0.4), false);
  assert.equal(new TopKHeap(2).excludes(-Infinity), false); // not full
  assert.equal(new TopKHeap(0).excludes(Infinity), true); // keeps none
  const ids = new Int32Array(5), scores = new Float32Array(5);
  h.drainSorted(ids, scores, 0, 5);
  assert.deepEqual(Array.from(ids), [1, 2, 5, -1, -1]);
  assert.deepEqual(Array.from(scores), [Math.fround(0.9), Math.fround(0.9), Math.fround(0.4), -Infinity, -Infinity]);
  assert.equal(h.size, 0);
  h.reset(5); // grows past the first capacity
  for (let i = 0; i < 8; i++) h.push(i, i % 3);
  const out = new Int32Array(5);
  h.drainSorted(out, null, 0, 5);
  assert.deepEqual(Array.from(out), [2, 5, 1, 4, 7]);
  const none = new TopKHeap(0);
  none.push(1, 1);
  assert.equal(none.size, 0);
});

test("TopKHeap agrees with a full sort on random scores with ties", () => {
  const rng = new Rng(3);
  const n = 200;
  const s = Float64Array.from({ length: n }, () => rng.int(20));
  const full = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
  for (const k of [1, 7, 64, 200]) assert.deepEqual(Array.from(topKIndices(s, n, k)), full.slice(0, k));
});

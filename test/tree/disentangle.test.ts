import assert from "node:assert/strict";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { combineRankings } from "../../src/search/combine.js";
import { chainFromCodes } from "../../src/tree/chain.js";
import { assignLabelCopies, matchCounts } from "../../src/tree/disentangle.js";

test("matchCounts: A = Yᵀ·M counted per label and cluster", () => {
  // 4 instances; labels: i0 {0}, i1 {0,1}, i2 {1}, i3 {2}
  const Y = csrFromRows(3, [[0], [0, 1], [1], [2]]);
  const matched = [Int32Array.of(0, 1), Int32Array.of(1), Int32Array.of(1, 2), Int32Array.of()];
  const c = matchCounts(Y, matched, 3);
  // label 0: i0 -> {0,1}, i1 -> {1}  => cluster0: 1, cluster1: 2
  // label 1: i1 -> {1}, i2 -> {1,2}  => cluster1: 2, cluster2: 1
  // label 2: i3 -> {}                 => nothing
  assert.deepEqual(Array.from(c.ptr), [0, 2, 4, 4]);
  assert.deepEqual(Array.from(c.cluster), [0, 1, 1, 2]);
  assert.deepEqual(Array.from(c.count), [1, 2, 2, 1]);
});

test("assignLabelCopies: greedy by count, ties by (label, cluster), cap λ, unreached labels keep their cluster", () => {
  // original tree: clusters 0 -> {0, 1}, 1 -> {2}, 2 -> {3}
  const original = chainFromCodes(Int32Array.of(0, 0, 1, 2), 3, 16).at(-1)!;
  assert.equal(original.nParents, 3);
  // counts: label0: (c1: 5), (c2: 3), (c0: 3); label1: (c0: 4); label2: (c0: 3); label3: none
  const counts = {
    ptr: Int32Array.of(0, 3, 4, 5, 5),
    cluster: Int32Array.of(0, 1, 2, 0, 0),
    count: Int32Array.of(3, 5, 3, 4, 3),
  };
  // walk: (l0,c1,5) (l1,c0,4) (l0,c0,3) (l0,c2,3 - cap reached with λ=2) (l2,c0,3)
  const two = assignLabelCopies(counts, original, 2);
  const members = (lv: typeof two) => Array.from({ length: lv.nParents }, (_, k) => Array.from(lv.children.subarray(lv.ptr[k], lv.ptr[k + 1])));
  assert.deepEqual(members(two), [[0, 1, 2], [0], [3]]);
  // λ = 1: label 0 moves to its best cluster (1); label 2 moves to cluster 0; label 3 keeps cluster 2
  const one = assignLabelCopies(counts, original, 1);
  assert.deepEqual(members(one), [[1, 2], [0], [3]]);
  // λ = 3: label 0 in all three clusters
  assert.deepEqual(members(assignLabelCopies(counts, original, 3)), [[0, 1, 2], [0], [0, 3]]);
});

test("assignLabelCopies with a cluster cap: a full cluster is skipped, the label takes its next one; unreached labels keep theirs", () => {
  const original = chainFromCodes(Int32Array.of(0, 0, 1, 2), 3, 16).at(-1)!;
  const counts = {
    ptr: Int32Array.of(0, 3, 4, 5, 5),
    cluster: Int32Array.of(0, 1, 2, 0, 0),
    count: Int32Array.of(3, 5, 3, 4, 3),
  };
  const members = (lv: typeof original) => Array.from({ length: lv.nParents }, (_, k) => Array.from(lv.children.subarray(lv.ptr[k], lv.ptr[k + 1])));
  // cap 2, λ = 2. Walk: (l0,c1,5) c1 = {0}; (l1,c0,4) c0 = {1}; (l0,c0,3) c0 = {1,0}, l0 has 2;
  // (l0,c2,3) l0 full; (l2,c0,3) c0 full: skipped, and l2 has no other entry, so it keeps c1;
  // l3 unreached keeps c2
  assert.deepEqual(members(assignLabelCopies(counts, original, 2, 2)), [[0, 1], [0, 2], [3]]);
  // cap 1, λ = 2: (l0,c1) ; (l1,c0) ; (l0,c0) c0 full ; (l0,c2) -> l0's copy goes to c2 ; (l2,c0) full -> keeps c1
  assert.deepEqual(members(assignLabelCopies(counts, original, 2, 1)), [[1], [0, 2], [0, 3]]);
  // cap 0 = unlimited: the same as without a cap
  assert.deepEqual(members(assignLabelCopies(counts, original, 2, 0)), members(assignLabelCopies(counts, original, 2)));
});

test("copies merge by max in beam search; ensembles average scores with absent = 0", () => {
  const a = { labels: Int32Array.of(3, 1), scores: Float32Array.of(0.9, 0.5) };
  const b = { labels: Int32Array.of(1, 2), scores: Float32Array.of(0.8, 0.7) };
  const m = combineRankings([a, b], "mean", 3);
  // 1: (0.5 + 0.8)/2 = 0.65, 3: 0.45, 2: 0.35
  assert.deepEqual(Array.from(m.labels), [1, 3, 2]);
  assert.ok(Math.abs(m.scores[0] - 0.65) < 1e-6 && Math.abs(m.scores[1] - 0.45) < 1e-6);
  const r = combineRankings([a, b], "rank", 2);
  // 1: (1/2 + 1)/2 = 0.75, 3: 0.5, 2: 0.25
  assert.deepEqual(Array.from(r.labels), [1, 3]);
});

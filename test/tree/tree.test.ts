import assert from "node:assert/strict";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import { chainFromCodes, parentsOf, validateChain } from "../../src/tree/chain.js";
import { balancedKMeansCodes, balancedKMeansCodesWith, selectSmallest } from "../../src/tree/kmeans.js";
import { createWasmScorer } from "../../src/tree/kmeans-wasm.js";
import { balancedKMeansCodesParallel } from "../../src/tree/kmeans-parallel.js";
import { pifa, pifaParallel } from "../../src/tree/pifa.js";
import { createTrainPool } from "../../src/linear/train-chain.js";

function randomSparse(rows: number, cols: number, perRow: number, seed: number) {
  const rng = new Rng(seed);
  const idx: number[][] = [];
  const val: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const s = new Set<number>();
    while (s.size < perRow) s.add(rng.int(cols));
    idx.push([...s]);
    val.push([...s].map(() => rng.next() + 0.1));
  }
  return csrFromRows(cols, idx, val);
}

test("pifa: label = normalised sum of its instances weighted by 1/||y_i||", () => {
  // X: 3 instances, 2 features. Y: inst0 -> {0}, inst1 -> {0,1}, inst2 -> {1}
  const X = csrFromRows(2, [[0], [0, 1], [1]], [[1], [0.6, 0.8], [1]]);
  const Y = csrFromRows(3, [[0], [0, 1], [1]]);
  const Z = pifa(X, Y);
  // label 0: 1*(1,0) + (1/sqrt2)*(0.6,0.8) = (1.4243, 0.5657) -> normalised
  const a = 1 + 0.6 / Math.SQRT2;
  const b = 0.8 / Math.SQRT2;
  const n = Math.hypot(a, b);
  assert.deepEqual(Array.from(Z.indices.subarray(Z.indptr[0], Z.indptr[1])), [0, 1]);
  assert.ok(Math.abs(Z.data[0] - a / n) < 1e-6);
  assert.ok(Math.abs(Z.data[1] - b / n) < 1e-6);
  // label 2 has no instances: empty row
  assert.equal(Z.indptr[3] - Z.indptr[2], 0);
});

test("pifa on the solver workers (labels cut into ranges of equal work) equals pifa on one thread, bit for bit", async () => {
  const X = randomSparse(300, 60, 7, 11);
  const rng = new Rng(12);
  // uneven labels: label 0 on every row, some labels on none
  const Y = csrFromRows(40, Array.from({ length: 300 }, () => [...new Set([0, rng.int(40), rng.int(10)])]));
  const want = pifa(X, Y);
  for (const threads of [2, 3]) {
    const pool = createTrainPool(X, threads, "js")!;
    try {
      const got = await pifaParallel(X, Y, (t) => pool.run({ kind: "pifa", pifa: t }), threads);
      assert.deepEqual(Array.from(got.indptr), Array.from(want.indptr));
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices));
      assert.deepEqual(Array.from(got.data), Array.from(want.data));
      assert.ok(got.data.buffer instanceof SharedArrayBuffer, "shared, for the clustering workers");
    } finally {
      await pool.close();
    }
  }
});

test("selectSmallest puts the k smallest (score, index) first", () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + rng.int(200);
    const score = Float64Array.from({ length: n }, () => rng.int(10)); // many ties
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const k = rng.int(n + 1);
    selectSmallest(idx, score, k);
    const sorted = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b] || a - b);
    assert.deepEqual(new Set(idx.subarray(0, k)), new Set(sorted.slice(0, k)));
  }
});

test("balanced 2-means: every label in exactly one leaf, leaf sizes differ by at most one", () => {
  const Z = randomSparse(1000, 300, 8, 1);
  const { codes, nLeaves } = balancedKMeansCodes(Z, { maxLeafSize: 100, maxIter: 20, seed: 0 });
  assert.equal(nLeaves, 16); // ceil(log2(1000/100)) = 4
  const sizes = new Array(nLeaves).fill(0);
  for (const c of codes) sizes[c]++;
  assert.equal(sizes.reduce((a, b) => a + b, 0), 1000);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  assert.ok(Math.max(...sizes) <= 100);
});

test("balanced 2-means separates two obvious groups and is deterministic for a seed", () => {
  // labels 0..49 use features 0..9, labels 50..99 use features 10..19
  const idx: number[][] = [];
  const rng = new Rng(7);
  for (let l = 0; l < 100; l++) idx.push([rng.int(10) + (l < 50 ? 0 : 10), rng.int(10) + (l < 50 ? 0 : 10)]);
  const Z = csrFromRows(20, idx);
  const a = balancedKMeansCodes(Z, { maxLeafSize: 50, maxIter: 20, seed: 5 });
  const b = balancedKMeansCodes(Z, { maxLeafSize: 50, maxIter: 20, seed: 5 });
  assert.deepEqual(a.codes, b.codes);
  const first = a.codes[0];
  for (let l = 0; l < 100; l++) assert.equal(a.codes[l], l < 50 ? first : 1 - first);
});

test("chain: B-ary compression of 256 leaves gives 16 -> 256 -> labels, covering every label once", () => {
  const L = 1000;
  const codes = Int32Array.from({ length: L }, (_, l) => l % 256);
  const chain = chainFromCodes(codes, 256, 16);
  assert.deepEqual(chain.map((lv) => lv.nNodes), [16, 256, L]);
  validateChain(chain, L);
  for (const lv of chain) {
    const up = parentsOf(lv);
    for (let j = 0; j < lv.nNodes; j++) assert.equal(up.ptr[j + 1] - up.ptr[j], 1, "one parent per node");
  }
  // leaf j's parent is floor(j/16)
  const up = parentsOf(chain[1]);
  for (let j = 0; j < 256; j++) assert.equal(up.parents[up.ptr[j]], Math.floor(j / 16));
});

test("chain: a single cluster is a flat one-vs-rest level", () => {
  const chain = chainFromCodes(new Int32Array(5), 1, 16);
  assert.equal(chain.length, 1);
  assert.equal(chain[0].nParents, 1);
  assert.deepEqual(Array.from(chain[0].children), [0, 1, 2, 3, 4]);
});

test("labels without an embedding are spread over the leaves, not piled into a few", () => {
  // 64 labels with embeddings and 32 empty rows, leaves of at most 12 -> 8 leaves
  const idx: number[][] = [];
  const rng = new Rng(4);
  for (let l = 0; l < 96; l++) idx.push(l < 64 ? [rng.int(40), rng.int(40)] : []);
  const Z = csrFromRows(40, idx);
  const { codes, nLeaves } = balancedKMeansCodes(Z, { maxLeafSize: 12, maxIter: 10, seed: 1 });
  assert.equal(nLeaves, 8);
  const emptyPerLeaf = new Array(nLeaves).fill(0);
  const sizes = new Array(nLeaves).fill(0);
  for (let l = 0; l < 96; l++) {
    sizes[codes[l]]++;
    if (l >= 64) emptyPerLeaf[codes[l]]++;
  }
  assert.deepEqual(emptyPerLeaf, new Array(8).fill(4));
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
});

test("emptyLabels cluster: empty labels are split as zero vectors, so an uneven pair of groups stays whole", () => {
  // labels 0-3 on features 0-1, labels 4-5 on features 2-3, labels 6-7 without an embedding; 2 leaves of 4
  const rows: [number, number][][] = [0, 1, 2, 3].map((k) => [[0, 1], [1, 0.2 * k]] as [number, number][]);
  rows.push([[2, 1], [3, 0.1]], [[2, 1], [3, 0.3]], [], []);
  const Z = csrFromRows(4, rows.map((r) => r.map(([f]) => f)), rows.map((r) => r.map(([, v]) => v)));
  for (const seed of [0, 1, 2, 3]) {
    const cluster = balancedKMeansCodes(Z, { maxLeafSize: 4, maxIter: 10, seed, emptyLabels: "cluster" }).codes;
    // the four labels of the first group share a leaf; the other leaf holds the pair and the empty labels
    assert.deepEqual(new Set(Array.from(cluster.subarray(0, 4))).size, 1, `seed ${seed}`);
    assert.deepEqual(Array.from(cluster.subarray(4)).filter((c) => c === cluster[0]).length, 0, `seed ${seed}`);
    // spread: the six embedded labels are cut 3 / 3, so one of the four joins the pair
    const spread = balancedKMeansCodes(Z, { maxLeafSize: 4, maxIter: 10, seed }).codes;
    assert.equal(new Set(Array.from(spread.subarray(0, 4))).size, 2, `seed ${seed}`);
    assert.notEqual(spread[6], spread[7]);
  }
});

test("emptyLabels cluster: every leaf within one label of the others, and the same tree on several threads", async () => {
  const idx: number[][] = [];
  const rng = new Rng(4);
  for (let l = 0; l < 96; l++) idx.push(l < 64 ? [rng.int(40), rng.int(40)] : []);
  const Z = csrFromRows(40, idx);
  const opts = { maxLeafSize: 12, maxIter: 10, seed: 1, emptyLabels: "cluster" as const };
  const one = balancedKMeansCodes(Z, opts);
  const sizes = new Array(one.nLeaves).fill(0);
  for (let l = 0; l < 96; l++) sizes[one.codes[l]]++;
  assert.equal(one.nLeaves, 8);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  const two = await balancedKMeansCodesParallel(Z, opts, 2);
  assert.deepEqual(Array.from(two.codes), Array.from(one.codes));
  // it is another tree than the default's
  assert.notDeepEqual(Array.from(balancedKMeansCodes(Z, { ...opts, emptyLabels: "spread" }).codes), Array.from(one.codes));
});

test("2-means: the wasm kernel (scoring and centroid update) gives the same tree as plain TypeScript", () => {
  const rng = new Rng(5);
  const L = 700;
  const d = 300;
  const idx: number[][] = [];
  const val: number[][] = [];
  for (let l = 0; l < L; l++) {
    const f = new Set<number>();
    const nnz = l % 50 === 0 ? 0 : 1 + rng.int(12); // some labels without an embedding
    while (f.size < nnz) f.add(rng.int(d));
    idx.push([...f].sort((a, b) => a - b));
    val.push(idx[l].map(() => rng.next() - 0.3));
  }
  const Z = csrFromRows(d, idx, val);
  assert.ok(createWasmScorer(Z), "the wasm kernel is built by npm run build");
  for (const [seed, emptyLabels] of [[0, "spread"], [3, "spread"], [1, "cluster"]] as const) {
    const a = balancedKMeansCodesWith(Z, { maxLeafSize: 20, maxIter: 20, seed, emptyLabels }, null);
    const b = balancedKMeansCodes(Z, { maxLeafSize: 20, maxIter: 20, seed, emptyLabels });
    assert.equal(a.nLeaves, b.nLeaves);
    assert.deepEqual(Array.from(a.codes), Array.from(b.codes));
  }
});

test("2-means on several threads (subtrees split in worker threads) gives the same tree as on one", async () => {
  const rng = new Rng(9);
  const L = 1500;
  const d = 400;
  const idx: number[][] = [];
  const val: number[][] = [];
  for (let l = 0; l < L; l++) {
    const f = new Set<number>();
    const nnz = l % 37 === 0 ? 0 : 1 + rng.int(10);
    while (f.size < nnz) f.add(rng.int(d));
    idx.push([...f].sort((a, b) => a - b));
    val.push(idx[l].map(() => rng.next() - 0.3));
  }
  const Z = csrFromRows(d, idx, val);
  const opts = { maxLeafSize: 25, maxIter: 15, seed: 2 };
  const one = balancedKMeansCodes(Z, opts);
  for (const threads of [2, 3, 4]) {
    const many = await balancedKMeansCodesParallel(Z, opts, threads);
    assert.equal(many.nLeaves, one.nLeaves, `${threads} threads`);
    assert.deepEqual(Array.from(many.codes), Array.from(one.codes), `${threads} threads`);
  }
});

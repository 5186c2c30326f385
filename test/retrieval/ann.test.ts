import assert from "node:assert/strict";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { ExactIndex, exactTopK, exactTopK1, exactTopKNaive, normalizeRows } from "../../src/retrieval/exact.js";
import { createResidentScan } from "../../src/retrieval/scan-wasm.js";
import { HnswIndex, parseHnswParams } from "../../src/retrieval/hnsw.js";

function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** n normalised d-dim vectors around `clusters` random centres. */
function clustered(rng: Rng, n: number, d: number, clusters: number, noise: number): Float32Array {
  const centres = Float32Array.from({ length: clusters * d }, () => gauss(rng));
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters);
    for (let j = 0; j < d; j++) out[i * d + j] = centres[c * d + j] + noise * gauss(rng);
  }
  return normalizeRows(out, n, d);
}

/** Small integers: every dot product is exact in float32 whatever the summation order, and ties are common. */
function integers(rng: Rng, len: number): Float32Array {
  return Float32Array.from({ length: len }, () => rng.int(5) - 2);
}

function assertSorted(ids: Int32Array, scores: Float32Array, m: number, k: number): void {
  for (let q = 0; q < m; q++) {
    for (let j = 1; j < k; j++) {
      const a = scores[q * k + j - 1], b = scores[q * k + j];
      assert.ok(a > b || (a === b && (ids[q * k + j] === -1 || ids[q * k + j - 1] < ids[q * k + j])), `row ${q} not sorted at ${j}`);
    }
  }
}

test("exactTopK equals the naive oracle on integer data with ties (GEMM and single-query paths)", () => {
  const rng = new Rng(3);
  for (const [n, d, m, k] of [[300, 7, 70, 10], [1500, 16, 130, 5], [50, 3, 1, 8], [40, 5, 3, 40], [9, 4, 6, 20], [2000, 33, 9, 1]]) {
    const items = integers(rng, n * d), queries = integers(rng, m * d);
    const got = exactTopK(items, n, d, queries, m, k);
    const want = exactTopKNaive(items, n, d, queries, m, k);
    assert.deepEqual(got.ids, want.ids, `ids n=${n} m=${m} k=${k}`);
    assert.deepEqual(got.scores, want.scores, `scores n=${n} m=${m} k=${k}`);
    assertSorted(got.ids, got.scores, m, k);
  }
});

test("ExactIndex equals the naive oracle on integer data with ties, one query at a time and in batches, query after query", () => {
  const rng = new Rng(13);
  for (const [n, d, k] of [[300, 7, 10], [1500, 16, 5], [50, 3, 8], [40, 5, 40], [9, 4, 20], [2000, 33, 1], [700, 224, 20]]) {
    const items = integers(rng, n * d);
    const index = new ExactIndex(items, n, d);
    for (const m of [1, 2, 3, 1, 6]) {
      const queries = integers(rng, m * d);
      const got = index.search(queries, m, k);
      const want = exactTopKNaive(items, n, d, queries, m, k);
      assert.deepEqual(got.ids, want.ids, `ids n=${n} d=${d} m=${m} k=${k}`);
      assert.deepEqual(got.scores, want.scores, `scores n=${n} d=${d} m=${m} k=${k}`);
    }
  }
});

test("the wasm scan kernel scores every item against the query (odd dimensions, query offsets)", () => {
  const rng = new Rng(14);
  for (const d of [1, 3, 4, 8, 13, 40]) {
    const n = 37, items = integers(rng, n * d), q = integers(rng, 3 * d);
    const scan = createResidentScan(items, n, d);
    assert.ok(scan, "kernel available after npm run build");
    const s = scan.score(q, d);
    for (let i = 0; i < n; i++) {
      let want = 0;
      for (let j = 0; j < d; j++) want += items[i * d + j] * q[d + j];
      assert.equal(s[i], want, `d=${d} item ${i}`);
    }
  }
});

test("exactTopK pads rows with -1 / -Infinity when k > n", () => {
  const rng = new Rng(4);
  const items = integers(rng, 3 * 4), queries = integers(rng, 5 * 4);
  for (const m of [1, 5]) {
    const { ids, scores } = exactTopK(items, 3, 4, queries, m, 6);
    assert.equal(ids.length, m * 6);
    for (let q = 0; q < m; q++) {
      assert.deepEqual([...ids.subarray(q * 6 + 3, q * 6 + 6)], [-1, -1, -1]);
      assert.deepEqual([...scores.subarray(q * 6 + 3, q * 6 + 6)], [-Infinity, -Infinity, -Infinity]);
      assert.deepEqual([...ids.subarray(q * 6, q * 6 + 3)].sort(), [0, 1, 2]);
    }
  }
  assert.deepEqual(exactTopK(items, 0, 4, queries, 2, 2).ids, Int32Array.of(-1, -1, -1, -1));
});

test("exactTopK matches the oracle on random normalised data (up to float rounding)", () => {
  const rng = new Rng(5);
  const n = 3000, d = 24, m = 100, k = 10;
  const items = clustered(rng, n, d, 20, 0.7), queries = clustered(rng, m, d, 20, 0.7);
  const got = exactTopK(items, n, d, queries, m, k);
  const want = exactTopKNaive(items, n, d, queries, m, k);
  assertSorted(got.ids, got.scores, m, k);
  let same = 0;
  for (let i = 0; i < m * k; i++) {
    assert.ok(Math.abs(got.scores[i] - want.scores[i]) < 1e-5);
    if (got.ids[i] === want.ids[i]) same++;
  }
  assert.ok(same >= m * k - 4, `only ${same} of ${m * k} ids agree`);
  const one = exactTopK1(items, n, d, queries.subarray(0, d), k);
  assert.deepEqual(one.ids, want.ids.subarray(0, k));
});

function recallAt(approx: Int32Array, exact: Int32Array, m: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < m; q++) {
    const truth = new Set(exact.subarray(q * k, q * k + k));
    for (let j = 0; j < k; j++) if (truth.has(approx[q * k + j])) hit++;
  }
  return hit / (m * k);
}

const rng = new Rng(11);
const N = 2000, D = 32;
const data = clustered(rng, N, D, 40, 0.8);
const M_Q = 200;
const queries = new Float32Array(M_Q * D);
for (let q = 0; q < M_Q; q++) {
  const src = rng.int(N);
  for (let j = 0; j < D; j++) queries[q * D + j] = data[src * D + j] + 0.1 * gauss(rng);
}
normalizeRows(queries, M_Q, D);
const index = HnswIndex.build(data, N, D, { M: 12, efConstruction: 100, seed: 7 });

test("HNSW recall@10 ≥ 0.95 against exact search on clustered data", () => {
  const exact = exactTopK(data, N, D, queries, M_Q, 10);
  const approx = index.searchBatch(queries, M_Q, 10, 64);
  assertSorted(approx.ids, approx.scores, M_Q, 10);
  const r = recallAt(approx.ids, exact.ids, M_Q, 10);
  assert.ok(r >= 0.95, `recall@10 = ${r}`);
  // single-query search agrees with the batch
  const one = index.search(queries.subarray(D, 2 * D), 10, 64);
  assert.deepEqual(one.ids, approx.ids.subarray(10, 20));
  assert.deepEqual(one.scores, approx.scores.subarray(10, 20));
});

test("HNSW is deterministic for a fixed seed", () => {
  const again = HnswIndex.build(data, N, D, { M: 12, efConstruction: 100, seed: 7 });
  assert.deepEqual(again.meta(), index.meta());
  const a = index.toArrays(), b = again.toArrays();
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const key of Object.keys(a)) assert.deepEqual(a[key], b[key], key);
  assert.deepEqual(again.searchBatch(queries, M_Q, 10), index.searchBatch(queries, M_Q, 10));
});

test("HNSW round trip through toArrays/fromArrays gives identical results", () => {
  const meta = JSON.parse(JSON.stringify(index.meta()));
  const arrays = Object.fromEntries(Object.entries(index.toArrays()).map(([k, v]) => [k, v.slice()]));
  const back = HnswIndex.fromArrays(data, meta, arrays);
  for (const ef of [16, 64]) assert.deepEqual(back.searchBatch(queries, M_Q, 10, ef), index.searchBatch(queries, M_Q, 10, ef));
  // corrupt input is rejected
  const bad = { ...arrays, links0: arrays.links0.slice(1) };
  assert.throws(() => HnswIndex.fromArrays(data, meta, bad), XmcError);
});

test("HNSW handles tiny indexes and k larger than n", () => {
  for (const n of [0, 1, 5]) {
    const v = clustered(new Rng(n), n, 8, 2, 0.5);
    const ix = HnswIndex.build(v, n, 8, { seed: 1 });
    const q = clustered(new Rng(99), 1, 8, 1, 0);
    const got = ix.search(q, 7);
    const want = exactTopKNaive(v, n, 8, q, 1, 7);
    assert.deepEqual(got.ids, want.ids);
  }
});

test("HNSW params: defaults, validation, unknown fields rejected", () => {
  assert.deepEqual(parseHnswParams(undefined), { M: 16, efConstruction: 200, efSearch: 64, seed: 1 });
  assert.throws(() => parseHnswParams({ M: 16, efConstruktion: 10 }), /unknown parameter "efConstruktion"/);
  assert.throws(() => parseHnswParams({ M: 1 }), /at least 2/);
  assert.throws(() => parseHnswParams({ efSearch: 2.5 }), /integer/);
  assert.throws(() => HnswIndex.build(data, N, D, { m: 4 }), XmcError);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import { chunkLevel } from "../../src/linear/level-weights.js";
import type { WeightBlock } from "../../src/linear/types.js";
import { BeamSearcher, searchEveryRow } from "../../src/search/beam.js";
import { POST_PROCESSORS, postProcessor, type PostProcessorName } from "../../src/search/postprocess.js";
import { chainFromCodes, type ClusterChain } from "../../src/tree/chain.js";

/** Edge weights from per-edge lists of [feature, value]. */
function edges(cols: [number, number][][]): WeightBlock {
  const colptr = new Int32Array(cols.length + 1);
  const rows: number[] = [];
  const values: number[] = [];
  cols.forEach((c, e) => {
    for (const [f, v] of c.sort((a, b) => a[0] - b[0])) {
      rows.push(f);
      values.push(v);
    }
    colptr[e + 1] = rows.length;
  });
  return { colptr, rows: Int32Array.from(rows), values: Float32Array.from(values) };
}

// root -> clusters {0, 1}; cluster 0 -> labels {0, 1}, cluster 1 -> labels {2, 3}; d = 2, bias id = 2
const chain: ClusterChain = chainFromCodes(Int32Array.of(0, 0, 1, 1), 2, 16);
const weights = [
  chunkLevel(chain[0], edges([[[0, 2]], [[1, 2]]])),
  chunkLevel(chain[1], edges([[[0, 1.5]], [[0, 0.5]], [[1, 3]], [[2, -1]]])),
];
const x = { idx: Int32Array.of(0), val: Float32Array.of(1) };

test("beam search, noop: beam 1 keeps cluster 0 and ranks its labels by raw score", () => {
  const s = new BeamSearcher(chain, weights, 2, 1);
  const r = s.search(x.idx, x.val, 0, 1, { beamSize: 1, topK: 5, post: postProcessor("noop") });
  assert.deepEqual(Array.from(r.labels), [0, 1]);
  assert.deepEqual(Array.from(r.scores), [1.5, 0.5]);
});

test("beam search, l3-hinge: product of exp(-max(0, 1-s)^3) along the path (hand-computed)", () => {
  const s = new BeamSearcher(chain, weights, 2, 1);
  const r = s.search(x.idx, x.val, 0, 1, { beamSize: 2, topK: 4, post: postProcessor("l3-hinge") });
  // level 0: cluster0 s=2 -> 1, cluster1 s=0 -> e^-1. level 1: label0 s=1.5 -> 1, label1 s=.5 -> e^-.125,
  // label2 s=0 -> e^-1 (times e^-1), label3 s=-1 (bias) -> e^-8 (times e^-1)
  assert.deepEqual(Array.from(r.labels), [0, 1, 2, 3]);
  const want = [1, Math.exp(-0.125), Math.exp(-2), Math.exp(-9)];
  want.forEach((w, i) => assert.ok(Math.abs(r.scores[i] - w) < 1e-6, `${i}: ${r.scores[i]} vs ${w}`));
});

test("searchEveryRow: the nodes each row reaches at the last searched level, ascending", () => {
  const X = csrFromRows(2, [[0], [1], [], [0, 1]], [[1], [1], [], [1, 2]]);
  const post = postProcessor("noop");
  // one level, beam 1: the better cluster; an empty row ties at 0 and goes to the lower id
  assert.deepEqual(searchEveryRow(X, chain, weights, 1, { levels: 1, beam: 1, post }).map((r) => Array.from(r)), [[0], [1], [0], [1]]);
  // two levels, beam 4: every label, ascending (not in score order)
  assert.deepEqual(searchEveryRow(X, chain, weights, 1, { levels: 2, beam: 4, post }).map((r) => Array.from(r)), [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
  // two levels, beam 1: row 1 goes to cluster 1, where label 2 (3) beats label 3 (bias, −1)
  assert.deepEqual(Array.from(searchEveryRow(X, chain, weights, 1, { levels: 2, beam: 1, post })[1]), [2]);
});

test("features ≥ dim (the bias id included) are ignored by the search", () => {
  const s = new BeamSearcher(chain, weights, 2, 1);
  const post = postProcessor("l3-hinge");
  const plain = s.search(x.idx, x.val, 0, 1, { beamSize: 2, topK: 4, post });
  const extra = s.search(Int32Array.of(0, 2, 5), Float32Array.of(1, 7, 9), 0, 3, { beamSize: 2, topK: 4, post });
  assert.deepEqual(Array.from(extra.labels), Array.from(plain.labels));
  assert.deepEqual(Array.from(extra.scores), Array.from(plain.scores));
  const X = csrFromRows(6, [[0], [0, 2, 5]], [[1], [1, 7, 9]]);
  assert.deepEqual(s.searchRow(X, 1, { beamSize: 2, topK: 4, post }), plain);
});

test("beam search with a full beam equals exhaustive path scoring; scores are sorted", () => {
  const rng = new Rng(11);
  const L = 60;
  const codes = Int32Array.from({ length: L }, (_, l) => l % 8);
  const ch = chainFromCodes(codes, 8, 4); // 2 -> 8 -> 60
  const d = 30;
  const ws = ch.map((lv) => chunkLevel(lv, edges(Array.from({ length: lv.children.length }, () => Array.from({ length: 5 }, () => [rng.int(d + 1), rng.next() * 2 - 0.5] as [number, number]).filter((v, i, a) => a.findIndex((u) => u[0] === v[0]) === i)))));
  const X = csrFromRows(d, Array.from({ length: 20 }, () => [rng.int(d), rng.int(d), rng.int(d)]), Array.from({ length: 20 }, () => [rng.next(), rng.next(), rng.next()]));
  const s = new BeamSearcher(ch, ws, d, 1);
  const post = postProcessor("sigmoid");
  for (let i = 0; i < X.rows; i++) {
    const r = s.searchRow(X, i, { beamSize: 1000, topK: L, post });
    for (let k = 1; k < r.scores.length; k++) assert.ok(r.scores[k - 1] >= r.scores[k]);
    // exhaustive: score every path
    const exhaustive = new Map<number, number>();
    const walk = (t: number, p: number, acc: number) => {
      const m = s.scoreChildren(t, p, X.indices, X.data, X.indptr[i], X.indptr[i + 1]);
      const raw = Array.from((s as unknown as { acc: Float64Array }).acc.subarray(0, m));
      raw.forEach((v, c) => {
        const node = ch[t].children[ch[t].ptr[p] + c];
        const sc = acc * post.transform(v);
        if (t === ch.length - 1) exhaustive.set(node, sc);
        else walk(t + 1, node, sc);
      });
    };
    walk(0, 0, 1);
    assert.equal(r.labels.length, L);
    for (let k = 0; k < r.labels.length; k++) assert.ok(Math.abs(exhaustive.get(r.labels[k])! - r.scores[k]) < 1e-6);
  }
});

test("whole-level feature indexes and row directories give the same results as searching the chunks (features past dim ignored)", () => {
  const rng = new Rng(5);
  const codes = Int32Array.from({ length: 160 }, (_, l) => l % 32);
  const ch = chainFromCodes(codes, 32, 4); // 2 -> 8 -> 32 -> 160
  const d = 25;
  const ws = ch.map((lv) => chunkLevel(lv, edges(Array.from({ length: lv.children.length }, () => Array.from({ length: 6 }, () => [rng.int(d + 1), rng.next() * 2 - 0.5] as [number, number]).filter((v, i, a) => a.findIndex((u) => u[0] === v[0]) === i)))));
  const dense = new BeamSearcher(ch, ws, d, 1);
  const plain = new BeamSearcher(ch, ws, d, 1, { wholeLevelParents: 0, rowsPerBucket: 0 });
  // row directories of 1 and 3 rows per bucket (d = 25 ids: buckets of 1-8 ids), with and without whole-level indexes
  const dirs = [1, 3].flatMap((rpb) => [0, 100].map((w) => new BeamSearcher(ch, ws, d, 1, { wholeLevelParents: w, rowsPerBucket: rpb })));
  const post = postProcessor("l3-hinge");
  for (let q = 0; q < 30; q++) {
    // sorted distinct features, some past the model's dimension
    const idx = Int32Array.from(new Set(Array.from({ length: 5 }, () => rng.int(d + 4)))).sort();
    const val = Float32Array.from(idx, () => rng.next());
    // beam 3 scores the 32 parents of the last level chunk by chunk, beams 4-9 the whole level at
    // once (a feature's run of about 37 entries there is read only inside the beam's slot ranges
    // when it exceeds 4 per range, else whole; merged neighbouring ranges included)
    for (const beamSize of [3, 4, 6, 9]) {
      const a = dense.search(idx, val, 0, idx.length, { beamSize, topK: 10, post });
      const b = plain.search(idx, val, 0, idx.length, { beamSize, topK: 10, post });
      assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
      assert.deepEqual(Array.from(a.scores), Array.from(b.scores));
      for (const s of dirs) {
        const c = s.search(idx, val, 0, idx.length, { beamSize, topK: 10, post });
        assert.deepEqual(Array.from(c.labels), Array.from(b.labels));
        assert.deepEqual(Array.from(c.scores), Array.from(b.scores));
      }
    }
  }
});

test("a label under two parents is returned once, with its best path score", () => {
  // clusters 0 -> {0, 1}, 1 -> {1, 2}: label 1 has two copies with different weights
  const ch: ClusterChain = [
    { nNodes: 2, nParents: 1, ptr: Int32Array.of(0, 2), children: Int32Array.of(0, 1) },
    { nNodes: 3, nParents: 2, ptr: Int32Array.of(0, 2, 4), children: Int32Array.of(0, 1, 1, 2) },
  ];
  const ws = [chunkLevel(ch[0], edges([[[0, 1]], [[0, 1]]])), chunkLevel(ch[1], edges([[[0, 0.2]], [[0, 0.5]], [[0, 2]], [[0, 0.1]]]))];
  const s = new BeamSearcher(ch, ws, 1, 0);
  const r = s.search(Int32Array.of(0), Float32Array.of(1), 0, 1, { beamSize: 2, topK: 4, post: postProcessor("noop") });
  assert.deepEqual(Array.from(r.labels), [1, 0, 2]);
  assert.deepEqual(Array.from(r.scores).map((v) => Math.round(v * 1e6) / 1e6), [2, 0.2, 0.1]);
});

test("post-processors: lp-hinge transforms are exp(-max(0, 1 - v)^p), exactly 1 (0 in log space) past the margin", () => {
  for (const p of [1, 2, 3, 4]) {
    const lin = postProcessor(`l${p}-hinge` as PostProcessorName);
    const log = postProcessor(`log-l${p}-hinge` as PostProcessorName);
    for (let v = -3; v <= 3; v += 0.125) {
      const want = Math.pow(Math.max(0, 1 - v), p);
      assert.ok(Math.abs(lin.transform(v) - Math.exp(-want)) <= 1e-12 * Math.exp(-want), `l${p}-hinge(${v})`);
      assert.ok(Math.abs(log.transform(v) + want) <= 1e-12 * Math.max(1, want), `log-l${p}-hinge(${v})`);
    }
    assert.equal(lin.transform(1), 1);
    assert.equal(lin.transform(7.5), 1);
    assert.equal(log.transform(2), 0);
    assert.equal(lin.combine(0.5, 0.5), 0.25);
    assert.equal(log.combine(-1, -2), -3);
  }
});

test("parents whose children cannot enter the beam are skipped: the same results as scoring every child", () => {
  const rng = new Rng(17);
  const codes = Int32Array.from({ length: 200 }, (_, l) => l % 40);
  const ch = chainFromCodes(codes, 40, 4); // 4 -> 16 -> 40 -> 200 (roughly)
  const d = 30;
  const ws = ch.map((lv) => chunkLevel(lv, edges(Array.from({ length: lv.children.length }, () => Array.from({ length: 6 }, () => [rng.int(d + 1), rng.next() * 3 - 1] as [number, number]).filter((v, i, a) => a.findIndex((u) => u[0] === v[0]) === i)))));
  const s = new BeamSearcher(ch, ws, d, 1);
  for (const name of POST_PROCESSORS) {
    // combine() is called once per child scored (and once per parent considered)
    let calls = 0;
    const base = postProcessor(name);
    const post = { ...base, combine: (c: number, p: number) => (calls++, base.combine(c, p)) };
    // the same post-processor with no bound on its transform: every child is scored
    let everyCalls = 0;
    const every = { ...base, maxTransform: Infinity, combine: (c: number, p: number) => (everyCalls++, base.combine(c, p)) };
    for (let q = 0; q < 40; q++) {
      const idx = Int32Array.from(new Set(Array.from({ length: 6 }, () => rng.int(d)))).sort();
      const val = Float32Array.from(idx, () => rng.next());
      for (const beamSize of [1, 2, 5, 12]) {
        const a = s.search(idx, val, 0, idx.length, { beamSize, topK: 7, post });
        const b = s.search(idx, val, 0, idx.length, { beamSize, topK: 7, post: every });
        assert.deepEqual(Array.from(a.labels), Array.from(b.labels), `${name} beam ${beamSize}`);
        assert.deepEqual(Array.from(a.scores), Array.from(b.scores), `${name} beam ${beamSize}`);
      }
    }
    // children were skipped, except with noop (its scores have no bound)
    if (name === "noop") assert.equal(calls, everyCalls);
    else assert.ok(calls < everyCalls, `${name}: ${calls} against ${everyCalls}`);
  }
});

test("maxTransform bounds every post-processor's transform", () => {
  for (const name of POST_PROCESSORS) {
    const post = postProcessor(name);
    for (const v of [-50, -3, -1, -0.5, 0, 0.3, 0.999, 1, 1.5, 7, 1e6]) assert.ok(post.transform(v) <= post.maxTransform, `${name} at ${v}`);
  }
});

test("searchRows answers every row as search does: each layout, post-processor, beam, partial depth, labels under two parents", () => {
  const rng = new Rng(23);
  // 3 leaf clusters hold a label twice (copies under two parents), so duplicates are merged too
  const ch0 = chainFromCodes(Int32Array.from({ length: 160 }, (_, l) => l % 32), 32, 4); // 2 -> 8 -> 32 -> 160
  const last = ch0[ch0.length - 1];
  const children = Int32Array.from(last.children);
  children[1] = children[last.ptr[5]]; // a label of cluster 5 also under cluster 0
  const ch: ClusterChain = [...ch0.slice(0, -1), { ...last, children }];
  const d = 25;
  const ws = ch.map((lv) => chunkLevel(lv, edges(Array.from({ length: lv.children.length }, () => Array.from({ length: 6 }, () => [rng.int(d + 1), rng.next() * 2 - 0.5] as [number, number]).filter((v, i, a) => a.findIndex((u) => u[0] === v[0]) === i)))));
  // 60 rows of sorted distinct features, some past the model's dimension, one row empty
  const rows = Array.from({ length: 60 }, (_, r) => (r === 7 ? [] : [...new Set(Array.from({ length: 5 }, () => rng.int(d + 4)))].sort((a, b) => a - b)));
  const X = csrFromRows(d + 4, rows, rows.map((r) => r.map(() => rng.next())));
  const layouts = [{}, { wholeLevelParents: 0, rowsPerBucket: 0 }, { wholeLevelParents: 0, rowsPerBucket: 3 }, { wholeLevelParents: 100, rowsPerBucket: 1 }];
  for (const layout of layouts) {
    const s = new BeamSearcher(ch, ws, d, 1, layout);
    for (const name of ["l3-hinge", "sigmoid", "noop"] as PostProcessorName[]) {
      const post = postProcessor(name);
      for (const o of [{ beamSize: 1, topK: 3 }, { beamSize: 3, topK: 10 }, { beamSize: 6, topK: 4 }, { beamSize: 9, topK: 12 }, { beamSize: 4, topK: 4, levels: 2 }]) {
        const opts = { ...o, post };
        // a batch of all the rows, and one starting inside X
        for (const [r0, r1] of [[0, 60], [13, 41]]) {
          const batch = s.searchRows(X, r0, r1, opts);
          for (let r = r0; r < r1; r++) {
            const one = s.searchRow(X, r, opts);
            assert.deepEqual(Array.from(batch[r - r0].labels), Array.from(one.labels), `${JSON.stringify(layout)} ${name} ${JSON.stringify(o)} row ${r}`);
            assert.deepEqual(Array.from(batch[r - r0].scores), Array.from(one.scores));
          }
        }
      }
    }
  }
});

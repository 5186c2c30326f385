/** The sub-tree recipe (train.subTrees): a meta-tree over K label groups, one sub-tree per group, stitched into one tree. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { silentProgress } from "../../src/core/progress.js";
import type { Dataset } from "../../src/data/dataset.js";
import { evaluate } from "../../src/eval/metrics.js";
import { syntheticXc } from "./xr-linear-toy.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { parseXRLinearParams } from "../../src/methods/xr-linear/params.js";
import { stitchSubTrees, subProblem, trainMetaTree, trainSubTree } from "../../src/methods/xr-linear/sub-trees.js";
import { validateChain } from "../../src/tree/chain.js";

/** Label l fires feature l (plus noise), 64 labels. */
const synthetic = (n: number, seed: number): Dataset => syntheticXc(n, seed, 64);

const small = { tree: { maxLeafSize: 4, nrSplits: 4 } };

test("sub-trees: groups partition the labels, rows go where their labels are, the stitched tree is one valid tree", async () => {
  const data = synthetic(500, 1);
  const p = parseXRLinearParams({ ...small, train: { subTrees: 4 }, ensemble: { trees: 1 } });
  const X = data.X!;
  const Y = data.Y;
  const o = { threads: 1, progress: silentProgress };
  const meta = await trainMetaTree(X, Y, p, 0, o);
  assert.equal(meta.groupLabels.length, 4);
  const all = meta.groupLabels.flatMap((g) => [...g]).sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 64 }, (_, l) => l), "every label in exactly one group");
  for (const g of meta.groupLabels) assert.equal(g.length, 16, "balanced groups");
  // with tfn negatives a group's rows are exactly those having one of its labels
  meta.groupLabels.forEach((labels, g) => {
    const want: number[] = [];
    const set = new Set(labels);
    for (let i = 0; i < Y.rows; i++) {
      for (let q = Y.indptr[i]; q < Y.indptr[i + 1]; q++) if (set.has(Y.indices[q])) {
        want.push(i);
        break;
      }
    }
    assert.deepEqual([...meta.groupRows[g]], want);
  });
  assert.equal(meta.subDepth, 2, "16 labels, leaves of at most 4: 4 leaf clusters per sub-tree");
  const subs = [];
  for (let g = 0; g < 4; g++) {
    const s = subProblem(X, Y, meta.groupRows[g], meta.groupLabels[g]);
    subs.push(await trainSubTree(s.X, s.Y, p, { tree: 0, group: g, subDepth: meta.subDepth, nTrain: X.rows }, o));
  }
  const tree = stitchSubTrees(meta, subs, 64);
  validateChain(tree.chain, 64);
  // root → 4 groups → 16 leaf clusters → 64 labels; every label under its own group
  assert.deepEqual(tree.chain.map((lv) => lv.nNodes), [4, 16, 64]);
  const leaves = tree.chain[2];
  const clusters = tree.chain[1];
  for (let g = 0; g < 4; g++) {
    const under: number[] = [];
    for (let e = clusters.ptr[g]; e < clusters.ptr[g + 1]; e++) {
      const c = clusters.children[e];
      for (let q = leaves.ptr[c]; q < leaves.ptr[c + 1]; q++) under.push(leaves.children[q]);
    }
    assert.deepEqual(under.sort((a, b) => a - b), [...meta.groupLabels[g]]);
  }
});

test("sub-trees: trains a model as accurate as one ordinary tree on an easy problem, and the default is unchanged", async () => {
  const data = synthetic(800, 2);
  const testDs = synthetic(300, 3);
  const plain = await XRLinearModel.train(data, { ...small, ensemble: { trees: 1 } }, { threads: 1 });
  const unset = await XRLinearModel.train(data, { ...small, ensemble: { trees: 1 }, train: { subTrees: 1 } }, { threads: 1 });
  const split = await XRLinearModel.train(data, { ...small, ensemble: { trees: 1 }, train: { subTrees: 4 } }, { threads: 2 });
  const X = plain.featurize(testDs);
  assert.deepEqual(unset.predict(X), plain.predict(X), "subTrees 1 is the ordinary tree");
  const p1 = (m: XRLinearModel) => evaluate(m.predict(X), testDs.Y, { ks: [1] })["P@1"];
  assert.ok(p1(split) >= p1(plain) - 3, `P@1 ${p1(split)} with 4 sub-trees, ${p1(plain)} with one tree`);
  assert.ok(p1(split) > 80, `P@1 ${p1(split)}`);
  // the stitched tree saves and loads as an ordinary model
  const dir = mkdtempSync(join(tmpdir(), "xmc-subtrees-"));
  try {
    split.save(join(dir, "m.xmc"));
    assert.deepEqual(XRLinearModel.load(join(dir, "m.xmc")).predict(X), split.predict(X));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sub-trees: settings that cannot apply are errors", async () => {
  assert.throws(() => parseXRLinearParams({ train: { subTrees: 3 } }), /train\.subTrees: must be a power of two, got 3/);
  const data = synthetic(200, 4);
  await assert.rejects(XRLinearModel.train(data, { train: { subTrees: 4 }, disentangle: { labelCopies: 2 } }, { threads: 1 }), (e: unknown) => e instanceof XmcError && /label copies/.test(e.message));
  await assert.rejects(XRLinearModel.train(data, { train: { subTrees: 64 } }, { threads: 1 }), (e: unknown) => e instanceof XmcError && /64 sub-trees need at least 128 labels/.test(e.message));
});

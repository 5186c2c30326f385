/**
 * Loading a tree model on two threads (search/tree-load.ts): with the whole-file limit lowered,
 * a small model takes the path of a multi-GB one, the later trees decoded on a helper thread.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { readFileBytes, readModelFile, setModelIoLimits } from "../../src/model/file.js";
import { decodeHeader } from "../../src/model/format.js";
import { searchLookup } from "../../src/search/beam.js";
import { decodeDeferredTrees, deferLaterTrees } from "../../src/search/tree-load.js";
import type { TreeShapes } from "../../src/search/tree-arrays.js";
import { syntheticXc } from "../methods/xr-linear-toy.js";

const twoCores = availableParallelism() >= 2;

test("a model read array by array decodes its later trees on a helper thread: the same trees, lookups and predictions", async () => {
  const data = syntheticXc(300, 5, 40);
  const m = await XRLinearModel.train(data, { tree: { maxLeafSize: 4, nrSplits: 4 }, ensemble: { trees: 3 } }, { threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), "xmc-test-"));
  const path = join(dir, "m.xmc");
  m.save(path);
  const ref = XRLinearModel.load(path); // one buffer, one thread
  const prev = setModelIoLimits({ wholeFile: 64 });
  try {
    const read = readModelFile(path, deferLaterTrees);
    if (twoCores) {
      const names = Object.keys(read.deferred!.entries);
      assert.ok(names.length > 0 && names.every((k) => k.startsWith("tree.2.")), "the third tree of three is deferred");
      assert.ok(Object.keys(read.arrays).every((k) => !k.startsWith("tree.2.")));
      // the helper's work run on this thread (the fallback) gives the same trees
      const here = decodeDeferredTrees({ deferred: read.deferred!, shapes: (read.header.trees as TreeShapes).slice(2), first: 2, dims: [m.dim], where: path, shared: false });
      assert.deepEqual(here[0].weights, ref.trees[2].weights);
    } else assert.equal(read.deferred, undefined, "one core: nothing is deferred");
    const back = XRLinearModel.load(path);
    const X = m.featurize(data);
    assert.deepEqual(back.predict(X), m.predict(X));
    back.trees.forEach((t, i) => {
      assert.deepEqual(t.weights, ref.trees[i].weights, `tree ${i}`);
      assert.deepEqual(t.chain, ref.trees[i].chain, `tree ${i}`);
      if (twoCores) assert.deepEqual(t.lookup, searchLookup(t.chain, t.weights, m.dim), `tree ${i}: lookups as built on one thread`);
    });
    // a corrupt array of the helper's tree is the same one-line error as one read on this thread
    const bytes = readFileBytes(path);
    const { index, dataStart } = decodeHeader(bytes, path);
    const bad = bytes.slice();
    bad[dataStart + index["tree.2.1.entVal"].offset + 1] ^= 1;
    writeFileSync(join(dir, "bad.xmc"), bad);
    assert.throws(() => XRLinearModel.load(join(dir, "bad.xmc")), (e: unknown) => e instanceof XmcError && /bad\.xmc: array "tree\.2\.1\.entVal" fails its checksum/.test(e.message));
  } finally {
    setModelIoLimits(prev);
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { chunkLevel } from "../../src/linear/level-weights.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { readModelFile, writeModelFile } from "../../src/model/file.js";
import type { TypedArray } from "../../src/model/format.js";
import { addTreeArrays, decodeRowFeatures, encodeRowFeatures, treesFromArrays, treeShapes } from "../../src/search/tree-arrays.js";
import { chainFromCodes } from "../../src/tree/chain.js";
import { syntheticXc } from "../methods/xr-linear-toy.js";

test("row features: varint steps round-trip (empty chunks, steps of 1-4 bytes); bad bytes are errors", () => {
  const rng = new Rng(3);
  const sizes = [0, 5, 1, 0, 40, 200, 0];
  const chunkPtr = new Int32Array(sizes.length + 1);
  const feats: number[] = [];
  sizes.forEach((n, p) => {
    let f = rng.int(3) === 0 ? 1 << 22 : rng.int(300);
    for (let r = 0; r < n; r++) {
      feats.push(f);
      f += 1 + (r % 3 === 0 ? rng.int(1 << (7 * (1 + (r % 4)))) : rng.int(100));
    }
    chunkPtr[p + 1] = feats.length;
  });
  const rowFeat = Int32Array.from(feats);
  const bytes = encodeRowFeatures(chunkPtr, rowFeat);
  assert.ok(bytes.length < rowFeat.length * 4);
  assert.deepEqual(decodeRowFeatures(chunkPtr, bytes, "x"), rowFeat);
  // hand-checked: one chunk [3, 130, 131] -> steps 3, 127, 1; two chunks [200], [5] -> 200 = 0xc8 0x01, 5
  assert.deepEqual(Array.from(encodeRowFeatures(Int32Array.of(0, 3), Int32Array.of(3, 130, 131))), [3, 127, 1]);
  assert.deepEqual(Array.from(encodeRowFeatures(Int32Array.of(0, 1, 2), Int32Array.of(200, 5))), [0xc8, 0x01, 5]);
  assert.throws(() => decodeRowFeatures(chunkPtr, bytes.subarray(0, bytes.length - 1), "x"), XmcError);
  assert.throws(() => decodeRowFeatures(chunkPtr, Uint8Array.from([...bytes, 0]), "x"), /bytes past the last row/);
  assert.throws(() => decodeRowFeatures(Int32Array.of(0, 2), Uint8Array.of(4, 0), "x"), /repeats the feature/);
});

/** A two-level tree over 40 labels with random weights on 300 features. */
function randomTree(seed: number, width: number) {
  const rng = new Rng(seed);
  const L = 40;
  const chain = chainFromCodes(Int32Array.from({ length: L }, (_, l) => l % 4), 4, width);
  const weights = chain.map((lv) => {
    const colptr = new Int32Array(lv.children.length + 1);
    const rows: number[] = [];
    const values: number[] = [];
    for (let e = 0; e < lv.children.length; e++) {
      for (const f of [...new Set(Array.from({ length: 8 }, () => rng.int(301)))].sort((a, b) => a - b)) {
        rows.push(f);
        values.push(rng.next() - 0.5);
      }
      colptr[e + 1] = rows.length;
    }
    return chunkLevel(lv, { colptr, rows: Int32Array.from(rows), values: Float32Array.from(values) });
  });
  return { chain, weights };
}

test("tree arrays: the compact arrays give back the same tree; files with plain rowFeat / rowPtr load too", () => {
  const trees = [randomTree(1, 16), randomTree(2, 16)];
  const arrays: Record<string, TypedArray> = {};
  addTreeArrays(trees, arrays);
  assert.ok(arrays["tree.0.1.rowCounts"] instanceof Uint8Array);
  assert.ok(arrays["tree.0.1.entChild"] instanceof Uint8Array);
  assert.ok(arrays["tree.1.0.rowFeatDeltas"] instanceof Uint8Array);
  assert.equal(arrays["tree.0.0.rowFeat"], undefined);
  const need = (k: string) => {
    if (!arrays[k]) throw new Error(`missing ${k}`);
    return arrays[k];
  };
  const back = treesFromArrays(treeShapes(trees), need, (k) => arrays[k] !== undefined);
  const plain = (w: (typeof trees)[number]["weights"][number]) => ({ ...w, entChild: Array.from(w.entChild) });
  assert.deepEqual(back.map((t) => t.weights.map(plain)), trees.map((t) => t.weights.map(plain)));
  assert.deepEqual(back.map((t) => t.chain), trees.map((t) => t.chain));
  // the layout written before: rowFeat and rowPtr as they are in memory
  const old: Record<string, TypedArray> = {};
  trees.forEach((t, i) =>
    t.chain.forEach((lv, l) => {
      const pre = `tree.${i}.${l}`;
      Object.assign(old, { [`${pre}.ptr`]: lv.ptr, [`${pre}.children`]: lv.children, [`${pre}.chunkPtr`]: t.weights[l].chunkPtr, [`${pre}.rowFeat`]: t.weights[l].rowFeat, [`${pre}.rowPtr`]: t.weights[l].rowPtr, [`${pre}.entChild`]: t.weights[l].entChild, [`${pre}.entVal`]: t.weights[l].entVal });
    }),
  );
  const fromOld = treesFromArrays(treeShapes(trees), (k) => old[k], (k) => old[k] !== undefined);
  assert.deepEqual(fromOld.map((t) => t.weights.map(plain)), trees.map((t) => t.weights.map(plain)));
  // row counts that do not add up to the weights are an error naming the array
  const bad: Record<string, TypedArray> = { ...arrays, "tree.0.1.rowCounts": Uint8Array.from(arrays["tree.0.1.rowCounts"] as Uint8Array, (c, r) => (r === 0 ? c + 1 : c)) };
  assert.throws(() => treesFromArrays(treeShapes(trees), (k) => bad[k], (k) => bad[k] !== undefined, "m.xmc"), /^XmcError: m\.xmc: model array "tree\.0\.1\.rowCounts": the rows hold/);
});

test("an XR-Linear model file in the plain layout (written before) loads and predicts the same", async () => {
  const data = syntheticXc(200, 4, 24);
  const m = await XRLinearModel.train(data, { tree: { maxLeafSize: 4, nrSplits: 4 }, ensemble: { trees: 2 } }, { threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), "xmc-test-"));
  try {
    const path = join(dir, "m.xmc");
    m.save(path);
    const { header, arrays } = readModelFile(path);
    const old: Record<string, TypedArray> = {};
    for (const [k, a] of Object.entries(arrays)) if (!/\.(rowFeatDeltas|rowCounts)$/.test(k)) old[k] = a;
    m.trees.forEach((t, i) =>
      t.weights.forEach((w, l) => {
        old[`tree.${i}.${l}.rowFeat`] = w.rowFeat;
        old[`tree.${i}.${l}.rowPtr`] = w.rowPtr;
        old[`tree.${i}.${l}.entChild`] = w.entChild;
      }),
    );
    writeModelFile(join(dir, "old.xmc"), header, old);
    const X = m.featurize(data);
    assert.deepEqual(XRLinearModel.load(join(dir, "old.xmc")).predict(X), m.predict(X));
    assert.deepEqual(XRLinearModel.load(path).predict(X), m.predict(X));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

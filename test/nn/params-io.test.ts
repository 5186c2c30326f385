/** Parameter files: round trip, shape checks, corrupt files. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { xavierUniform, embeddingTable } from "../../src/nn/init.js";
import { loadInto, loadParams, saveParams } from "../../src/nn/params-io.js";
import { Tensor } from "../../src/nn/tensor.js";

test("save/load round trip: tensors, extra arrays and meta come back identical", () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-nn-"));
  try {
    const rng = new Rng(1);
    const w = xavierUniform([5, 7], rng, "enc.w");
    const e = embeddingTable(11, 3, rng, 0.25, "emb", 0);
    const steps = Int32Array.from([1, 2, 3]);
    const base = join(dir, "ckpt.xmc");
    saveParams(base, [w, e, { name: "opt.steps", data: steps }], { epoch: 4, note: "x" });
    const loaded = loadParams(base);
    assert.deepEqual(loaded.meta, { epoch: 4, note: "x" });
    assert.deepEqual(loaded.arrays.get("opt.steps")!.data, steps);
    const w2 = Tensor.zeros([5, 7], { name: "enc.w" });
    const e2 = Tensor.zeros([11, 3], { name: "emb" });
    loadInto(loaded, [w2, e2]);
    assert.deepEqual(w2.data, w.data);
    assert.deepEqual(e2.data, e.data);
    assert.throws(() => loadInto(loaded, [Tensor.zeros([7, 5], { name: "enc.w" })]), /stored as \[5, 7\]/);
    assert.throws(() => loadInto(loaded, [Tensor.zeros([1], { name: "nope" })]), XmcError);
    const bytes = readFileSync(base);
    bytes[bytes.length - 5] ^= 0xff; // inside the last array
    writeFileSync(base, bytes);
    assert.throws(() => loadParams(base), /array "opt.steps" fails its checksum/);
    assert.throws(() => loadParams(join(dir, "missing")), XmcError);
    assert.throws(() => saveParams(base, [w, w]), /two arrays/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import { applyLabelSpace, defaultLabelNames, mapLabelSpace } from "../../src/data/labels.js";
import { labelRows } from "./fixtures.js";

describe("label spaces", () => {
  it("is the identity without a fixed label space", () => {
    const s = mapLabelSpace(["a", "b"]);
    assert.deepEqual(s.names, ["a", "b"]);
    assert.deepEqual([...s.remap], [0, 1]);
    assert.equal(s.known, 2);
    assert.equal(s.identity, true);
  });

  it("maps names through a fixed space and appends unknown ones", () => {
    const s = mapLabelSpace(["a", "b", "c"], ["c", "a"]);
    assert.deepEqual(s.names, ["c", "a", "b"]);
    assert.deepEqual([...s.remap], [1, 2, 0]);
    assert.equal(s.known, 2);
  });

  it("leaves out unused unknown labels", () => {
    const s = mapLabelSpace(["a", "b", "c"], ["a"], new Uint8Array([1, 0, 1]));
    assert.deepEqual(s.names, ["a", "c"]);
    assert.deepEqual([...s.remap], [0, -1, 1]);
  });

  it("rewrites a label matrix with sorted rows", () => {
    const Y = csrFromRows(3, [[0, 2], [1], []]);
    const r = applyLabelSpace(Y, defaultLabelNames(3), ["2", "9", "0"]);
    assert.deepEqual(r.labelNames, ["2", "9", "0", "1"]);
    assert.equal(r.knownLabels, 3);
    assert.equal(r.Y.cols, 4);
    assert.deepEqual(labelRows(r.Y), [[0, 2], [3], []]);
  });
});

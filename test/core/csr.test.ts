import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows, groupBy, RowSetBuilder, transpose, transposePattern } from "../../src/core/csr.js";

test("groupBy: positions grouped by key, ascending within a group, empty groups kept", () => {
  const { ptr, order } = groupBy(Int32Array.of(2, 0, 2, 1, 0, 2), 4);
  assert.deepEqual(Array.from(ptr), [0, 2, 3, 6, 6]);
  assert.deepEqual(Array.from(order), [1, 4, 3, 0, 2, 5]);
  const none = groupBy(new Int32Array(0), 2);
  assert.deepEqual(Array.from(none.ptr), [0, 0, 0]);
  assert.equal(none.order.length, 0);
});

test("transposePattern: column → rows ascending, with the source positions", () => {
  // rows: 0 → {1, 3}, 1 → {}, 2 → {0, 1}
  const indptr = Int32Array.of(0, 2, 2, 4);
  const indices = Int32Array.of(1, 3, 0, 1);
  const { ptr, idx, order } = transposePattern(indptr, indices, 3, 4);
  assert.deepEqual(Array.from(ptr), [0, 1, 3, 3, 4]);
  assert.deepEqual(Array.from(idx), [2, 0, 2, 0]);
  assert.deepEqual(Array.from(order), [2, 0, 3, 1]);
});

test("transpose: values carried along, and transposing twice gives the matrix back", () => {
  const m = csrFromRows(4, [[3, 1], [], [0, 1]], [[5, 2], [], [7, 9]]);
  const t = transpose(m);
  assert.equal(t.rows, 4);
  assert.equal(t.cols, 3);
  assert.deepEqual(Array.from(t.indptr), [0, 1, 3, 3, 4]);
  assert.deepEqual(Array.from(t.indices), [2, 0, 2, 0]);
  assert.deepEqual(Array.from(t.data), [7, 2, 9, 5]);
  const back = transpose(t);
  assert.deepEqual(back, m);
});

test("RowSetBuilder: each row's distinct ids, sorted; empty rows keep their place", () => {
  const b = new RowSetBuilder(3, 5);
  for (const id of [4, 1, 4, 0, 1]) b.add(id);
  b.endRow();
  b.endRow();
  for (const id of [1, 1, 3]) b.add(id); // ids seen in an earlier row count again
  b.endRow();
  assert.deepEqual(Array.from(b.ptr), [0, 3, 3, 5]);
  assert.deepEqual(Array.from(b.indices()), [0, 1, 4, 1, 3]);
});

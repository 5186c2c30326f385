/**
 * Lexical neighbours (PRIME, SyncXML) on hand-checked documents: the TF-IDF weights of a text and the
 * posting-list search (order, cosines, padding, tokens outside the index).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LexicalIndex, lexicalVector } from "../../src/retrieval/lexical.js";

const idf = Float32Array.of(1, 1, 2, 1);

test("lexicalVector: (1 + ln tf) · idf per token, sorted ids, L2-normalised", () => {
  const v = lexicalVector(Int32Array.of(3, 2, 2), idf);
  assert.deepEqual(Array.from(v.ids), [2, 3]);
  const a = (1 + Math.log(2)) * 2, b = 1, n = Math.hypot(a, b);
  assert.ok(Math.abs(v.weights[0] - a / n) < 1e-6);
  assert.ok(Math.abs(v.weights[1] - b / n) < 1e-6);
  const empty = lexicalVector(new Int32Array(0), idf);
  assert.equal(empty.ids.length, 0);
});

test("LexicalIndex: the k training queries of highest TF-IDF cosine, padded when fewer share a token", () => {
  // q0 = {0, 1}, q1 = {2, 2, 3}, q2 = {1}
  const index = LexicalIndex.build([Int32Array.of(0, 1), Int32Array.of(2, 2, 3), Int32Array.of(1)], idf, 4);
  assert.deepEqual(Array.from(index.indptr), [0, 1, 3, 4, 5]);
  const r = index.search([Int32Array.of(1, 2), Int32Array.of(3, 3)], idf, 2);
  // query {1, 2}: weights (1, 2)/√5
  const a = (1 + Math.log(2)) * 2, n1 = Math.hypot(a, 1);
  const cos = [(1 / Math.sqrt(5)) * (1 / Math.SQRT2), (2 / Math.sqrt(5)) * (a / n1), 1 / Math.sqrt(5)];
  assert.deepEqual(Array.from(r.ids), [1, 2, 1, -1]);
  assert.ok(Math.abs(r.scores[0] - cos[1]) < 1e-6 && Math.abs(r.scores[1] - cos[2]) < 1e-6);
  // query {3}: only q1 shares a token
  assert.ok(Math.abs(r.scores[2] - 1 / n1) < 1e-6);
  assert.equal(r.scores[3], -Infinity);
  // a token outside the index is ignored; k larger than the index is clipped
  const r2 = index.search([Int32Array.of(0, 9)], idf, 10);
  assert.deepEqual(Array.from(r2.ids), [0, -1, -1]);
});

test("LexicalIndex: inconsistent posting arrays are an error", () => {
  assert.throws(() => new LexicalIndex(2, Int32Array.of(0, 1), Int32Array.of(5), Float32Array.of(1)), /query id 5/);
  assert.throws(() => new LexicalIndex(2, Int32Array.of(0, 2), Int32Array.of(0), Float32Array.of(1)), /inconsistent/);
});

/**
 * PRIME's word-pair ids on hand-checked texts: which pairs are kept (count, stop words removed,
 * unknown words break a pair, the cap), the ids of a text (words first, then pairs, truncation),
 * and the initial pair rows.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PrimeTokens } from "../../src/methods/prime/tokens.js";
import { TokenVocab } from "../../src/text/vocab.js";

const texts = ["red apple pie", "the red apple", "green apple pie", "red apple"];
// word counts: apple 4, red 3, pie 2, green 1 → ids 2 apple, 3 red, 4 pie, 5 green ("the" is a stop word)
const vocab = TokenVocab.build(texts, { maxVocab: 100, minCount: 1, stopWords: true });

test("word pairs: counted after stop-word removal, kept from minCount, most frequent first", () => {
  assert.deepEqual(vocab.words, ["<PAD/>", "<UNK/>", "apple", "red", "pie", "green"]);
  const t = PrimeTokens.build(vocab, texts, { minCount: 2, maxPairs: 10, maxTokens: 32 });
  // red apple ×3, apple pie ×2, green apple ×1 (dropped)
  assert.deepEqual(Array.from(t.pairs), [3, 2, 2, 4]);
  assert.equal(t.size, 6 + 2);
  assert.deepEqual(Array.from(t.doc("The red apple pie")), [3, 2, 4, 6, 7]);
  // an unknown word between two known ones breaks the pair; no pair for "apple red"
  assert.deepEqual(Array.from(t.doc("red banana apple red")), [3, 2, 3]);
  // the cap keeps the most frequent pair
  assert.deepEqual(Array.from(PrimeTokens.build(vocab, texts, { minCount: 1, maxPairs: 1, maxTokens: 32 }).pairs), [3, 2]);
  // minCount 0: words only, as before pairs existed
  const words = PrimeTokens.build(vocab, texts, { minCount: 0, maxPairs: 10, maxTokens: 32 });
  assert.equal(words.nPairs, 0);
  assert.deepEqual(Array.from(words.doc("red apple pie")), [3, 2, 4]);
});

test("word pairs: a text keeps its first maxTokens known words and the pairs among them", () => {
  const t = PrimeTokens.build(vocab, texts, { minCount: 2, maxPairs: 10, maxTokens: 2 });
  assert.deepEqual(Array.from(t.doc("red apple pie")), [3, 2, 6]);
  assert.deepEqual(Array.from(t.doc("zzz yyy")), []);
});

test("word pairs: a pair's row starts as the mean of its words' rows", () => {
  const t = PrimeTokens.build(vocab, texts, { minCount: 2, maxPairs: 10, maxTokens: 32 });
  const d = 2;
  const table = new Float32Array(t.size * d);
  for (let r = 0; r < 6; r++) table.set([r, 10 * r], r * d);
  t.initPairRows(table, d);
  assert.deepEqual(Array.from(table.subarray(6 * d)), [2.5, 25, 3, 30]);
});

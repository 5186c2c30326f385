import { test } from "node:test";
import assert from "node:assert/strict";
import {
  analyze,
  charNgrams,
  charWbNgrams,
  displayNgram,
  NGRAM_SEP,
  normalizeText,
  prepareCharText,
  tokenize,
  wordNgrams,
} from "../../src/text/tokenizer.js";

test("tokenize: ASCII punctuation, upper case, digits, underscore", () => {
  assert.deepEqual(tokenize("Hello, WORLD! it's e-mail_address 3.14 (x)"), [
    "hello",
    "world",
    "it",
    "s",
    "e",
    "mail_address",
    "3",
    "14",
    "x",
  ]);
  assert.deepEqual(tokenize("  \t\n "), []);
  assert.deepEqual(tokenize(""), []);
  assert.deepEqual(tokenize("Hello WORLD", { lowercase: false }), ["Hello", "WORLD"]);
});

test("tokenize: accents, NFKC (combining marks, full-width, ligatures), other scripts", () => {
  assert.deepEqual(tokenize("Café Déjà-vu, naïve RÉSUMÉ!"), ["café", "déjà", "vu", "naïve", "résumé"]);
  // "e" + U+0301 COMBINING ACUTE composes to the same token as precomposed "é".
  assert.deepEqual(tokenize("Cafe\u0301"), ["café"]);
  assert.equal(tokenize("Cafe\u0301")[0], "caf\u00e9");
  assert.deepEqual(tokenize("ＡＢＣ１２３ ﬁne"), ["abc123", "fine"]);
  assert.deepEqual(tokenize("Ελληνικά Русский עברית"), ["ελληνικά", "русский", "עברית"]);
  assert.deepEqual(tokenize("I❤NY 😀ok"), ["i", "ny", "ok"]);
  // Marks of Indic scripts stay inside the word.
  assert.deepEqual(tokenize("हिन्दी भाषा"), ["हिन्दी", "भाषा"]);
  // Astral-plane letters are fine.
  assert.deepEqual(tokenize("𐌰𐌱 x"), ["𐌰𐌱", "x"]);
});

test("tokenize: CJK ideographs and kana become single-character tokens; Hangul keeps words", () => {
  assert.deepEqual(tokenize("東京タワーは高い。"), ["東", "京", "タ", "ワ", "ー", "は", "高", "い"]);
  assert.deepEqual(tokenize("abc中文def"), ["abc", "中", "文", "def"]);
  assert.deepEqual(tokenize("한국어 텍스트"), ["한국어", "텍스트"]);
});

test("tokenize: truncation keeps the first T tokens", () => {
  assert.deepEqual(tokenize("a b c d e", { truncateLength: 3 }), ["a", "b", "c"]);
  assert.deepEqual(tokenize("中文字 x", { truncateLength: 2 }), ["中", "文"]);
  assert.deepEqual(tokenize("a b", { truncateLength: 0 }), ["a", "b"]);
  assert.deepEqual(tokenize("a b", { truncateLength: 5 }), ["a", "b"]);
});

test("normalizeText", () => {
  assert.equal(normalizeText("ＡＢ"), "ab");
  assert.equal(normalizeText("ＡＢ", false), "AB");
  assert.equal(normalizeText("Plain ASCII"), "plain ascii");
});

test("word n-grams on a hand example", () => {
  const g = wordNgrams(["a", "b", "c"], 1, 2);
  assert.deepEqual(g, ["a", "b", "c", `a${NGRAM_SEP}b`, `b${NGRAM_SEP}c`]);
  assert.deepEqual(wordNgrams(["a", "b", "c"], 2, 3), [`a${NGRAM_SEP}b`, `b${NGRAM_SEP}c`, `a${NGRAM_SEP}b${NGRAM_SEP}c`]);
  assert.deepEqual(wordNgrams(["a"], 2, 3), []);
  assert.equal(displayNgram(`a${NGRAM_SEP}b`), "a b");
  assert.deepEqual(analyze("The cat, the hat", { analyzer: "word", ngramMin: 2, ngramMax: 2 }).map(displayNgram), [
    "the cat",
    "cat the",
    "the hat",
  ]);
});

test("char_wb n-grams on a hand example (sklearn semantics)", () => {
  assert.deepEqual(charWbNgrams(["ab"], 2, 3), [" a", "ab", "b ", " ab", "ab "]);
  // n = padded length: the whole padded word once, longer n skipped.
  assert.deepEqual(charWbNgrams(["ab"], 3, 6), [" ab", "ab ", " ab "]);
  assert.deepEqual(charWbNgrams(["a"], 3, 5), [" a "]);
  assert.deepEqual(charWbNgrams(["hi", "yo"], 3, 3), [" hi", "hi ", " yo", "yo "]);
  // Code points, not UTF-16 units.
  assert.deepEqual(charWbNgrams(["𐌰b"], 2, 2), [" 𐌰", "𐌰b", "b "]);
  assert.deepEqual(analyze("Hi, YO!", { analyzer: "char_wb", ngramMin: 3, ngramMax: 3 }), [" hi", "hi ", " yo", "yo "]);
});

test("char n-grams over the normalised text", () => {
  assert.equal(prepareCharText("  Ab\n\tC  "), "ab c");
  assert.equal(prepareCharText("a b c d", { truncateLength: 2 }), "a b");
  assert.deepEqual(charNgrams("ab c", 2, 3), ["ab", "b ", " c", "ab ", "b c"]);
  assert.deepEqual(charNgrams("a𐌰", 1, 2), ["a", "𐌰", "a𐌰"]);
  assert.deepEqual(analyze("A-b", { analyzer: "char", ngramMin: 2, ngramMax: 2 }), ["a-", "-b"]);
  // Lone surrogates become U+FFFD.
  assert.equal(prepareCharText("a\uD800b"), "a\uFFFDb");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { hstack, normalizeRowsL2 } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { DEFAULT_TEXT_FEATURES } from "../../src/text/defaults.js";
import { parseStackedParams, StackedVectorizer } from "../../src/text/stack.js";
import { TfidfVectorizer } from "../../src/text/tfidf.js";

const TRAIN = ["Red apple pie", "green apple", "pie in the sky", "the sky is red", "apples and pies"];
const TEST = ["red apple in the sky", "blue pies", ""];
const PARAMS = {
  vectorizers: [
    { analyzer: "word", ngramMin: 1, ngramMax: 2 },
    { analyzer: "char_wb", ngramMin: 3, ngramMax: 4, norm: "none" },
  ],
};

test("stacked: offsets, h-stacking and row re-normalisation", () => {
  const s = new StackedVectorizer(PARAMS);
  const X = s.fitTransform(TRAIN);
  const w = new TfidfVectorizer(PARAMS.vectorizers[0]).fit(TRAIN);
  const c = new TfidfVectorizer(PARAMS.vectorizers[1]).fit(TRAIN);
  assert.deepEqual(Array.from(s.offsets), [0, w.nFeatures, w.nFeatures + c.nFeatures]);
  assert.equal(s.nFeatures, w.nFeatures + c.nFeatures);
  assert.equal(X.cols, s.nFeatures);
  assert.deepEqual(s.featureNames(), [...w.featureNames(), ...c.featureNames()]);
  const expected = normalizeRowsL2(hstack([w.transform(TRAIN), c.transform(TRAIN)]));
  assert.deepEqual(X, expected);
  for (let r = 0; r < X.rows; r++) {
    let ss = 0;
    for (let k = X.indptr[r]; k < X.indptr[r + 1]; k++) ss += X.data[k] * X.data[k];
    assert.ok(Math.abs(ss - 1) < 1e-5, `row ${r} norm^2 ${ss}`);
    // Second block starts at offset nFeatures(word).
    for (let k = X.indptr[r]; k < X.indptr[r + 1]; k++) if (k > X.indptr[r]) assert.ok(X.indices[k - 1] < X.indices[k]);
  }
  const T = s.transform(TEST);
  assert.deepEqual(T, normalizeRowsL2(hstack([w.transform(TEST), c.transform(TEST)])));
  assert.equal(T.indptr[3] - T.indptr[2], 0);
});

test("stacked: save/load and toJSON/fromJSON give identical output", () => {
  const s = new StackedVectorizer(PARAMS).fit(TRAIN);
  const expected = s.transform(TEST);
  const saved = s.save();
  assert.deepEqual(Object.keys(saved.arrays), ["idf.0", "idf.1"]);
  assert.equal(saved.vocab.length, s.nFeatures);
  const meta = JSON.parse(JSON.stringify(saved.meta));
  const loaded = StackedVectorizer.load({ meta, arrays: saved.arrays, vocab: [...saved.vocab] });
  assert.deepEqual(loaded.transform(TEST), expected);
  assert.deepEqual(loaded.params, s.params);
  const fromJson = StackedVectorizer.fromJSON(JSON.parse(JSON.stringify(s)));
  assert.deepEqual(fromJson.transform(TEST), expected);
  assert.throws(() => StackedVectorizer.load({ ...saved, vocab: saved.vocab.slice(1) }), XmcError);
  assert.throws(() => StackedVectorizer.load({ ...saved, arrays: {} }), /idf/);
});

test("stacked: params validation names unknown keys per entry", () => {
  assert.throws(() => new StackedVectorizer({ vectorizers: [{ analyzer: "word" }, { ngramMax: 2, sublinear: true }] }), (e: unknown) => {
    return e instanceof XmcError && e.message.includes("vectorizers[1]") && e.message.includes('unknown parameter "sublinear"');
  });
  assert.throws(() => new StackedVectorizer({ vectorizers: [{}], norm: "l2" }), /unknown parameter "norm"/);
  assert.throws(() => new StackedVectorizer({ vectorizers: [] }), /non-empty array/);
  assert.throws(() => new StackedVectorizer([]), /expected an object/);
  assert.throws(() => new StackedVectorizer({}).transform(["x"]), /non-empty array/);
  assert.throws(() => new StackedVectorizer({ vectorizers: [{}] }).transform(["x"]), /before fit/);
});

test("default text features: word 1-2 grams, minDf 2, sublinear tf", () => {
  const p = parseStackedParams(undefined);
  assert.deepEqual(p, parseStackedParams(DEFAULT_TEXT_FEATURES));
  assert.equal(p.vectorizers.length, 1);
  const v = p.vectorizers[0];
  assert.equal(v.analyzer, "word");
  assert.equal(v.ngramMin, 1);
  assert.equal(v.ngramMax, 2);
  assert.equal(v.minDf, 2);
  assert.equal(v.sublinearTf, true);
  const s = new StackedVectorizer();
  const X = s.fitTransform(TRAIN);
  assert.equal(X.rows, TRAIN.length);
  assert.ok(s.featureNames().includes("the sky"));
  assert.ok(!s.featureNames().includes("green")); // df 1 < minDf 2
  // JSON round trip of params.
  assert.deepEqual(parseStackedParams(JSON.parse(JSON.stringify(p))), p);
});

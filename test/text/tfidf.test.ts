import { test } from "node:test";
import assert from "node:assert/strict";
import type { Csr } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";
import { PairTable } from "../../src/text/ngram-index.js";
import { idfValue, parseTfidfParams, TfidfVectorizer } from "../../src/text/tfidf.js";
import { analyze, type AnalyzeOptions } from "../../src/text/tokenizer.js";

/** Row r as a map feature-string -> value. */
function rowOf(m: Csr, r: number, vocab: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) out[vocab[m.indices[k]]] = m.data[k];
  return out;
}

function assertRow(actual: Record<string, number>, expected: Record<string, number>, tol = 1e-6): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const k of Object.keys(expected)) {
    assert.ok(Math.abs(actual[k] - expected[k]) < tol, `${k}: ${actual[k]} vs ${expected[k]}`);
  }
}

function assertSortedRows(m: Csr): void {
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r] + 1; k < m.indptr[r + 1]; k++) assert.ok(m.indices[k - 1] < m.indices[k], `row ${r} not sorted`);
  }
}

const DOCS = ["a b a", "b c", "c c d"]; // N = 3; df: a 1, b 2, c 2, d 1

test("sklearn idf, sublinear tf, L2 on a 3-document example", () => {
  const v = new TfidfVectorizer({ idfFormula: "sklearn", sublinearTf: true, smoothIdf: true });
  const X = v.fitTransform(DOCS);
  assert.deepEqual(v.vocabulary, ["a", "b", "c", "d"]);
  const idfA = Math.log(4 / 2) + 1; // ln((1+N)/(1+df)) + 1
  const idfB = Math.log(4 / 3) + 1;
  assert.ok(Math.abs(v.idf[0] - 1.6931472) < 1e-6);
  assert.ok(Math.abs(v.idf[1] - 1.2876821) < 1e-6);
  // d0: tf(a) = 2 -> 1 + ln 2, tf(b) = 1 -> 1.
  const a0 = (1 + Math.log(2)) * idfA;
  const b0 = idfB;
  const n0 = Math.hypot(a0, b0);
  assertRow(rowOf(X, 0, v.vocabulary), { a: a0 / n0, b: b0 / n0 });
  assertRow(rowOf(X, 0, v.vocabulary), { a: 0.9122016, b: 0.4097416 });
  // d1: b, c both tf 1 and idf equal -> 1/sqrt 2 each.
  assertRow(rowOf(X, 1, v.vocabulary), { b: Math.SQRT1_2, c: Math.SQRT1_2 });
  // d2: tf(c) = 2, tf(d) = 1.
  const c2 = (1 + Math.log(2)) * idfB;
  const d2 = idfA;
  const n2 = Math.hypot(c2, d2);
  assertRow(rowOf(X, 2, v.vocabulary), { c: c2 / n2, d: d2 / n2 });
  assertSortedRows(X);
  // transform of the training texts equals fitTransform.
  const X2 = v.transform(DOCS);
  assert.deepEqual(X2, X);
});

test("sklearn idf without smoothing, raw tf, no norm", () => {
  const v = new TfidfVectorizer({ smoothIdf: false, sublinearTf: false, norm: "none" });
  const X = v.fitTransform(DOCS);
  const idfA = Math.log(3 / 1) + 1;
  const idfB = Math.log(3 / 2) + 1;
  assertRow(rowOf(X, 0, v.vocabulary), { a: 2 * idfA, b: idfB }, 1e-5);
  assertRow(rowOf(X, 2, v.vocabulary), { c: 2 * idfB, d: idfA }, 1e-5);
});

test("pecos idf: max(ln(N/(df+s)), 0); zero-idf entries are dropped", () => {
  const v = new TfidfVectorizer({ idfFormula: "pecos", smoothIdf: true });
  const X = v.fitTransform(DOCS);
  // s = 1: a, d: ln(3/2); b, c: ln(3/3) = 0.
  assert.ok(Math.abs(v.idf[0] - Math.log(1.5)) < 1e-7);
  assert.equal(v.idf[1], 0);
  assertRow(rowOf(X, 0, v.vocabulary), { a: 1 });
  assertRow(rowOf(X, 1, v.vocabulary), {}); // all-zero row stays empty
  assertRow(rowOf(X, 2, v.vocabulary), { d: 1 });
  // No smoothing, no norm: a: (1 + ln 2) * ln 3, b: 1 * ln(3/2).
  const w = new TfidfVectorizer({ idfFormula: "pecos", smoothIdf: false, norm: "none" });
  const Y = w.fitTransform(DOCS);
  assertRow(rowOf(Y, 0, w.vocabulary), { a: (1 + Math.log(2)) * Math.log(3), b: Math.log(1.5) }, 1e-6);
  assert.equal(idfValue({ idfFormula: "pecos", smoothIdf: true }, 3, 3), 0); // clamped at 0
});

test("binary tf and L1 norm", () => {
  const v = new TfidfVectorizer({ binary: true, norm: "l1" });
  const X = v.fitTransform(DOCS);
  const idfA = Math.log(2) + 1;
  const idfB = Math.log(4 / 3) + 1;
  assertRow(rowOf(X, 0, v.vocabulary), { a: idfA / (idfA + idfB), b: idfB / (idfA + idfB) });
});

test("minDf / maxDf / maxFeatures filtering", () => {
  const docs = ["x y z", "x y", "x w", "x v v v"]; // df: x 4, y 2, z 1, w 1, v 1
  assert.deepEqual(new TfidfVectorizer({ minDf: 2 }).fit(docs).vocabulary, ["x", "y"]);
  assert.deepEqual(new TfidfVectorizer({ minDf: 0.5 }).fit(docs).vocabulary, ["x", "y"]); // df >= 2
  assert.deepEqual(new TfidfVectorizer({ minDf: 0.6 }).fit(docs).vocabulary, ["x"]); // df >= 2.4
  assert.deepEqual(new TfidfVectorizer({ maxDf: 0.75 }).fit(docs).vocabulary, ["v", "w", "y", "z"]); // df <= 3
  assert.deepEqual(new TfidfVectorizer({ maxDf: 0.5, minDf: 2 }).fit(docs).vocabulary, ["y"]);
  // Highest df kept; ties broken by string order; output in string order.
  assert.deepEqual(new TfidfVectorizer({ maxFeatures: 3 }).fit(docs).vocabulary, ["v", "x", "y"]);
  assert.deepEqual(new TfidfVectorizer({ maxFeatures: 1 }).fit(docs).vocabulary, ["x"]);
  assert.deepEqual(new TfidfVectorizer({ maxFeatures: 10 }).fit(docs).vocabulary, ["v", "w", "x", "y", "z"]);
  assert.throws(() => new TfidfVectorizer({ minDf: 5 }).fit(docs), /no n-gram left/);
});

test("unknown n-grams are ignored at transform; empty texts give empty rows", () => {
  const v = new TfidfVectorizer({ ngramMax: 2 }).fit(["red apple", "green apple"]);
  const X = v.transform(["red banana apple", "", "purple kiwi", "green apple green apple"]);
  assert.equal(X.rows, 4);
  assert.equal(X.cols, v.nFeatures);
  assert.deepEqual(Object.keys(rowOf(X, 0, v.featureNames())).sort(), ["apple", "red"]);
  assert.equal(X.indptr[2] - X.indptr[1], 0);
  assert.equal(X.indptr[3] - X.indptr[2], 0);
  assert.deepEqual(Object.keys(rowOf(X, 3, v.featureNames())).sort(), ["apple", "green", "green apple"]);
  assertSortedRows(X);
});

test("vocabulary order is by feature string, independent of document order", () => {
  const docs = ["zeta alpha beta", "beta gamma", "alpha zeta zeta", "ab a_b a b"];
  const v1 = new TfidfVectorizer({ ngramMax: 3 }).fit(docs);
  const v2 = new TfidfVectorizer({ ngramMax: 3 }).fit([...docs].reverse());
  assert.deepEqual(v1.vocabulary, v2.vocabulary);
  assert.deepEqual(v1.idf, v2.idf);
  const sorted = [...v1.vocabulary].sort();
  assert.deepEqual(v1.vocabulary, sorted);
});

/** Straightforward reference implementation (strings, Sets) to check the optimised one. */
function reference(docs: string[], opts: AnalyzeOptions, minDf: number): { vocab: string[]; rows: Record<string, number>[] } {
  const grams = docs.map((d) => analyze(d, opts));
  const df = new Map<string, number>();
  for (const g of grams) for (const s of new Set(g)) df.set(s, (df.get(s) ?? 0) + 1);
  const vocab = [...df.keys()].filter((s) => df.get(s)! >= minDf).sort();
  const inVocab = new Set(vocab);
  const N = docs.length;
  const rows = grams.map((g) => {
    const tf = new Map<string, number>();
    for (const s of g) if (inVocab.has(s)) tf.set(s, (tf.get(s) ?? 0) + 1);
    const row: Record<string, number> = {};
    let ss = 0;
    for (const [s, c] of tf) {
      const v = (1 + Math.log(c)) * (Math.log((1 + N) / (1 + df.get(s)!)) + 1);
      row[s] = v;
      ss += v * v;
    }
    for (const s of Object.keys(row)) row[s] /= Math.sqrt(ss);
    return row;
  });
  return { vocab, rows };
}

test("optimised word / char_wb / char counting matches a reference implementation", () => {
  const words = ["the", "cat", "sat", "on", "mat", "dog", "a", "Über", "straße", "中", "x_y"];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const docs = Array.from({ length: 60 }, () => Array.from({ length: 1 + rnd(12) }, () => words[rnd(words.length)]).join(rnd(2) ? " " : ", "));
  const configs: AnalyzeOptions[] = [
    { analyzer: "word", ngramMin: 1, ngramMax: 3 },
    { analyzer: "word", ngramMin: 2, ngramMax: 4, truncateLength: 6 },
    { analyzer: "char_wb", ngramMin: 2, ngramMax: 4 },
    { analyzer: "char", ngramMin: 1, ngramMax: 3 },
  ];
  for (const c of configs) {
    for (const minDf of [1, 2]) {
      const v = new TfidfVectorizer({ ...c, minDf });
      const train = docs.slice(0, 40);
      const X = v.fitTransform(train);
      const ref = reference(train, { ...c, lowercase: true }, minDf);
      assert.deepEqual(v.vocabulary, ref.vocab, `${c.analyzer} ${c.ngramMin}-${c.ngramMax}`);
      for (let r = 0; r < train.length; r++) assertRow(rowOf(X, r, v.vocabulary), ref.rows[r], 1e-5);
      // Transform of unseen texts: only in-vocabulary n-grams, same weights as a refit would give them.
      const T = v.transform(docs.slice(40));
      assertSortedRows(T);
      for (let r = 0; r < T.rows; r++) {
        const inVocab = new Set(analyze(docs[40 + r], c).filter((g) => v.vocabulary.includes(g)));
        assert.deepEqual(Object.keys(rowOf(T, r, v.vocabulary)).sort(), [...inVocab].sort());
      }
    }
  }
});

test("truncateLength limits the tokens used", () => {
  const v = new TfidfVectorizer({ truncateLength: 2 }).fit(["a b c", "d e f"]);
  assert.deepEqual(v.vocabulary, ["a", "b", "d", "e"]);
  const X = v.transform(["c a b"]);
  assert.deepEqual(Object.keys(rowOf(X, 0, v.vocabulary)), ["a"]);
});

test("save/load and toJSON/fromJSON reproduce identical transforms", () => {
  for (const params of [{ ngramMax: 2 }, { analyzer: "char_wb", ngramMin: 2, ngramMax: 4, idfFormula: "pecos" }]) {
    const v = new TfidfVectorizer(params);
    const train = ["Red apple pie", "green APPLE", "pie in the sky", "sky is red"];
    const test = ["red apple in the sky", "blue pie", ""];
    v.fit(train);
    const expected = v.transform(test);
    const saved = v.save();
    assert.equal(saved.meta.nFeatures, v.nFeatures);
    assert.ok(saved.arrays.idf instanceof Float32Array);
    const loaded = TfidfVectorizer.load(saved);
    assert.deepEqual(loaded.transform(test), expected);
    assert.deepEqual(loaded.params, v.params);
    // Through a JSON text (meta + vocab) and a copied typed array.
    const meta = JSON.parse(JSON.stringify(saved.meta));
    const vocab = JSON.parse(JSON.stringify(saved.vocab));
    const loaded2 = TfidfVectorizer.load({ meta, vocab, arrays: { idf: new Float32Array(saved.arrays.idf) } });
    assert.deepEqual(loaded2.transform(test), expected);
    const fromJson = TfidfVectorizer.fromJSON(JSON.parse(JSON.stringify(v)));
    assert.deepEqual(fromJson.transform(test), expected);
    assert.deepEqual(fromJson.idf, v.idf);
  }
});

test("load rejects inconsistent input", () => {
  const v = new TfidfVectorizer().fit(["a b", "b c"]);
  const s = v.save();
  assert.throws(() => TfidfVectorizer.load({ ...s, vocab: s.vocab.slice(1) }), XmcError);
  assert.throws(() => TfidfVectorizer.load({ ...s, vocab: ["a", "a", "b"] }), /duplicate/);
  assert.throws(() => TfidfVectorizer.load({ ...s, meta: { ...s.meta, params: { ...s.meta.params, bogus: 1 } as never } }), /bogus/);
  assert.throws(() => TfidfVectorizer.fromJSON({ kind: "other" }), XmcError);
});

test("params: defaults, validation, unknown keys named", () => {
  const p = parseTfidfParams(undefined);
  assert.equal(p.analyzer, "word");
  assert.equal(p.sublinearTf, true);
  assert.equal(p.minDf, 1);
  assert.equal(p.idfFormula, "sklearn");
  assert.deepEqual(parseTfidfParams(JSON.parse(JSON.stringify(p))), p);
  assert.throws(() => new TfidfVectorizer({ ngramMax: 2, minDF: 2 }), (e: unknown) => e instanceof XmcError && /unknown parameter "minDF"/.test(e.message));
  assert.throws(() => new TfidfVectorizer({ analyzer: "chars" }), /analyzer: expected one of word, char_wb, char/);
  assert.throws(() => new TfidfVectorizer({ ngramMin: 3, ngramMax: 2 }), /ngramMax: must be >= ngramMin/);
  assert.throws(() => new TfidfVectorizer({ maxDf: 0 }), /maxDf: must be > 0/);
  assert.throws(() => new TfidfVectorizer({ maxDf: 2 }), /maxDf: must be at most 1/);
  assert.throws(() => new TfidfVectorizer({ ngramMax: 1.5 }), /integer/);
  assert.throws(() => new TfidfVectorizer().transform(["x"]), /before fit/);
  assert.throws(() => new TfidfVectorizer().fit([]), /zero texts/);
});

test("PairTable grows and keeps every entry", () => {
  const t = new PairTable(4);
  for (let i = 0; i < 5000; i++) assert.equal(t.getOrAdd(i % 97, i, i * 3), -1);
  assert.equal(t.size, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(t.get(i % 97, i), i * 3);
  assert.equal(t.get(1, 0), -1);
  assert.equal(t.getOrAdd(5, 5, 999), 15);
});

test("transforming texts one call at a time gives the rows of one call over all of them", () => {
  const docs = ["red apple red", "green apple", "red green blue", "blue blue apple", "kiwi"];
  for (const params of [{ ngramMax: 2 }, { binary: true, norm: "l1" as const }, { sublinearTf: true, norm: "none" as const }]) {
    const v = new TfidfVectorizer(params).fit(docs);
    const all = v.transform(docs);
    // calls of one text each, in another order and repeated: each call starts from clean counts
    for (const i of [3, 0, 0, 4, 2, 1, 3]) {
      const one = v.transform([docs[i]]);
      const a = all.indptr[i], b = all.indptr[i + 1];
      assert.deepEqual(Array.from(one.indices), Array.from(all.indices.subarray(a, b)), `text ${i}`);
      assert.deepEqual(Array.from(one.data), Array.from(all.data.subarray(a, b)), `text ${i}`);
    }
  }
});

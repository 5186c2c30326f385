/**
 * Word vectors: skip-gram pulls co-occurring words together, GloVe / word2vec text files load for
 * a vocabulary, malformed lines are errors naming file:line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { cosineRows, loadWordVectors, trainSkipGram } from "../../src/text/wordvec.js";

test("skip-gram: words that co-occur end up closer than words that never do", () => {
  // two topics of 6 words each; a sentence draws 8 words from one topic only
  const rng = new Rng(3);
  const sentences: Int32Array[] = [];
  for (let i = 0; i < 400; i++) {
    const topic = rng.int(2);
    sentences.push(Int32Array.from({ length: 8 }, () => topic * 6 + rng.int(6)));
  }
  const dim = 16;
  const t0 = performance.now();
  const vecs = trainSkipGram(sentences, 12, { dim, epochs: 10, window: 3, negative: 4, subsample: 0, seed: 5 });
  assert.ok(performance.now() - t0 < 5000);
  let within = 0, across = 0, nw = 0, na = 0;
  for (let a = 0; a < 12; a++) for (let b = a + 1; b < 12; b++) {
    const c = cosineRows(vecs, dim, a, b);
    if (Math.floor(a / 6) === Math.floor(b / 6)) {
      within += c;
      nw++;
    } else {
      across += c;
      na++;
    }
  }
  within /= nw;
  across /= na;
  assert.ok(within > across + 0.3, `within-topic cosine ${within.toFixed(3)} should exceed across-topic ${across.toFixed(3)}`);
  // deterministic for a seed
  const again = trainSkipGram(sentences, 12, { dim, epochs: 10, window: 3, negative: 4, subsample: 0, seed: 5 });
  assert.deepEqual(again, vecs);
});

test("skip-gram: negative ids are skipped, out-of-range ids rejected, bad options rejected", () => {
  const v = trainSkipGram([Int32Array.from([0, -1, 1, 2, -1, 0])], 3, { dim: 4, epochs: 2 });
  assert.equal(v.length, 12);
  assert.throws(() => trainSkipGram([Int32Array.from([0, 3])], 3, { dim: 4 }), XmcError);
  assert.throws(() => trainSkipGram([], 3, { dim: 0 }), XmcError);
  assert.throws(() => trainSkipGram([], 3, { windw: 2 } as never), /unknown parameter "windw"/);
});

test("loadWordVectors: GloVe and word2vec text formats, for a vocabulary", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-wv-"));
  try {
    const glove = join(dir, "glove.txt");
    writeFileSync(glove, "the 0.1 0.2 0.3\nCat 1 2 3\ncat 4 5 6\ndog -1e-1 .5 7\nnot in vocab 9 9 9\n");
    const g = await loadWordVectors(glove, ["<pad>", "cat", "dog", "bird", "the"]);
    assert.equal(g.dim, 3);
    assert.equal(g.nFound, 3);
    assert.deepEqual(Array.from(g.found), [0, 1, 1, 0, 1]);
    assert.deepEqual(Array.from(g.vectors.subarray(3, 6)), [4, 5, 6]); // exact "cat" beats "Cat"
    assert.deepEqual(Array.from(g.vectors.subarray(6, 9)), [Math.fround(-0.1), 0.5, 7]);
    assert.deepEqual(Array.from(g.vectors.subarray(9, 12)), [0, 0, 0]);
    const w2v = join(dir, "w2v.txt");
    writeFileSync(w2v, "2 2\r\nbird 1 2\r\n\r\ndog 3 4\r\n");
    const w = await loadWordVectors(w2v, ["dog", "bird"]);
    assert.equal(w.dim, 2);
    assert.deepEqual(Array.from(w.vectors), [3, 4, 1, 2]);
    await assert.rejects(loadWordVectors(w2v, ["dog"], { dim: 3 }), /w2v\.txt:1: vectors have dimension 2, expected 3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadWordVectors: malformed lines name file:line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-wv-"));
  try {
    const short = join(dir, "short.txt");
    writeFileSync(short, "a 1 2 3\nb 1 2\n");
    await assert.rejects(loadWordVectors(short, ["a"]), (e: unknown) => e instanceof XmcError && /short\.txt:2: expected a word and 3 values, got 3 fields/.test(e.message));
    const nan = join(dir, "nan.txt");
    writeFileSync(nan, "a 1 2 3\nb 1 x 3\n");
    await assert.rejects(loadWordVectors(nan, ["a"]), /nan\.txt:2: value 2 \("x"\) is not a number/);
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "\n\n");
    await assert.rejects(loadWordVectors(empty, ["a"]), /no word vectors/);
    await assert.rejects(loadWordVectors(join(dir, "missing.txt"), ["a"]), /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

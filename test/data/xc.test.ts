import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { join } from "node:path";
import { readXc } from "../../src/data/xc.js";
import { cleanup, fixture, labelRows, rejectsWith, rowsOf } from "./fixtures.js";

after(cleanup);

const SAMPLE = [
  "5 6 4",
  "0,2 1:0.5 3:1.25",
  " 4:2", // empty label list, leading space
  "3 5:1e-1 0:-3", // unsorted features
  "", // no labels, no features
  "1,0,1 2:0.25", // unsorted, duplicate label
  "",
].join("\n");

describe("readXc", () => {
  it("reads a file with a header (known answer)", async () => {
    const dir = await fixture({ "train.txt": SAMPLE });
    const d = await readXc(join(dir, "train.txt"));
    assert.equal(d.kind, "xc");
    assert.equal(d.texts, null);
    assert.equal(d.labelTexts, null);
    assert.equal(d.X!.rows, 5);
    assert.equal(d.X!.cols, 6);
    assert.deepEqual(rowsOf(d.X!), [
      [[1, 0.5], [3, 1.25]],
      [[4, 2]],
      [[0, -3], [5, Math.fround(0.1)]],
      [],
      [[2, 0.25]],
    ]);
    assert.equal(d.Y.cols, 4);
    assert.deepEqual(labelRows(d.Y), [[0, 2], [], [3], [], [0, 1]]);
    assert.deepEqual(d.labelNames, ["0", "1", "2", "3"]);
    assert.equal(d.knownLabels, 4);
  });

  it("names labels from label_names.txt", async () => {
    const dir = await fixture({ "train.txt": SAMPLE, "label_names.txt": "a\nb\nc\nd\ne\n" });
    const d = await readXc(join(dir, "train.txt"));
    assert.deepEqual(d.labelNames, ["a", "b", "c", "d"]);
    assert.equal(d.Y.cols, 4);
  });

  it("infers N, F, L for a header-less file", async () => {
    const dir = await fixture({ "v1.txt": "3,7 10:1.5 2:1\n\n4 1:2\n1:1\n\n" });
    const d = await readXc(join(dir, "v1.txt"));
    assert.equal(d.X!.rows, 4);
    assert.equal(d.X!.cols, 11);
    assert.equal(d.Y.cols, 8);
    assert.deepEqual(labelRows(d.Y), [[3, 7], [], [4], []]);
    assert.deepEqual(rowsOf(d.X!)[0], [[2, 1], [10, 1.5]]);
  });

  it("maps labels through a fixed label space and appends unseen ones", async () => {
    const dir = await fixture({ "test.txt": "3 2 4\n3 0:1\n1,0 1:1\n2\n", "label_names.txt": "x\ny\nz\nw\n" });
    const d = await readXc(join(dir, "test.txt"), { labels: ["y", "q", "x"] });
    // file 0 "x" -> 2, file 1 "y" -> 0, file 2 "z" -> appended 3, file 3 "w" -> appended 4
    assert.deepEqual(d.labelNames, ["y", "q", "x", "z", "w"]);
    assert.equal(d.knownLabels, 3);
    assert.equal(d.Y.cols, 5);
    assert.deepEqual(labelRows(d.Y), [[4], [0, 2], [3]]);
  });

  it("fixed label space with default names only appends labels that occur", async () => {
    const dir = await fixture({ "test.txt": "2 2 6\n5 0:1\n1 1:1\n" });
    const d = await readXc(join(dir, "test.txt"), { labels: ["0", "1", "2"] });
    assert.deepEqual(d.labelNames, ["0", "1", "2", "5"]);
    assert.equal(d.knownLabels, 3);
    assert.deepEqual(labelRows(d.Y), [[3], [1]]);
  });

  const bad: [string, string, RegExp][] = [
    ["bad header", "abc\n1 1:1\n", /train\.txt:1: expected a header "N F L" with three non-negative integers, got "abc"/],
    ["two-number header", "3 4\n", /train\.txt:1: expected a header "N F L"/],
    ["feature out of range", "2 5 3\n0 1:1\n1 30:1\n", /train\.txt:3: feature id 30 out of range \(F = 5\)/],
    ["label out of range", "2 5 3\n0 1:1\n3 1:1\n", /train\.txt:3: label id 3 out of range \(L = 3\)/],
    ["no colon", "1 20 3\n0 12-0.5\n", /train\.txt:2: expected "feature:value", got "12-0\.5"/],
    ["bad feature id", "1 20 3\n0 x:0.5\n", /train\.txt:2: expected "feature:value", got "x:0\.5"/],
    ["bad value", "2 5 3\n0 1:1\n1 2:abc\n", /train\.txt:3: value "abc" is not a number/],
    ["bad label list", "1 5 3\n0,,1 2:1\n", /train\.txt:2: expected comma-separated label ids/],
    ["too few lines", "3 5 3\n0 1:1\n1 2:1\n", /train\.txt:3: the header says N = 3 instances, but the file has 2/],
    ["too many lines", "1 5 3\n0 1:1\n1 2:1\n", /train\.txt:3: more instances than N = 1/],
    ["zero instances", "0 5 3\n", /train\.txt.*no instances/],
    ["empty file", "", /train\.txt.*no instances/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects: ${what}`, async () => {
      const dir = await fixture({ "train.txt": text });
      await rejectsWith(readXc(join(dir, "train.txt")), re);
    });
  }

  it("rejects a missing file", async () => {
    const dir = await fixture({});
    await rejectsWith(readXc(join(dir, "nope.txt")), /nope\.txt: no such file/);
  });

  it("rejects too few label names", async () => {
    const dir = await fixture({ "train.txt": "1 2 3\n0 1:1\n", "label_names.txt": "a\nb\n" });
    await rejectsWith(readXc(join(dir, "train.txt")), /label_names\.txt: has 2 label names, but .*train\.txt has L = 3/);
  });

  it("rejects duplicate label names", async () => {
    const dir = await fixture({ "train.txt": "1 2 3\n0 1:1\n", "label_names.txt": "a\nb\na\n" });
    await rejectsWith(readXc(join(dir, "train.txt")), /label_names\.txt:3: duplicate label name "a" \(first on line 1\)/);
  });
});

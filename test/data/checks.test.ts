import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sortRow, CsrBuilder } from "../../src/data/builder.js";
import { checkTestData, checkTrainingData, testLabelCoverage } from "../../src/data/checks.js";
import { loadDataset } from "../../src/data/load.js";
import { fitsFloat32 } from "../../src/data/numbers.js";
import { cleanup, fixture, rejectsWith } from "./fixtures.js";

after(cleanup);

describe("silent wrong answers in the readers are errors", () => {
  it("float32 overflow: 1e39 and ±1e400 are out of range, 3.4e38 fits", async () => {
    assert.equal(fitsFloat32(3.4e38), true);
    assert.equal(fitsFloat32(1e39), false);
    assert.equal(fitsFloat32(-1e400), false);
    const dir = await fixture({ "a.txt": "2 3 2\n0 0:1\n1 2:1e39\n", "b-train.arff": "@relation r\n@attribute x numeric\n@attribute y {0,1}\n@data\n-1e400,1\n", "b.xml": '<labels><label name="y"></label></labels>' });
    await rejectsWith(loadDataset(join(dir, "a.txt")), /a\.txt:3: value "1e39" is out of range/);
    await rejectsWith(loadDataset(join(dir, "b-train.arff")), /b-train\.arff:5: value "-1e400" is out of range/);
  });

  it("a duplicate sparse index is an error naming the line", async () => {
    const dir = await fixture({ "a.txt": "2 5 2\n0 0:1\n1 3:1 3:2\n", "b-train.arff": "@relation r\n@attribute x {0,1}\n@attribute y {0,1}\n@data\n{0 1,1 1}\n{0 1,0 1,1 1}\n", "b.xml": '<labels><label name="y"></label></labels>' });
    await rejectsWith(loadDataset(join(dir, "a.txt")), /a\.txt:3: feature id 3 appears more than once in the row/);
    await rejectsWith(loadDataset(join(dir, "b-train.arff")), /b-train\.arff:6: attribute index 0 appears more than once in the sparse row/);
  });

  it("CsrBuilder.endRow reports a merged column; sortRow still sums it", () => {
    const b = new CsrBuilder(false);
    b.push(2, 1);
    b.push(0, 1);
    assert.equal(b.endRow(), -1);
    b.push(4, 1);
    b.push(1, 1);
    b.push(4, 2);
    assert.equal(b.endRow(), 4);
    const idx = Int32Array.from([3, 1, 3]);
    const val = Float32Array.from([1, 5, 2]);
    const seen: number[] = [];
    assert.equal(sortRow(idx, val, 0, 3, (c) => seen.push(c)), 2);
    assert.deepEqual([...idx.slice(0, 2)], [1, 3]);
    assert.deepEqual([...val.slice(0, 2)], [5, 3]);
    assert.deepEqual(seen, [3]);
  });

  it("training data without any label is refused, naming the labels file", async () => {
    const dir = await fixture({ "t_texts.txt": "a b\nc d\n", "t_labels.txt": "\n\n" });
    const ds = await loadDataset(join(dir, "t"));
    assert.throws(() => checkTrainingData(ds), /t_labels\.txt: no instance has a label \(2 instances\); training needs labelled data/);
  });
});

describe("checkTestData", () => {
  const MODEL = ["a", "b", "c"];
  it("counts test label occurrences unknown to the model and warns", async () => {
    const dir = await fixture({ "t.txt": "3 4 5\n0,3 0:1\n4 1:1\n2,3,4 2:1\n" });
    const ds = await loadDataset(join(dir, "t.txt"), { labels: ["0", "1", "2"] });
    assert.deepEqual(testLabelCoverage(ds), { occurrences: 6, unknown: 4, labelledRows: 3 });
    assert.deepEqual(checkTestData(ds, 4), ["4 of 6 test label occurrences are not labels of this model; they count as misses"]);
  });
  it("no known test label, no labelled row, or more features than the model: errors", async () => {
    const dir = await fixture({ "t.txt": "2 4 3\n0 0:1\n1,2 1:1\n", "u.txt": "2 4 3\n 0:1\n 1:1\n" });
    const ds = await loadDataset(join(dir, "t.txt"), { labels: MODEL });
    assert.throws(() => checkTestData(ds, 4), /t\.txt: none of the 3 test label occurrences is a label of this model/);
    const known = await loadDataset(join(dir, "t.txt"), { labels: ["0", "1", "2"] });
    assert.deepEqual(checkTestData(known, 4), []);
    assert.throws(() => checkTestData(known, 3), /t\.txt: test data has 4 features, the model was trained on 3$/);
    const unlabelled = await loadDataset(join(dir, "u.txt"), { labels: ["0", "1", "2"] });
    assert.throws(() => checkTestData(unlabelled, 4), /u\.txt: no test instance has a label \(2 instances\)/);
  });
  it("leaves data of the other kind (features for a text model) to the model's own error", async () => {
    const dir = await fixture({ "t.txt": "1 4 3\n0 0:1\n" });
    const ds = await loadDataset(join(dir, "t.txt"), { labels: MODEL });
    assert.deepEqual(checkTestData(ds, null), []);
  });
});

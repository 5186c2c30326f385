import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { join } from "node:path";
import { readText } from "../../src/data/text.js";
import { cleanup, fixture, labelRows, rejectsWith } from "./fixtures.js";

after(cleanup);

describe("readText", () => {
  it("uses the sorted union of names without labels.txt", async () => {
    const dir = await fixture({
      "train_texts.txt": "first text\r\nsecond text\n\nfourth\n",
      "train_labels.txt": "zeta alpha\n\nmid  zeta\nalpha\n",
    });
    const d = await readText(join(dir, "train"));
    assert.equal(d.kind, "text");
    assert.equal(d.X, null);
    assert.deepEqual(d.texts, ["first text", "second text", "", "fourth"]);
    assert.deepEqual(d.labelNames, ["alpha", "mid", "zeta"]);
    assert.equal(d.labelTexts, null);
    assert.equal(d.knownLabels, 3);
    assert.deepEqual(labelRows(d.Y), [[0, 2], [], [1, 2], [0]]);
  });

  it("takes names and texts from labels.txt, tabs turned into ' : '", async () => {
    const dir = await fixture({
      "train_texts.txt": "a\nb\n",
      "train_labels.txt": "n2 n1\nn3\n",
      "labels.txt": "n1\tentity\tthat which exists\nn2\tphysical entity\tsomething physical\nn3\nn4\tunused\n",
    });
    const d = await readText(join(dir, "train"));
    assert.deepEqual(d.labelNames, ["n1", "n2", "n3", "n4"]);
    assert.deepEqual(d.labelTexts, ["entity : that which exists", "physical entity : something physical", "", "unused"]);
    assert.deepEqual(labelRows(d.Y), [[0, 1], [2]]);
    assert.equal(d.Y.cols, 4);
  });

  it("maps through a fixed label space, appending unseen labels", async () => {
    const dir = await fixture({
      "test_texts.txt": "a\nb\nc\n",
      "test_labels.txt": "x new1\ny\nnew0 x\n",
    });
    const d = await readText(join(dir, "test"), { labels: ["y", "x", "z"] });
    assert.deepEqual(d.labelNames, ["y", "x", "z", "new0", "new1"]);
    assert.equal(d.knownLabels, 3);
    assert.deepEqual(labelRows(d.Y), [[1, 4], [0], [1, 3]]);
  });

  it("keeps label texts aligned with a fixed label space", async () => {
    const dir = await fixture({ "t_texts.txt": "a\n", "t_labels.txt": "p q\n", "labels.txt": "p\tpee\nq\tcue\n" });
    const d = await readText(join(dir, "t"), { labels: ["q", "r"] });
    assert.deepEqual(d.labelNames, ["q", "r", "p"]);
    assert.deepEqual(d.labelTexts, ["cue", "", "pee"]);
    assert.deepEqual(labelRows(d.Y), [[0, 2]]);
  });

  it("rejects labels missing from labels.txt", async () => {
    const dir = await fixture({ "t_texts.txt": "a\nb\n", "t_labels.txt": "p\np nope\n", "labels.txt": "p\tpee\n" });
    await rejectsWith(readText(join(dir, "t")), /t_labels\.txt:2: label "nope" is not in .*labels\.txt/);
  });

  it("rejects mismatched line counts, naming both files", async () => {
    const dir = await fixture({ "t_texts.txt": "a\nb\nc\n", "t_labels.txt": "p\np\n" });
    await rejectsWith(readText(join(dir, "t")), /t_texts\.txt: has 3 lines but .*t_labels\.txt has 2/);
  });

  it("rejects duplicate names in labels.txt", async () => {
    const dir = await fixture({ "t_texts.txt": "a\n", "t_labels.txt": "p\n", "labels.txt": "p\tone\nq\ttwo\np\tthree\n" });
    await rejectsWith(readText(join(dir, "t")), /labels\.txt:3: duplicate label name "p" \(first on line 1\)/);
  });

  it("rejects missing files and empty data", async () => {
    const dir = await fixture({ "t_texts.txt": "a\n", "e_texts.txt": "", "e_labels.txt": "" });
    await rejectsWith(readText(join(dir, "t")), /t_labels\.txt: no such file/);
    await rejectsWith(readText(join(dir, "e")), /e_texts\.txt: no instances/);
  });
});

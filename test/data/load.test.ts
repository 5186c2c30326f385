import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { join } from "node:path";
import { loadDataset } from "../../src/data/load.js";
import { cleanup, fixture, rejectsWith } from "./fixtures.js";

after(cleanup);

describe("loadDataset", () => {
  it("dispatches on the spec", async () => {
    const dir = await fixture({
      "x.txt": "1 2 1\n0 1:1\n",
      "m.arff": "@relation r\n@attribute f numeric\n@attribute L {0,1}\n@data\n3,1\n",
      "m.xml": '<labels><label name="L"></label></labels>',
      "p_texts.txt": "hello\n",
      "p_labels.txt": "a\n",
    });
    assert.equal((await loadDataset(join(dir, "x.txt"))).kind, "xc");
    assert.equal((await loadDataset(join(dir, "m.arff"))).kind, "arff");
    assert.equal((await loadDataset(join(dir, "p"))).kind, "text");
  });

  it("says what it looked for when nothing matches", async () => {
    const dir = await fixture({});
    await rejectsWith(
      loadDataset(join(dir, "nothing")),
      /nothing: no such file; expected an XC \.txt file, an \.arff file, or a text PREFIX with PREFIX_texts\.txt and PREFIX_labels\.txt/,
    );
    await rejectsWith(loadDataset(join(dir, "gone.arff")), /gone\.arff: no such file/);
  });
});

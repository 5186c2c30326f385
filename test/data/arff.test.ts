import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { join } from "node:path";
import { mulanXmlPath, readArff } from "../../src/data/arff.js";
import { cleanup, fixture, labelRows, rejectsWith, rowsOf } from "./fixtures.js";

after(cleanup);

const XML = `<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="TAG_a"></label>
<label name="TAG b"></label>
</labels>
`;

const HEAD = `% a comment
@relation toy

@attribute w0 {0,1}
@attribute TAG_a {0,1}
@attribute 'w 1' numeric
@ATTRIBUTE "TAG b" {0,1}
@attribute colour {red,green,blue}
@attribute w3 real

@data
`;

describe("readArff", () => {
  it("reads sparse and dense rows (known answer)", async () => {
    const body = ["{0 1,1 1,2 0.5}", "% comment row", "0,0,2.5,1,blue,0", "{}", "1,1,?,0,red,-1e2", "{4 green,3 1}"].join("\n");
    const dir = await fixture({ "toy-train.arff": HEAD + body + "\n", "toy.xml": XML });
    const d = await readArff(join(dir, "toy-train.arff"));
    assert.equal(d.kind, "arff");
    assert.deepEqual(d.labelNames, ["TAG_a", "TAG b"]);
    assert.equal(d.knownLabels, 2);
    // features: w0 -> 0, 'w 1' -> 1, colour -> 2 (value index), w3 -> 3
    assert.equal(d.X!.rows, 5);
    assert.equal(d.X!.cols, 4);
    assert.deepEqual(rowsOf(d.X!), [
      [[0, 1], [1, 0.5]],
      [[1, 2.5], [2, 2]],
      [],
      [[0, 1], [3, -100]],
      [[2, 1]],
    ]);
    assert.deepEqual(labelRows(d.Y), [[0], [1], [], [0], [1]]);
  });

  it("finds the XML for -test and plain .arff names", () => {
    assert.equal(mulanXmlPath("/d/bibtex-train.arff"), "/d/bibtex.xml");
    assert.equal(mulanXmlPath("/d/bibtex-test.arff"), "/d/bibtex.xml");
    assert.equal(mulanXmlPath("/d/bibtex.arff"), "/d/bibtex.xml");
  });

  it("maps labels by attribute name through a fixed label space", async () => {
    const dir = await fixture({ "toy.arff": HEAD + "{1 1,3 1}\n{3 1}\n", "toy.xml": XML });
    const d = await readArff(join(dir, "toy.arff"), { labels: ["TAG b", "other"] });
    assert.deepEqual(d.labelNames, ["TAG b", "other", "TAG_a"]);
    assert.equal(d.knownLabels, 2);
    assert.deepEqual(labelRows(d.Y), [[0, 2], [0]]);
  });

  it("rejects a missing XML file, naming the expected path", async () => {
    const dir = await fixture({ "toy-test.arff": HEAD + "{}\n" });
    await rejectsWith(readArff(join(dir, "toy-test.arff")), /toy\.xml: no such file/);
  });

  it("rejects a missing ARFF file", async () => {
    const dir = await fixture({ "toy.xml": XML });
    await rejectsWith(readArff(join(dir, "toy.arff")), /toy\.arff: no such file/);
  });

  it("rejects XML labels that are not attributes", async () => {
    const xml = XML.replace("</labels>", '<label name="TAG_c"></label>\n</labels>');
    const dir = await fixture({ "toy.arff": HEAD + "{}\n", "toy.xml": xml });
    await rejectsWith(readArff(join(dir, "toy.arff")), /toy\.xml:5: label "TAG_c" is not an attribute of .*toy\.arff/);
  });

  const bad: [string, string, RegExp][] = [
    ["wrong dense value count", "0,1,2\n", /toy\.arff:12: expected 6 comma-separated values, got 3/],
    ["bad number", "{0 1}\n{2 abc}\n", /toy\.arff:13: value "abc" is not a number/],
    ["bad nominal value", "0,0,1,0,pink,0\n", /toy\.arff:12: value "pink" of attribute "colour" is not one of \{red,green,blue\}/],
    ["sparse index out of range", "{9 1}\n", /toy\.arff:12: attribute index 9 out of range \(6 attributes\)/],
    ["bad sparse pair", "{0:1}\n", /toy\.arff:12: expected "index value" in a sparse row/],
    ["no instances", "", /toy\.arff: no instances/],
  ];
  for (const [what, body, re] of bad) {
    it(`rejects: ${what}`, async () => {
      const dir = await fixture({ "toy.arff": HEAD + body, "toy.xml": XML });
      await rejectsWith(readArff(join(dir, "toy.arff")), re);
    });
  }

  it("rejects an unknown attribute type and a missing @data", async () => {
    const dir = await fixture({ "a.arff": "@relation r\n@attribute x string\n@data\n", "b.arff": "@relation r\n@attribute TAG_a {0,1}\n", "a.xml": XML, "b.xml": XML });
    await rejectsWith(readArff(join(dir, "a.arff")), /a\.arff:2: attribute "x": expected type numeric/);
    await rejectsWith(readArff(join(dir, "b.arff")), /b\.arff:2: expected "@data"/);
  });
});

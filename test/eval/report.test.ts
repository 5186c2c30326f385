import { test } from "node:test";
import assert from "node:assert/strict";
import { csrFromRows } from "../../src/core/csr.js";
import { evaluate, type Prediction } from "../../src/eval/metrics.js";
import { formatTable, round2, toJsonLine } from "../../src/eval/report.js";

const rank = (labels: number[]): Prediction => ({
  labels: Int32Array.from(labels),
  scores: Float32Array.from(labels.map((_, r) => -r)),
});

// truth {0,1}, {2}; pred [0,2,1], [1]: P@1 = 50, P@3 = (2/3 + 0)/2 = 33.33
const truth = csrFromRows(4, [[0, 1], [2]]);
const preds = [rank([0, 2, 1]), rank([1])];

test("toJsonLine: one line, keys in report order, values rounded to 2 decimals", () => {
  const ip = new Float64Array([1, 2, 3, 4]);
  const m = evaluate(preds, truth, { invProp: ip });
  const line = toJsonLine(m);
  assert.ok(!line.includes("\n"));
  const obj = JSON.parse(line) as Record<string, number>;
  assert.deepEqual(Object.keys(obj), Object.keys(m));
  for (const k of ["P@1", "P@3", "P@5", "nDCG@1", "nDCG@3", "nDCG@5", "PSP@1", "PSP@3", "PSP@5", "PSnDCG@5", "R@5", "n"]) {
    assert.ok(k in obj, k);
  }
  assert.equal(obj["P@1"], 50);
  assert.equal(obj["P@3"], 33.33);
  assert.equal(obj.n, 2);
  for (const [k, v] of Object.entries(obj)) assert.equal(v, round2(m[k]));
});

test("formatTable: fixed-width rows P, nDCG, PSP, PSnDCG, R with @k columns", () => {
  const m = evaluate(preds, truth, { ks: [1, 3], invProp: new Float64Array([1, 2, 3, 4]) });
  const t = formatTable(m, [1, 3]);
  const lines = t.split("\n");
  assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ["metric", "P", "nDCG", "PSP", "PSnDCG", "R", "PSR", "n"]);
  assert.equal(lines[0], "metric        @1      @3");
  assert.equal(lines[1], "P          50.00   33.33");
  const width = lines[0].length;
  for (const l of lines.slice(0, -1)) assert.equal(l.length, width);
  assert.match(lines[lines.length - 1], /^n = 2; PS metrics normalised/);
  assert.match(formatTable(m, [1, 3], { psNormalize: false }), /PS metrics unnormalised/);
});

test("formatTable: full default table", () => {
  const m = evaluate(preds, truth, { invProp: new Float64Array([1, 2, 3, 4]) });
  assert.equal(
    formatTable(m),
    [
      "metric        @1      @3      @5",
      "P          50.00   33.33   20.00",
      "nDCG       50.00   45.99   45.99",
      "PSP        20.00   50.00   50.00",
      "PSnDCG     20.00   26.58   26.58",
      "R          25.00   50.00   50.00",
      "PSR        12.50   33.33   33.33",
      "n = 2; PS metrics normalised by the ideal ranking",
    ].join("\n"),
  );
});

test("formatTable without PS metrics and with a missing k", () => {
  const m = evaluate(preds, truth, { ks: [1] });
  const t = formatTable(m, [1, 5]);
  assert.deepEqual(t.split("\n"), [
    "metric        @1      @5",
    "P          50.00       -",
    "nDCG       50.00       -",
    "R          25.00       -",
    "n = 2",
  ]);
});

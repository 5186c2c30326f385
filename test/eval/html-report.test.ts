import assert from "node:assert/strict";
import { test } from "node:test";
import { frequencyBuckets, renderHtmlReport } from "../../src/eval/html-report.js";
import { fixtureData } from "./html-report-fixture.js";

test("frequency buckets: 0, then powers of two up to the largest count", () => {
  assert.deepEqual(frequencyBuckets(9).map((b) => b.name), ["0", "1", "2–3", "4–7", "8–15"]);
  assert.deepEqual(frequencyBuckets(0).map((b) => b.name), ["0", "1"]);
});

test("report data: per-bucket recall and precision, worst labels, threshold curve (hand-checked)", () => {
  const d = fixtureData();
  const b = Object.fromEntries(d.buckets.map((x) => [x.name, x]));
  // label 0 (count 0): 1 gold, never predicted
  assert.deepEqual([b["0"].labels, b["0"].gold, b["0"].hits, b["0"].recall, b["0"].precision], [1, 1, 0, 0, null]);
  // label 1 (count 1): found once, predicted twice
  assert.deepEqual([b["1"].gold, b["1"].hits, b["1"].predicted, b["1"].recall, b["1"].precision], [1, 1, 2, 100, 50]);
  assert.deepEqual([b["2–3"].labels, b["2–3"].recall], [0, null]);
  assert.deepEqual([b["4–7"].recall, b["4–7"].precision], [0, 0]);
  assert.equal(b["8–15"].recall, 100);
  assert.ok(Math.abs((b["8–15"].precision as number) - 200 / 3) < 1e-9);
  assert.deepEqual(d.falsePositives.map((x) => [x.label, x.count]), [["one", 1], ["two", 1], ["three", 1]]);
  assert.deepEqual(d.misses.map((x) => [x.label, x.count, x.trainCount]), [["zero <tail>", 1, 0], ["two", 1, 5]]);
  // at 0.5: 3 predicted, all correct, of 5 gold → P 100, R 60, F1 75 (the best)
  const at = (t: number, m: string) => d.thresholdCurve?.find((p) => Math.abs(p.threshold - t) < 1e-9 && p.measure === m)?.value;
  assert.equal(at(0.5, "precision"), 100);
  assert.equal(at(0.5, "recall"), 60);
  assert.ok(Math.abs((at(0.5, "F1") as number) - 75) < 1e-9);
  assert.ok(Math.abs((d.bestThreshold?.f1 as number) - 75) < 1e-9);
  assert.equal(d.bestThreshold?.threshold, 0.32);
  // P@1 = 100 (every first label is correct), P@2 = 50 (3 of 6), PSP present for k = 1..10
  const p = (k: number) => d.curves.find((c) => c.metric === "P@k" && c.k === k)?.value;
  assert.equal(p(1), 100);
  assert.equal(p(2), 50);
  assert.equal(d.curves.filter((c) => c.metric === "PSP@k").length, 10);
  assert.ok(d.reliability);
  assert.equal(d.examples.length, 3);
  assert.deepEqual(d.examples[0].predicted.map((x) => x.correct), [true, false]);
});

test("report data: raw scores outside [0, 1] give no reliability diagram and no threshold curve, with the reason", () => {
  const d = fixtureData({ calibrated: false, scale: 3 });
  assert.equal(d.reliability, null);
  assert.match(d.reliabilityNote ?? "", /not in \[0, 1\]/);
  assert.equal(d.thresholdCurve, null);
  assert.match(d.thresholdNote ?? "", /not calibrated/);
});

test("HTML: every section, one inline SVG per plot, text escaped, nothing loaded from elsewhere", async () => {
  const html = await renderHtmlReport(fixtureData());
  for (const id of ["metrics", "buckets", "calibration", "errors", "examples"]) assert.match(html, new RegExp(`<section id="${id}">`));
  for (const id of ["plot-curves", "plot-buckets", "plot-reliability", "plot-bin-counts", "plot-threshold", "plot-false-positives", "plot-misses"]) {
    assert.match(html, new RegExp(`<figure class="plot" id="${id}"><svg [^>]*width="\\d+" height="\\d+"`));
  }
  assert.equal(html.match(/<svg /g)?.length, 7);
  assert.equal(html.match(/<\/svg>/g)?.length, 7);
  assert.match(html, /first &amp; text/);
  assert.match(html, /third &lt;b&gt;text&lt;\/b&gt;/);
  assert.match(html, /zero &lt;tail&gt;/);
  assert.doesNotMatch(html, /<script|<link|<img|src=|url\(|@import/i);
  // the only URLs are XML namespaces
  const urls = html.match(/https?:\/\/[^"' )]+/g) ?? [];
  assert.deepEqual([...new Set(urls)].sort(), ["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
  const raw = await renderHtmlReport(fixtureData({ calibrated: false, scale: 3 }));
  assert.match(raw, /No reliability diagram: the scores are not in \[0, 1\]/);
  assert.match(raw, /No threshold curve/);
  assert.equal(raw.match(/<svg /g)?.length, 4);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { finishRanking } from "../../src/methods/xr-linear/score-calibration.js";

test("finishRanking: a score threshold keeps the ranked prefix scoring at least the threshold", () => {
  const r = { labels: Int32Array.of(3, 1, 4, 0), scores: Float32Array.of(0.9, 0.5, 0.5, 0.2) };
  const cut = finishRanking(r, null, { calibrated: false, threshold: 0.5, thresholds: "none" });
  assert.deepEqual(Array.from(cut.labels), [3, 1, 4]);
  assert.deepEqual(Array.from(cut.scores), [Math.fround(0.9), 0.5, 0.5]);
  assert.equal(finishRanking(r, null, { calibrated: false, threshold: -Infinity, thresholds: "none" }), r);
  assert.equal(finishRanking(r, null, { calibrated: false, threshold: 1, thresholds: "none" }).labels.length, 0);
  assert.throws(() => finishRanking(r, null, { calibrated: false, threshold: -Infinity, thresholds: "global" }), /no fitted thresholds/);
});

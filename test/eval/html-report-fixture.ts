/** A hand-checked report input: 3 points, 4 labels with training counts 0, 1, 5, 9. */
import { csrFromRows } from "../../src/core/csr.js";
import { buildReportData, type ReportInput } from "../../src/eval/html-report.js";
import { evaluate, type Prediction } from "../../src/eval/metrics.js";

export function fixtureInput(o: { calibrated?: boolean; scale?: number } = {}): ReportInput {
  const s = o.scale ?? 1;
  const truth = csrFromRows(4, [[2, 3], [0, 3], [1]]);
  const preds: Prediction[] = [
    { labels: Int32Array.from([3, 1]), scores: Float32Array.from([0.9 * s, 0.2 * s]) },
    { labels: Int32Array.from([3, 2]), scores: Float32Array.from([0.8 * s, 0.3 * s]) },
    { labels: Int32Array.from([1, 3]), scores: Float32Array.from([0.7 * s, 0.1 * s]) },
  ];
  const invProp = Float64Array.from([3, 2, 1.5, 1.2]);
  return {
    preds,
    truth,
    labelNames: ["zero <tail>", "one", "two", "three"],
    trainLabelCounts: Int32Array.from([0, 1, 5, 9]),
    invProp,
    metrics: evaluate(preds, truth, { ks: [1, 3, 5], invProp }),
    ks: [1, 3, 5],
    calibrated: o.calibrated ?? true,
    texts: ["first & text", "second text", "third <b>text</b>"],
    title: "toy model on toy data",
    method: "xr-linear",
  };
}

export const fixtureData = (o: { calibrated?: boolean; scale?: number } = {}) => buildReportData(fixtureInput(o));

/** `xmc evaluate --report FILE`: predict the test data, build the HTML report and write it atomically. */
import { writeFileAtomic } from "../core/atomic-file.js";
import type { Dataset } from "../data/dataset.js";
import type { MetricsReport } from "../eval/metrics.js";
import { inversePropensity } from "../eval/propensity.js";
import type { AnyModel } from "../api/types.js";
import type { Ranked } from "../search/beam.js";

export interface HtmlReportOptions {
  metrics: MetricsReport;
  ks: number[];
  A: number;
  B: number;
  overrides: Record<string, unknown>;
  title: string;
  /** How to predict `ds` with these overrides (default: `model.predictDataset`, one thread). */
  predict?: (overrides: Record<string, unknown>) => Promise<Ranked[]>;
}

/** Predict `ds` with at least 10 labels per point and write the report to `path`. */
export async function writeHtmlReport(model: AnyModel, ds: Dataset, path: string, o: HtmlReportOptions): Promise<void> {
  // loaded here, not at start-up: the plotting library takes a noticeable time to import
  const { buildReportData, CURVE_KS, renderHtmlReport } = await import("../eval/html-report.js");
  const topK = Math.max(CURVE_KS.length, ...o.ks, Number(o.overrides.topK ?? 0));
  const preds = o.predict ? await o.predict({ ...o.overrides, topK }) : model.predictDataset(ds, { ...o.overrides, topK });
  const data = buildReportData({
    preds,
    truth: ds.Y,
    labelNames: ds.labelNames,
    trainLabelCounts: model.trainLabelCounts,
    invProp: inversePropensity(model.trainLabelCounts, model.nTrain, o.A, o.B, ds.Y.cols),
    metrics: o.metrics,
    ks: o.ks,
    calibrated: model.calibrated && o.overrides.rawScores !== true,
    texts: ds.texts,
    title: o.title,
    method: model.method,
  });
  writeFileAtomic(path, await renderHtmlReport(data));
}

/** `xmc evaluate --report FILE`: predict the test data, build the HTML report and write it atomically. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Dataset } from "../data/dataset.js";
import type { MetricsReport } from "../eval/metrics.js";
import { inversePropensity } from "../eval/propensity.js";
import type { AnyModel } from "../api/types.js";

export interface HtmlReportOptions {
  metrics: MetricsReport;
  ks: number[];
  A: number;
  B: number;
  overrides: Record<string, unknown>;
  title: string;
}

/** Predict `ds` with at least 10 labels per point and write the report to `path`. */
export async function writeHtmlReport(model: AnyModel, ds: Dataset, path: string, o: HtmlReportOptions): Promise<void> {
  // loaded here, not at start-up: the plotting library takes a noticeable time to import
  const { buildReportData, CURVE_KS, renderHtmlReport } = await import("../eval/html-report.js");
  const topK = Math.max(CURVE_KS.length, ...o.ks, Number(o.overrides.topK ?? 0));
  const preds = model.predictDataset(ds, { ...o.overrides, topK });
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
  writeTextAtomic(path, await renderHtmlReport(data));
}

/** Write `text` to a temp file beside `path`, fsync it, and rename it into place. */
export function writeTextAtomic(path: string, text: string): void {
  const target = resolve(path);
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created or already renamed
    }
    throw e;
  }
}

import type { Csr } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import { type Calibrator, calibrate, fitCalibrator, parseCalibrator } from "../../eval/calibrate.js";
import type { Prediction } from "../../eval/metrics.js";
import { applyThreshold, tuneGlobalThreshold, tunePerLabelThresholds } from "../../eval/thresholds.js";
import type { Ranked } from "../../search/beam.js";
import type { CalibrationParams } from "./params.js";

/**
 * What a model learns from its held-out split: a score → probability calibrator, the
 * global threshold with the best micro-F1 and per-label thresholds with the best F1
 * (both on calibrated scores).
 */
export interface ScoreCalibration {
  calibrator: Calibrator;
  globalThreshold: number;
  labelThresholds: Float32Array;
}

/** Fit calibration and thresholds from a model's ranked predictions on held-out data. */
export function fitScoreCalibration(pred: Prediction[], truth: Csr, p: CalibrationParams): ScoreCalibration {
  // one monotone map for all ranks, so calibrated scores keep the ranking (and P@k) unchanged
  const calibrator = fitCalibrator(pred, truth, { method: p.method as "isotonic" | "platt", rankBins: 1, topK: 10 });
  const probs = calibrate(calibrator, pred);
  const globalThreshold = tuneGlobalThreshold(probs, truth);
  const labelThresholds = tunePerLabelThresholds(probs, truth, { minSupport: p.minSupport, fallback: globalThreshold });
  return { calibrator, globalThreshold, labelThresholds };
}

/** Options applied after ranking. */
export interface FinishOptions {
  calibrated: boolean;
  threshold: number; // -Infinity = off
  thresholds: "none" | "global" | "tuned";
}

/** Calibrate (when the model has a calibrator and it is wanted) and threshold one ranked list. */
export function finishRanking(r: Ranked, c: ScoreCalibration | null, o: FinishOptions): Ranked {
  let out: Ranked = r;
  if (c && o.calibrated) out = calibrate(c.calibrator, [out])[0];
  if (o.thresholds !== "none") {
    if (!c) throw new XmcError(`--thresholds ${o.thresholds}: this model has no fitted thresholds; train it with a held-out split (--holdout 0.1)`);
    out = applyThreshold([out], o.thresholds === "global" ? c.globalThreshold : c.labelThresholds, { fallback: c.globalThreshold })[0];
  }
  if (o.threshold > -Infinity) out = applyThreshold([out], o.threshold)[0];
  return out;
}

/** Serialisable parts (JSON meta + arrays) and back. */
export function calibrationToFiles(c: ScoreCalibration): { meta: unknown; labelThresholds: Float32Array } {
  return { meta: { calibrator: c.calibrator, globalThreshold: c.globalThreshold }, labelThresholds: c.labelThresholds };
}

export function calibrationFromFiles(meta: unknown, labelThresholds: Float32Array | undefined, where: string): ScoreCalibration {
  const m = meta as { calibrator?: unknown; globalThreshold?: unknown };
  if (!m || typeof m.globalThreshold !== "number" || !labelThresholds) throw new XmcError(`${where}: calibration data is incomplete`);
  return { calibrator: parseCalibrator(m.calibrator), globalThreshold: m.globalThreshold, labelThresholds };
}

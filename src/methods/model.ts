import type { Schema } from "../core/params.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import type { Ranked } from "../search/beam.js";
import type { PrimePredictInput } from "./prime/params.js";
import type { SyncXMLPredictInput } from "./syncxml/params.js";
import type { XRLinearPredictInput } from "./xrlinear-params.js";

/**
 * Prediction options for a model of any method: the options of one of the methods (a key no
 * method has does not compile). Each method also checks them at run time against its prediction
 * schema, since the CLI and the server pass options from flags or a request body; code that
 * knows the method passes the method's own options type.
 */
export type PredictOverrides = XRLinearPredictInput | SyncXMLPredictInput | PrimePredictInput;

/** The overrides a method's prediction schema knows (given ones only), to lay over its stored defaults. */
export function overridesOf(schema: Schema, overrides: PredictOverrides): Record<string, unknown> {
  const o = overrides as Readonly<Record<string, unknown>>;
  const given: Record<string, unknown> = {};
  for (const k of Object.keys(schema)) if (o[k] !== undefined) given[k] = o[k];
  return given;
}

/**
 * What the CLI (predict, evaluate, serve) needs from a trained model, whatever its method:
 * label names, training label statistics (for propensity-scored metrics), batch prediction
 * on a dataset, and saving. Each method also has a static `load(dir)` registered in
 * model/registry.ts.
 */
export interface XmcModel {
  readonly method: string;
  readonly labelNames: string[];
  readonly nLabels: number;
  /** Training positives per label and training set size. */
  readonly trainLabelCounts: Int32Array;
  readonly nTrain: number;
  /** Whether scores are calibrated probabilities (ECE is then reported as such). */
  readonly calibrated: boolean;
  /** Rank labels for every instance of a dataset (texts or features, whichever the method takes). */
  predictDataset(data: Dataset, overrides?: PredictOverrides, progress?: Progress): Ranked[];
  /** Rank labels for raw texts; returns label names with scores. */
  predictTexts(texts: string[], overrides?: PredictOverrides): { label: string; score: number }[][];
  save(dir: string): void;
}

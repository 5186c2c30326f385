import type { Schema } from "../core/params.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import type { Ranked } from "../search/beam.js";

/**
 * Prediction options as the CLI and the server pass them to a model of any method (from flags or
 * a request body): each method checks them at run time against its prediction schema. Code that
 * knows the method passes the method's typed options instead (`XRLinearPredictInput`,
 * `SyncXMLPredictInput`, `PrimePredictInput`), whose keys and values are checked when it compiles.
 */
export type PredictOverrides = Readonly<Record<string, unknown>>;

/** The overrides a method's prediction schema knows (given ones only), to lay over its stored defaults. */
export function overridesOf(schema: Schema, overrides: PredictOverrides): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const k of Object.keys(schema)) if (overrides[k] !== undefined) given[k] = overrides[k];
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

import { XmcError } from "../core/errors.js";
import type { Schema } from "../core/params.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import type { Ranked } from "../search/beam.js";

/**
 * Prediction options every method takes: those of the shared finishing steps (top-k and
 * thresholds). Each method's model takes its own options type (`XmcModel<P>`), a superset of
 * these; `api/types.ts` names the options of a model of any method. Each method also checks
 * options at run time against its prediction schema, since the CLI and the server pass them
 * from flags or a request body.
 */
export interface PredictOverrides {
  topK?: number;
  threshold?: number;
  thresholds?: "none" | "global" | "tuned";
}

/**
 * The given (defined) overrides, checked against a method's prediction schema, to lay over its
 * stored defaults. An option the method does not take (e.g. `thresholds` for a method without
 * fitted thresholds, or a misspelt `topk`) is an error, never silently dropped.
 */
export function overridesOf(schema: Schema, overrides: object): Record<string, unknown> {
  const o = overrides as Readonly<Record<string, unknown>>;
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!Object.hasOwn(schema, k)) throw new XmcError(`predict: unknown option "${k}" for this model (known: ${Object.keys(schema).join(", ")})`);
    given[k] = v;
  }
  return given;
}

/**
 * What the CLI (predict, evaluate, serve) needs from a trained model, whatever its method:
 * label names, training label statistics (for propensity-scored metrics), batch prediction
 * on a dataset, and saving. Each method's `Method` entry (methods/method.ts) trains and
 * loads its models.
 */
export interface XmcModel<P extends object = PredictOverrides> {
  readonly method: string;
  readonly labelNames: string[];
  readonly nLabels: number;
  /** Training positives per label and training set size. */
  readonly trainLabelCounts: Int32Array;
  readonly nTrain: number;
  /** Whether scores are calibrated probabilities (ECE is then reported as such). */
  readonly calibrated: boolean;
  /** Feature dimension of a model trained on feature vectors; null or absent for a model of texts. */
  readonly featureDim?: number | null;
  /** Rank labels for every instance of a dataset (texts or features, whichever the method takes). */
  predictDataset(data: Dataset, overrides?: P, progress?: Progress): Ranked[];
  /** Rank labels for raw texts; returns label names with scores. */
  predictTexts(texts: string[], overrides?: P): { label: string; score: number }[][];
  /** Write the model file (exactly `path`), replacing an existing one atomically. */
  save(path: string): void;
  /**
   * What a worker thread needs to predict as this model does, without reading or decoding its
   * file (structured-cloneable; large arrays in shared memory): given to the method's
   * `fromHandoff` there. Methods without it give workers the file's bytes to decode.
   */
  handoff?(): unknown;
}

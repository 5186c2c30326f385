import { XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf, type Schema } from "../core/params.js";
import { parseSolverParams, type SolverParams } from "../linear/params.js";
import { NEGATIVE_SCHEMES } from "../linear/train-chain.js";
import { COMBINERS } from "../search/combine.js";
import { POST_PROCESSORS } from "../search/postprocess.js";
import { parseStackedParams, type StackedParams } from "../text/stack.js";
import { TREE_SCHEMA, type TreeParams } from "../tree/build.js";

export const XRLINEAR_TRAIN_SCHEMA = {
  negatives: { type: "string", default: "tfn", choices: NEGATIVE_SCHEMES, help: "which instances each node is trained on: tfn (those of its true parent), man (those the trained levels route to the parent), tfn+man" },
  normalize: { type: "boolean", default: true, help: "L2-normalise feature rows of .txt/.arff input (text input is always normalised)" },
} as const satisfies Schema;
export type TrainParams = ParamsOf<typeof XRLINEAR_TRAIN_SCHEMA>;

export const XRLINEAR_PREDICT_SCHEMA = {
  beamSize: { type: "number", default: 10, min: 1, integer: true, help: "nodes kept per tree level during beam search" },
  topK: { type: "number", default: 10, min: 1, integer: true, help: "labels returned per query" },
  postProcessor: { type: "string", default: "l3-hinge", choices: POST_PROCESSORS, help: "score transform and combiner along the tree path" },
  threshold: { type: "number", default: 0, min: 0, help: "drop labels scoring below this (0 = off); with a calibrated model, scores are probabilities" },
  thresholds: { type: "string", default: "none", choices: ["none", "global", "tuned"] as const, help: "thresholds fitted on the held-out split (train with --holdout): global (one, best micro-F1) or tuned (per label, best F1)" },
  rawScores: { type: "boolean", default: false, help: "with a calibrated model, return the raw tree scores instead of probabilities" },
} as const satisfies Schema;
export type PredictParams = ParamsOf<typeof XRLINEAR_PREDICT_SCHEMA>;

export const ENSEMBLE_SCHEMA = {
  trees: { type: "number", default: 2, min: 1, max: 64, integer: true, help: "number of label trees (seeds seed, seed+1, ...); their scores are combined. 2 (default) was above PECOS on every data set measured, at 0.9-1.4x its train CPU; 1 is PECOS single-tree XR-Linear, half the time, size and latency" },
  combine: { type: "string", default: "mean", choices: COMBINERS, help: "how tree scores are combined: mean of post-processed scores, rank (mean 1/rank), softmax" },
  shapes: { type: "string", default: "same", choices: ["same", "mixed"] as const, help: "mixed: every second tree uses half the leaf size, for more diverse trees" },
  losses: { type: "string", default: "same", choices: ["same", "mixed"] as const, help: "mixed: every second tree is a probabilistic one (logistic loss with cost logistic-cost, sigmoid scores), for more diverse trees" },
  logisticCost: { type: "number", default: 1.5, min: 0.001, help: "Cp = Cn of the logistic trees of a mixed ensemble at the root; a node trained on n of the N instances uses cost·N/n" },
  logisticEps: {
    type: "number",
    default: 1,
    min: 0,
    help: "stopping tolerance of the logistic trees' solver (largest |g'| of a pass). 1 (default) trained the logistic tree of presets/mixed-disentangled.json on wordnet-xc in 10 s of CPU instead of 16 s at 0.1, with the same P@k",
  },
} as const satisfies Schema;
export type EnsembleParams = ParamsOf<typeof ENSEMBLE_SCHEMA>;

export const DISENTANGLE_SCHEMA = {
  labelCopies: { type: "number", default: 1, min: 1, max: 8, integer: true, help: "λ: leaf clusters a label may live in, learned from where the matcher sends its instances (1 = off; a tree with no more leaf clusters than match-beam gets no copies, since every instance reaches every cluster)" },
  disentangleRounds: { type: "number", default: 1, min: 1, max: 5, integer: true, help: "reassign-and-retrain alternations when label-copies > 1" },
  matchBeam: { type: "number", default: 10, min: 1, integer: true, help: "beam used to match training instances to leaf clusters" },
  clusterCap: {
    type: "number",
    default: 1.5,
    min: 0,
    help: "after reassignment a leaf cluster takes at most cluster-cap × L/K labels (L labels, K leaf clusters; labels it cannot take go to their next cluster); 0 = unlimited, as in the reference code, where a few clusters gather thousands of labels and retraining costs about twice as much",
  },
  disentangleTrees: {
    type: "string",
    default: "all",
    choices: ["all", "hinge"] as const,
    help: "which trees of an ensemble get label copies: all, or only the squared-hinge trees of a mixed-loss ensemble (its logistic trees then train once, without copies)",
  },
} as const satisfies Schema;
export type DisentangleParams = ParamsOf<typeof DISENTANGLE_SCHEMA>;

export const CALIBRATION_SCHEMA = {
  holdout: { type: "number", default: 0, min: 0, max: 0.5, help: "fraction of the training data held out to fit score calibration and thresholds (0 = off)" },
  method: { type: "string", default: "isotonic", choices: ["isotonic", "platt"] as const, help: "score → probability map fitted per rank bin on the held-out predictions" },
  refit: { type: "boolean", default: true, help: "after fitting on the held-out split, retrain the model on all the data (false: keep the model trained without the held-out rows)" },
  minSupport: { type: "number", default: 5, min: 1, integer: true, help: "labels with fewer held-out positives use the global threshold" },
} as const satisfies Schema;
export type CalibrationParams = ParamsOf<typeof CALIBRATION_SCHEMA>;

/** Everything that defines an XR-Linear model, validated; JSON round-trips. */
export interface XRLinearParams {
  tree: TreeParams;
  solver: SolverParams;
  train: TrainParams;
  predict: PredictParams;
  ensemble: EnsembleParams;
  disentangle: DisentangleParams;
  calibration: CalibrationParams;
  /** TF-IDF configuration for text data (ignored for feature data). */
  text: StackedParams;
}

const SECTIONS = ["tree", "solver", "train", "predict", "ensemble", "disentangle", "calibration", "text"];

/** Validate a (partial) params object; unknown sections or keys are an error naming them. */
export function parseXRLinearParams(input: unknown, where = "params"): XRLinearParams {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) throw new XmcError(`${where}: expected an object`);
  for (const k of Object.keys(o)) {
    if (!SECTIONS.includes(k)) throw new XmcError(`${where}: unknown section "${k}" (known: ${SECTIONS.join(", ")})`);
  }
  return {
    tree: parseParams(TREE_SCHEMA, o.tree, `${where}.tree`),
    solver: parseSolverParams(o.solver, `${where}.solver`),
    train: parseParams(XRLINEAR_TRAIN_SCHEMA, o.train, `${where}.train`),
    predict: parseParams(XRLINEAR_PREDICT_SCHEMA, o.predict, `${where}.predict`),
    ensemble: parseParams(ENSEMBLE_SCHEMA, o.ensemble, `${where}.ensemble`),
    disentangle: parseParams(DISENTANGLE_SCHEMA, o.disentangle, `${where}.disentangle`),
    calibration: parseParams(CALIBRATION_SCHEMA, o.calibration, `${where}.calibration`),
    text: parseStackedParams(o.text, `${where}.text`),
  };
}

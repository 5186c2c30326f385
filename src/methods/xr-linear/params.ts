import { XmcError } from "../../core/errors.js";
import { type InputOf, parseParams, parsePartialParams, type ParamsOf, type Schema } from "../../core/params.js";
import { parseSolverParams, SOLVER_SCHEMA, type SolverParams } from "../../linear/params.js";
import { NEGATIVE_SCHEMES } from "../../linear/train-chain.js";
import { COMBINERS } from "../../search/combine.js";
import { POST_PROCESSORS } from "../../search/postprocess.js";
import { parseStackedParams, type StackedParams, type StackedParamsInput } from "../../text/stack.js";
import { TREE_SCHEMA, type TreeParams } from "../../tree/build.js";
import { FUSION_SCHEMA, type FusionParams } from "./channels.js";

export const XRLINEAR_TRAIN_SCHEMA = {
  negatives: { type: "string", default: "tfn", choices: NEGATIVE_SCHEMES, help: "which instances each node is trained on: tfn (those of its true parent), man (those the trained levels route to the parent), tfn+man" },
  manBeam: { type: "number", default: 10, min: 1, integer: true, help: "with man or tfn+man negatives: nodes kept per level by the beam that routes training instances through the trained levels" },
  normalize: { type: "boolean", default: true, help: "L2-normalise feature rows of .txt/.arff input (text input is always normalised)" },
  subTrees: { type: "number", default: 1, min: 1, max: 65536, integer: true, help: "K > 1: a meta-tree splits the labels into K groups (a power of two) and each group gets an independent sub-tree trained on its rows only, stitched into one ordinary model; the recipe xmc train --distributed runs across machines (1 = one ordinary tree)" },
} as const satisfies Schema;
export type XRLinearTrainParams = ParamsOf<typeof XRLINEAR_TRAIN_SCHEMA>;

/**
 * The default beam of a model with one tree. A single tree's search costs about half of two trees',
 * and a wider beam buys back part of the recall the second tree gives: at 100K labels (synthetic,
 * one tree) beam 20 against 10 took P@5 from 29.77 to 30.03 on the test set and from 30.05 to 30.36
 * on a second set drawn with another seed, at about 1.3× the search time; on the shared sets of up
 * to 17K labels it changed nothing beyond ±0.01. With two trees, beam 20 gained 0.05 P@5 at 1.35×.
 */
export const ONE_TREE_BEAM = 20;

export const XRLINEAR_PREDICT_SCHEMA = {
  beamSize: {
    type: "number",
    default: 10,
    min: 1,
    integer: true,
    help: "nodes kept per tree level during beam search",
    defaultText: `10, or ${ONE_TREE_BEAM} for a model of one tree`,
  },
  topK: { type: "number", default: 10, min: 1, integer: true, help: "labels returned per query" },
  postProcessor: { type: "string", default: "l3-hinge", choices: POST_PROCESSORS, help: "score transform and combiner along the tree path" },
  threshold: { type: "number", default: 0, min: 0, help: "drop labels scoring below this (0 = off); with a calibrated model, scores are probabilities" },
  thresholds: { type: "string", default: "none", choices: ["none", "global", "tuned"] as const, help: "thresholds fitted on the held-out split (train with --holdout): global (one, best micro-F1) or tuned (per label, best F1)" },
  rawScores: { type: "boolean", default: false, help: "with a calibrated model, return the raw tree scores instead of probabilities" },
} as const satisfies Schema;
export type XRLinearPredictParams = ParamsOf<typeof XRLINEAR_PREDICT_SCHEMA>;
/** Prediction options of an XR-Linear model (any subset of {@link XRLINEAR_PREDICT_SCHEMA}). */
export type XRLinearPredictInput = InputOf<typeof XRLINEAR_PREDICT_SCHEMA>;

const LABEL_COPIES = {
  type: "number",
  default: 1,
  min: 1,
  max: 8,
  integer: true,
  help: "λ: leaf clusters a label may live in, learned from where the matcher sends its instances (1 = off; a tree with no more leaf clusters than match-beam gets no copies, since every instance reaches every cluster)",
} as const;

export const DISENTANGLE_SCHEMA = {
  labelCopies: LABEL_COPIES,
  disentangleRounds: { type: "number", default: 1, min: 1, max: 5, integer: true, help: "reassign-and-retrain alternations when label-copies > 1" },
  matchBeam: { type: "number", default: 10, min: 1, integer: true, help: "beam used to match training instances to leaf clusters" },
  clusterCap: {
    type: "number",
    default: 1.5,
    min: 0,
    help: "after reassignment a leaf cluster takes at most cluster-cap × L/K labels (L labels, K leaf clusters; labels it cannot take go to their next cluster); 0 = unlimited, as in the reference code, where a few clusters can gather thousands of labels and make retraining slower",
  },
} as const satisfies Schema;
export type DisentangleParams = ParamsOf<typeof DISENTANGLE_SCHEMA>;

export const ENSEMBLE_SCHEMA = {
  trees: { type: "number", default: 2, min: 1, max: 64, integer: true, help: "number of label trees (tree i clusters with seed tree.seed + i); their scores are combined. 1 is PECOS's single-tree XR-Linear (searched with beam 20 unless predict.beamSize is given), at about half the training time and size of 2" },
  combine: { type: "string", default: "mean", choices: COMBINERS, help: "how tree scores are combined: mean of post-processed scores, rank (mean 1/rank), softmax" },
} as const satisfies Schema;

/**
 * What one ensemble member may set for itself (`ensemble.members[i]`, in a params file); each
 * field left out takes the value of its section (tree, solver, predict, disentangle).
 */
export const MEMBER_SCHEMA = {
  maxLeafSize: TREE_SCHEMA.maxLeafSize,
  loss: SOLVER_SCHEMA.loss,
  Cp: SOLVER_SCHEMA.Cp,
  Cn: SOLVER_SCHEMA.Cn,
  eps: SOLVER_SCHEMA.eps,
  costScaling: SOLVER_SCHEMA.costScaling,
  postProcessor: {
    ...XRLINEAR_PREDICT_SCHEMA.postProcessor,
    help: "score transform of this tree, at prediction and in its training-time beams (a postProcessor given at prediction applies to every tree)",
  },
  labelCopies: LABEL_COPIES,
} as const satisfies Schema;
/** One ensemble member's own settings (any subset of {@link MEMBER_SCHEMA}). */
export type EnsembleMember = InputOf<typeof MEMBER_SCHEMA>;

/** Ensemble settings: the fields of {@link ENSEMBLE_SCHEMA} and the per-tree settings. */
export type EnsembleParams = ParamsOf<typeof ENSEMBLE_SCHEMA> & {
  /** Empty: every tree uses the sections' settings; otherwise one entry per tree. */
  members: EnsembleMember[];
};
export type EnsembleParamsInput = InputOf<typeof ENSEMBLE_SCHEMA> & { members?: readonly EnsembleMember[] };

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
  train: XRLinearTrainParams;
  predict: XRLinearPredictParams;
  ensemble: EnsembleParams;
  disentangle: DisentangleParams;
  calibration: CalibrationParams;
  /**
   * TF-IDF configuration for text data (ignored for feature data); "auto" (the default): chosen
   * on a validation split of the training data (auto.ts), the trained model holding the choice.
   */
  text: StackedParams | "auto";
  /** Neighbour vote and label texts fused with the trees (channels.ts). */
  fusion: FusionParams;
}

/**
 * What the library API takes: any subset of each section, with exact keys (a misspelt key or a
 * wrong choice does not compile). Files and flags go through {@link parseXRLinearParams}.
 */
export interface XRLinearParamsInput {
  tree?: InputOf<typeof TREE_SCHEMA>;
  solver?: InputOf<typeof SOLVER_SCHEMA>;
  train?: InputOf<typeof XRLINEAR_TRAIN_SCHEMA>;
  predict?: XRLinearPredictInput;
  ensemble?: EnsembleParamsInput;
  disentangle?: InputOf<typeof DISENTANGLE_SCHEMA>;
  calibration?: InputOf<typeof CALIBRATION_SCHEMA>;
  text?: StackedParamsInput | "auto";
  fusion?: InputOf<typeof FUSION_SCHEMA>;
}

const SECTIONS = ["tree", "solver", "train", "predict", "ensemble", "disentangle", "calibration", "text", "fusion"];

/** Validate a (partial) params object; unknown sections or keys are an error naming them. */
export function parseXRLinearParams(input: unknown, where = "params"): XRLinearParams {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) throw new XmcError(`${where}: expected an object`);
  for (const k of Object.keys(o)) {
    if (!SECTIONS.includes(k)) throw new XmcError(`${where}: unknown section "${k}" (known: ${SECTIONS.join(", ")})`);
  }
  const solver = parseSolverParams(o.solver, `${where}.solver`);
  const train = parseParams(XRLINEAR_TRAIN_SCHEMA, o.train, `${where}.train`);
  if ((train.subTrees & (train.subTrees - 1)) !== 0) throw new XmcError(`${where}.train.subTrees: must be a power of two, got ${train.subTrees}`);
  const ensemble = parseEnsemble(o.ensemble, solver, `${where}.ensemble`);
  const predict = parseParams(XRLINEAR_PREDICT_SCHEMA, o.predict, `${where}.predict`);
  // the beam default depends on the number of trees (see ONE_TREE_BEAM); a model file stores the value chosen
  const beamGiven = typeof o.predict === "object" && o.predict !== null && (o.predict as Record<string, unknown>).beamSize !== undefined;
  if (!beamGiven && ensemble.trees === 1) predict.beamSize = ONE_TREE_BEAM;
  return {
    tree: parseParams(TREE_SCHEMA, o.tree, `${where}.tree`),
    solver,
    train,
    predict,
    ensemble,
    disentangle: parseParams(DISENTANGLE_SCHEMA, o.disentangle, `${where}.disentangle`),
    calibration: parseParams(CALIBRATION_SCHEMA, o.calibration, `${where}.calibration`),
    text: o.text === undefined || o.text === null || o.text === "auto" ? "auto" : parseStackedParams(o.text, `${where}.text`),
    fusion: parseParams(FUSION_SCHEMA, o.fusion, `${where}.fusion`),
  };
}

/** The ensemble section: its scalar fields, and `members` (none, or one object per tree). */
function parseEnsemble(input: unknown, solver: SolverParams, where: string): EnsembleParams {
  if (input !== undefined && input !== null && (typeof input !== "object" || Array.isArray(input))) throw new XmcError(`${where}: expected an object of parameters`);
  const { members, ...rest } = (input ?? {}) as Record<string, unknown>;
  const e = parseParams(ENSEMBLE_SCHEMA, rest, where);
  if (members === undefined || members === null) return { ...e, members: [] };
  if (!Array.isArray(members)) throw new XmcError(`${where}.members: expected an array with one object per tree`);
  if (members.length > 0 && members.length !== e.trees) throw new XmcError(`${where}.members: ${members.length} entries for ${e.trees} trees; give one per tree (or none)`);
  const list = members.map((m, i) => {
    const at = `${where}.members[${i}]`;
    const p = parsePartialParams(MEMBER_SCHEMA, m, at);
    // the member's solver settings over the solver section must be valid solver params
    parseSolverParams({ ...solver, ...pickSolver(p) }, at);
    return p;
  });
  return { ...e, members: list };
}

/** The solver fields a member sets. */
export function pickSolver(m: EnsembleMember): Partial<SolverParams> {
  const out: Partial<SolverParams> = {};
  if (m.loss !== undefined) out.loss = m.loss;
  if (m.Cp !== undefined) out.Cp = m.Cp;
  if (m.Cn !== undefined) out.Cn = m.Cn;
  if (m.eps !== undefined) out.eps = m.eps;
  if (m.costScaling !== undefined) out.costScaling = m.costScaling;
  return out;
}

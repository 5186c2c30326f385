import { XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf, type Schema } from "../core/params.js";
import { parseSolverParams, type SolverParams } from "../linear/params.js";
import { NEGATIVE_SCHEMES } from "../linear/train-chain.js";
import { POST_PROCESSORS } from "../search/postprocess.js";
import { parseStackedParams, type StackedParams } from "../text/stack.js";
import { TREE_SCHEMA, type TreeParams } from "../tree/build.js";

export const TRAIN_SCHEMA = {
  negatives: { type: "string", default: "tfn", choices: NEGATIVE_SCHEMES, help: "which instances each node is trained on: tfn (those of its true parent), man (those the trained levels route to the parent), tfn+man" },
  normalize: { type: "boolean", default: true, help: "L2-normalise feature rows of .txt/.arff input (text input is always normalised)" },
} as const satisfies Schema;
export type TrainParams = ParamsOf<typeof TRAIN_SCHEMA>;

export const PREDICT_SCHEMA = {
  beamSize: { type: "number", default: 10, min: 1, integer: true, help: "nodes kept per tree level during beam search" },
  topK: { type: "number", default: 10, min: 1, integer: true, help: "labels returned per query" },
  postProcessor: { type: "string", default: "l3-hinge", choices: POST_PROCESSORS, help: "score transform and combiner along the tree path" },
  threshold: { type: "number", default: 0, min: 0, help: "drop labels scoring below this (0 = off)" },
} as const satisfies Schema;
export type PredictParams = ParamsOf<typeof PREDICT_SCHEMA>;

/** Everything that defines an XR-Linear model, validated; JSON round-trips. */
export interface XRLinearParams {
  tree: TreeParams;
  solver: SolverParams;
  train: TrainParams;
  predict: PredictParams;
  /** TF-IDF configuration for text data (ignored for feature data). */
  text: StackedParams;
}

const SECTIONS = ["tree", "solver", "train", "predict", "text"];

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
    train: parseParams(TRAIN_SCHEMA, o.train, `${where}.train`),
    predict: parseParams(PREDICT_SCHEMA, o.predict, `${where}.predict`),
    text: parseStackedParams(o.text, `${where}.text`),
  };
}

import { XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf, type Schema } from "../core/params.js";

/**
 * Parameters of the per-node linear solver (PECOS `MLModel.TrainParams`).
 * Defaults are PECOS's: squared-hinge dual CD, C = 1, bias 1, eps 0.1, 100 outer passes, prune below 0.1.
 */
export const SOLVER_SCHEMA = {
  loss: {
    type: "string",
    default: "squared-hinge",
    choices: ["squared-hinge", "logistic"] as const,
    help: "loss of each binary problem: squared-hinge (L2-loss SVM, PECOS solver 1) or logistic (PECOS solver 7); both solved by dual coordinate descent",
  },
  Cp: { type: "number", default: 1, min: 0, help: "cost of errors on positive instances (must be > 0)" },
  Cn: { type: "number", default: 1, min: 0, help: "cost of errors on negative instances (must be > 0)" },
  bias: { type: "number", default: 1, help: "value of the constant bias feature appended to every instance; <= 0 disables the bias" },
  eps: { type: "number", default: 0.1, min: 0, help: "stopping tolerance: projected-gradient spread (squared hinge) or largest |g'| of a pass (logistic)" },
  maxIter: { type: "number", default: 100, min: 1, integer: true, help: "maximum number of outer passes over the instances" },
  threshold: { type: "number", default: 0.1, min: 0, help: "prune weights with |w| < threshold (the bias weight too)" },
  costScaling: {
    type: "string",
    default: "none",
    choices: ["none", "node-size"] as const,
    help: "node-size: each node's problem uses Cp·N/n and Cn·N/n, N the training instances and n those the node is trained on, so deeper nodes are regularised less (Omikuji's rule for logistic loss)",
  },
} as const satisfies Schema;

export type SolverParams = ParamsOf<typeof SOLVER_SCHEMA>;

/** Validate user input (an object, possibly partial) into full solver parameters. */
export function parseSolverParams(input: unknown, where = "solver"): SolverParams {
  const p = parseParams(SOLVER_SCHEMA, input, where);
  if (!(p.Cp > 0)) throw new XmcError(`${where}.Cp: must be > 0, got ${p.Cp}`);
  if (!(p.Cn > 0)) throw new XmcError(`${where}.Cn: must be > 0, got ${p.Cn}`);
  return p;
}

/** The parameters of one node's problem over n of the N training instances (applies `costScaling`). */
export function nodeSolverParams(p: SolverParams, n: number, N: number): SolverParams {
  if (p.costScaling === "none" || n <= 0 || n >= N) return p;
  const f = N / n;
  return { ...p, Cp: p.Cp * f, Cn: p.Cn * f };
}

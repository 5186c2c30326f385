import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeSolverParams, parseSolverParams } from "../../src/linear/params.js";
import { memberSolverParams } from "../../src/methods/xr-linear/train.js";
import { parseXRLinearParams } from "../../src/methods/xr-linear/params.js";

test("cost scaling: node-size multiplies Cp and Cn by N / n; none and the root keep them", () => {
  const p = parseSolverParams({ Cp: 2, Cn: 0.5, costScaling: "node-size" });
  const q = nodeSolverParams(p, 250, 1000);
  assert.equal(q.Cp, 8);
  assert.equal(q.Cn, 2);
  assert.equal(q.loss, p.loss);
  assert.equal(nodeSolverParams(p, 1000, 1000), p, "a node seeing every instance is the root");
  const none = parseSolverParams({ Cp: 2 });
  assert.equal(nodeSolverParams(none, 10, 1000), none);
  assert.throws(() => parseSolverParams({ costScaling: "depth" }), /costScaling/);
});

test("cost scaling: logistic members of a mixed ensemble scale with node size, hinge members do not", () => {
  const p = parseXRLinearParams({ ensemble: { trees: 3, losses: "mixed", logisticCost: 2 } });
  const hinge = memberSolverParams(p, 0);
  const logistic = memberSolverParams(p, 1);
  assert.equal(hinge.loss, "squared-hinge");
  assert.equal(hinge.costScaling, "none");
  assert.equal(logistic.loss, "logistic");
  assert.equal(logistic.costScaling, "node-size");
  assert.equal(nodeSolverParams(logistic, 100, 400).Cp, 8);
});

test("mixed ensembles: logistic members stop at ensemble.logisticEps, hinge members at solver.eps", () => {
  const p = parseXRLinearParams({ solver: { eps: 0.05 }, ensemble: { trees: 2, losses: "mixed", logisticEps: 0.5 } });
  assert.equal(memberSolverParams(p, 0).eps, 0.05);
  assert.equal(memberSolverParams(p, 1).eps, 0.5);
  assert.equal(parseXRLinearParams({}).ensemble.logisticEps, 1);
  assert.throws(() => parseXRLinearParams({ ensemble: { logisticEps: -1 } }), /logisticEps/);
});

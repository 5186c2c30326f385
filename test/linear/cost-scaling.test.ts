import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeSolverParams, parseSolverParams } from "../../src/linear/params.js";
import { memberLabelCopies, memberPost, memberSolverParams, memberTreeParams } from "../../src/methods/xr-linear/train.js";
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

const LOGISTIC = { loss: "logistic", Cp: 2, Cn: 2, costScaling: "node-size", eps: 0.5 } as const;

test("cost scaling: a logistic member with node-size scaling scales with node size, a member without settings keeps the solver section", () => {
  const p = parseXRLinearParams({ ensemble: { trees: 3, members: [{}, LOGISTIC, {}] } });
  const hinge = memberSolverParams(p, 0);
  const logistic = memberSolverParams(p, 1);
  assert.equal(hinge.loss, "squared-hinge");
  assert.equal(hinge.costScaling, "none");
  assert.equal(logistic.loss, "logistic");
  assert.equal(logistic.costScaling, "node-size");
  assert.equal(nodeSolverParams(logistic, 100, 400).Cp, 8);
  assert.deepEqual(memberSolverParams(p, 2), p.solver);
});

test("ensemble members: each field defaults to its section; a member's eps, leaf size, post-processor and copies are its own", () => {
  const p = parseXRLinearParams({ solver: { eps: 0.05 }, disentangle: { labelCopies: 2 }, ensemble: { trees: 2, members: [{}, { ...LOGISTIC, maxLeafSize: 50, postProcessor: "sigmoid", labelCopies: 1 }] } });
  assert.equal(memberSolverParams(p, 0).eps, 0.05);
  assert.equal(memberSolverParams(p, 1).eps, 0.5);
  assert.deepEqual(memberTreeParams(p, 0), { ...p.tree, seed: 0 });
  assert.deepEqual(memberTreeParams(p, 1), { ...p.tree, seed: 1, maxLeafSize: 50 });
  assert.equal(memberPost(p, 0), "l3-hinge");
  assert.equal(memberPost(p, 1), "sigmoid");
  assert.equal(memberLabelCopies(p, 0), 2);
  assert.equal(memberLabelCopies(p, 1), 1);
  assert.deepEqual(parseXRLinearParams(JSON.parse(JSON.stringify(p))), p, "params round-trip through JSON");
  assert.deepEqual(parseXRLinearParams({}).ensemble.members, []);
  assert.throws(() => parseXRLinearParams({ ensemble: { trees: 2, members: [{}] } }), /1 entries for 2 trees/);
  assert.throws(() => parseXRLinearParams({ ensemble: { trees: 1, members: [{ eps: -1 }] } }), /members\[0\]\.eps/);
  assert.throws(() => parseXRLinearParams({ ensemble: { trees: 1, members: [{ Cp: 0 }] } }), /members\[0\]\.Cp/);
  assert.throws(() => parseXRLinearParams({ ensemble: { trees: 1, members: [{ seed: 3 }] } }), /unknown parameter "seed"/);
  assert.throws(() => parseXRLinearParams({ ensemble: { trees: 1, members: {} } }), /expected an array/);
});

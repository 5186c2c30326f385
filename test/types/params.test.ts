/**
 * Params inputs are checked when the code compiles: this file is compiled with the rest of the
 * project, and every `@ts-expect-error` below must meet an error (an unused one fails the build).
 * The functions are declared, never called with a model: the runtime part only checks that the
 * correct inputs also parse.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { InputOf } from "../../src/core/params.js";
import type { AnyModel } from "../../src/api/types.js";
import type { PrimeModel } from "../../src/methods/prime/model.js";
import { parsePrimeParams, type PrimeParamsInput } from "../../src/methods/prime/params.js";
import type { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import { parseSyncXMLParams, type SyncXMLParamsInput } from "../../src/methods/syncxml/params.js";
import type { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { parseXRLinearParams, XRLINEAR_PREDICT_SCHEMA, type XRLinearParamsInput } from "../../src/methods/xr-linear/params.js";

// compile-time checks only: never run
function typeChecks(xr: XRLinearModel, sx: SyncXMLModel, pr: PrimeModel, any: AnyModel): void {
  const ok: XRLinearParamsInput = {
    tree: { maxLeafSize: 50, nrSplits: 8 },
    solver: { loss: "logistic", Cp: 2 },
    train: { negatives: "tfn+man", manBeam: 10 },
    ensemble: { trees: 2, members: [{}, { loss: "logistic", maxLeafSize: 50, postProcessor: "sigmoid", labelCopies: 1 }] },
    text: { vectorizers: [{ analyzer: "char_wb", ngramMin: 2, ngramMax: 4 }] },
  };
  // @ts-expect-error misspelt key in a section
  const typo: XRLinearParamsInput = { tree: { maxLeafSiz: 100 } };
  // @ts-expect-error unknown section
  const section: XRLinearParamsInput = { trees: {} };
  // @ts-expect-error a string that is not one of the choices
  const choice: XRLinearParamsInput = { solver: { loss: "hinge" } };
  // @ts-expect-error a string for a number
  const str: XRLinearParamsInput = { tree: { maxLeafSize: "100" } };
  // @ts-expect-error an unknown key in an ensemble member
  const member: XRLinearParamsInput = { ensemble: { members: [{ seed: 1 }] } };
  // @ts-expect-error an unknown key in a text vectorizer
  const vec: XRLinearParamsInput = { text: { vectorizers: [{ ngramMaks: 2 }] } };
  // @ts-expect-error a wrong analyzer
  const analyzer: XRLinearParamsInput = { text: { vectorizers: [{ analyzer: "chars" }] } };
  const choices: InputOf<typeof XRLINEAR_PREDICT_SCHEMA> = { postProcessor: "sigmoid" };
  // @ts-expect-error not a post-processor
  const badPost: InputOf<typeof XRLINEAR_PREDICT_SCHEMA> = { postProcessor: "sigmod" };

  xr.predictTexts(["a"], { topK: 5, beamSize: 20, thresholds: "tuned" });
  // @ts-expect-error prediction options are exact: topk is not topK
  xr.predictTexts(["a"], { topk: 5 });
  // @ts-expect-error a SyncXML option is no XR-Linear option
  xr.predictTexts(["a"], { shortlist: 5 });
  // @ts-expect-error a string for a number
  xr.predictTexts(["a"], { topK: "5" });
  sx.predictTexts(["a"], { topK: 5, shortlist: 50, score: "probs" });
  // @ts-expect-error a wrong choice
  sx.predictTexts(["a"], { score: "prob" });
  // @ts-expect-error an XR-Linear option is no SyncXML option
  sx.predictTexts(["a"], { beamSize: 5 });
  pr.predictTexts(["a"], { topK: 5, search: "hnsw", mix: 0.5 });
  // @ts-expect-error a wrong choice
  pr.predictTexts(["a"], { search: "ann" });

  // a model of any method takes the options of any method, but no key none of them has
  any.predictTexts(["a"], { topK: 5, search: "hnsw", beamSize: 20 });
  // @ts-expect-error no method has topk
  any.predictTexts(["a"], { topk: 5 });

  const sxOk: SyncXMLParamsInput = { model: { architecture: "inceptionxml" }, wordvec: { source: "random" }, encoder: { embDim: 64 } };
  // @ts-expect-error a wrong architecture
  const sxBad: SyncXMLParamsInput = { model: { architecture: "bert" } };
  // @ts-expect-error a misspelt section
  const sxSec: SyncXMLParamsInput = { encode: {} };
  const prOk: PrimeParamsInput = { encoder: { dim: 32 }, lpn: { heads: 2 }, predict: { search: "exact" } };
  // @ts-expect-error a misspelt key
  const prBad: PrimeParamsInput = { lpn: { head: 2 } };
  void [ok, typo, section, choice, str, member, vec, analyzer, choices, badPost, sxOk, sxBad, sxSec, prOk, prBad];
}
void typeChecks;

test("typed params inputs that compile also parse", () => {
  const xr: XRLinearParamsInput = { tree: { maxLeafSize: 50 }, ensemble: { trees: 2, members: [{}, { loss: "logistic" }] }, predict: { postProcessor: "sigmoid" } };
  const p = parseXRLinearParams(xr);
  assert.equal(p.tree.maxLeafSize, 50);
  assert.equal(p.ensemble.members[1].loss, "logistic");
  // the validated params are an input too (a stored model's params can train a new one)
  const again: XRLinearParamsInput = p;
  assert.deepEqual(parseXRLinearParams(again), p);
  const sx: SyncXMLParamsInput = { model: { architecture: "inceptionxml" } };
  assert.equal(parseSyncXMLParams(sx).model.architecture, "inceptionxml");
  const pr: PrimeParamsInput = { encoder: { dim: 32 }, lpn: { heads: 2 } };
  assert.equal(parsePrimeParams(pr).lpn.heads, 2);
});

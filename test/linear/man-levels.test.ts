// Matcher-aware negatives restricted to the lower levels (trainChain's manFromLevel): the levels
// above it are trained exactly as with TFN, the levels from it on exactly as with tfn+man.
import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeRowsL2 } from "../../src/core/csr.js";
import { parseSolverParams } from "../../src/linear/params.js";
import { type ChainTrainOptions, trainChain } from "../../src/linear/train-chain.js";
import { postProcessor } from "../../src/search/postprocess.js";
import { manFromLevel } from "../../src/methods/xr-transformer/ranker.js";
import { buildLabelTree } from "../../src/tree/build.js";
import { syntheticXc } from "../methods/xr-linear-toy.js";

const data = syntheticXc(300, 7, 40);
const X = normalizeRowsL2(data.X!);
// 40 labels, leaves of at most 4, out-degree 4: three levels (4 → 16 → 40 nodes or similar)
const chain = buildLabelTree(X, data.Y, { nrSplits: 4, maxLeafSize: 4, kmeansMaxIter: 20, seed: 1 });
const base: ChainTrainOptions = {
  solver: parseSolverParams({ threshold: 0 }),
  negatives: "tfn",
  threads: 1,
  seed: 3,
  beamSize: 2,
  post: postProcessor("l3-hinge"),
};
const train = (o: Partial<ChainTrainOptions>) => trainChain(X, data.Y, chain, { ...base, ...o });
const flat = (w: { entVal: Float32Array }) => Array.from(w.entVal);

test("manFromLevel: levels above it as TFN, the rest as tfn+man", async () => {
  assert.ok(chain.length >= 3, `toy tree has ${chain.length} levels`);
  const last = chain.length - 1;
  const tfn = await train({});
  const all = await train({ negatives: "tfn+man" });
  const lastOnly = await train({ negatives: "tfn+man", manFromLevel: last });
  const defaultOne = await train({ negatives: "tfn+man", manFromLevel: 1 });
  for (let t = 0; t < chain.length; t++) assert.deepEqual(flat(defaultOne[t]), flat(all[t]), `level ${t}: manFromLevel 1 is the default`);
  for (let t = 0; t < last; t++) assert.deepEqual(flat(lastOnly[t]), flat(tfn[t]), `level ${t} trained on TFN`);
  // the last level sees more instances per parent than with TFN, so its weights change
  assert.notDeepEqual(flat(lastOnly[last]), flat(tfn[last]));
  // above the chain: nothing gets matcher-aware negatives
  const none = await train({ negatives: "tfn+man", manFromLevel: chain.length });
  for (let t = 0; t < chain.length; t++) assert.deepEqual(flat(none[t]), flat(tfn[t]), `level ${t}`);
});

test("xr-transformer ranker: MAN on the label level only when its parent level is wider than the beam", () => {
  const last = chain.length - 1;
  const parents = chain[last].nParents;
  const p = (negatives: "tfn" | "man" | "tfn+man", manLevels: "last" | "all", manBeam: number) => ({ negatives, manLevels, manBeam });
  assert.equal(manFromLevel(chain, p("tfn+man", "last", parents - 1)), last);
  // a beam that reaches every parent would make MAN one-vs-all: the label level stays on TFN
  assert.equal(manFromLevel(chain, p("tfn+man", "last", parents)), chain.length);
  assert.equal(manFromLevel(chain, p("tfn+man", "all", parents)), 1);
  assert.equal(manFromLevel(chain, p("tfn", "all", 1)), chain.length);
});

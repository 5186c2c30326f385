import type { Csr } from "../../core/csr.js";
import type { Progress } from "../../core/progress.js";
import type { LevelWeights } from "../../linear/level-weights.js";
import { trainChain, type NegativeScheme, type TrainPool } from "../../linear/train-chain.js";
import { type SearchLookup, searchEveryRow } from "../../search/beam.js";
import { postProcessor, type PostProcessorName } from "../../search/postprocess.js";
import { buildLabelTreeParallel } from "../../tree/build.js";
import type { ClusterChain } from "../../tree/chain.js";
import { assignLabelCopies, matchCounts } from "../../tree/disentangle.js";
import { type EnsembleMember, pickSolver, type XRLinearParams } from "./params.js";

/** One label tree with its per-level weights. */
export interface TreeModel {
  chain: ClusterChain;
  weights: LevelWeights[];
  /** The search's lookup structures, when the load built them (on two threads: search/tree-load.ts). */
  lookup?: SearchLookup;
}

export interface TreeTrainOptions {
  threads: number;
  progress: Progress;
  solverKind?: "wasm" | "js";
  /** Solver workers over X shared by every tree and round (from createTrainPool). */
  pool?: TrainPool | null;
  /** PIFA label embeddings of (X, Y), computed once for all trees. */
  embedding?: Csr;
  /** Called once the tree is clustered (so a caller can free the embedding the tree no longer needs). */
  clustered?: () => void;
  /** Called once the tree's last problems are solved, before their weights are assembled (so a caller can stop the solver workers). */
  solved?: () => Promise<void>;
}

/** The settings ensemble member i gives itself (none when `ensemble.members` is empty). */
function member(p: XRLinearParams, i: number): EnsembleMember {
  return p.ensemble.members[i] ?? {};
}

/** The tree parameters of ensemble member i: seed tree.seed + i, its own maxLeafSize if it sets one. */
export function memberTreeParams(p: XRLinearParams, i: number): XRLinearParams["tree"] {
  return { ...p.tree, seed: p.tree.seed + i, maxLeafSize: member(p, i).maxLeafSize ?? p.tree.maxLeafSize };
}

/** The solver parameters of ensemble member i: the solver section with the member's own settings over it. */
export function memberSolverParams(p: XRLinearParams, i: number): XRLinearParams["solver"] {
  const own = pickSolver(member(p, i));
  return Object.keys(own).length === 0 ? p.solver : { ...p.solver, ...own };
}

/** The post-processor of ensemble member i (its own, else predict.postProcessor). */
export function memberPost(p: XRLinearParams, i: number): PostProcessorName {
  return member(p, i).postProcessor ?? p.predict.postProcessor;
}

/** The label copies of ensemble member i (its own, else disentangle.labelCopies). */
export function memberLabelCopies(p: XRLinearParams, i: number): number {
  return member(p, i).labelCopies ?? p.disentangle.labelCopies;
}

/** Build and train ensemble member i, with label disentanglement rounds when asked. */
export async function trainTree(X: Csr, Y: Csr, p: XRLinearParams, i: number, o: TreeTrainOptions): Promise<TreeModel> {
  const treeParams = memberTreeParams(p, i);
  o.progress.log(`tree ${i + 1}/${p.ensemble.trees}: clustering ${Y.cols} labels`);
  const t0 = performance.now();
  let chain = await buildLabelTreeParallel(X, Y, treeParams, o.threads, o.embedding);
  o.progress.log(`tree ${i + 1}/${p.ensemble.trees}: clustered in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  o.clustered?.();
  const post = postProcessor(memberPost(p, i));
  const train = (c: ClusterChain, levels = c.length, last = true) =>
    trainChain(X, Y, c, {
      levels,
      solver: memberSolverParams(p, i),
      negatives: p.train.negatives as NegativeScheme,
      threads: o.threads,
      pool: o.pool,
      seed: treeParams.seed,
      beamSize: p.train.manBeam,
      post,
      solverKind: o.solverKind,
      progress: o.progress,
      solved: last ? o.solved : undefined,
    });
  const lambda = memberLabelCopies(p, i);
  if (lambda <= 1 || chain.length < 2) return { chain, weights: await train(chain) };
  const K = chain[chain.length - 1].nParents;
  if (p.disentangle.matchBeam >= K) {
    // the beam reaches every leaf cluster from every instance: the counts carry no information
    o.progress.log(`tree ${i + 1}: no label copies (the matching beam of ${p.disentangle.matchBeam} reaches all ${K} leaf clusters)`);
    return { chain, weights: await train(chain) };
  }
  // disentanglement matches the training set through the matcher levels only, so every model
  // before the last one is trained without its leaf level
  const rounds = p.disentangle.disentangleRounds;
  let weights = await train(chain, chain.length - 1, false);
  for (let r = 0; r < rounds; r++) {
    const D = chain.length;
    const matched = searchEveryRow(X, chain, weights, p.solver.bias, { levels: D - 1, beam: p.disentangle.matchBeam, post }, o.progress);
    const counts = matchCounts(Y, matched, chain[D - 1].nParents);
    const cap = p.disentangle.clusterCap > 0 ? Math.ceil((p.disentangle.clusterCap * Y.cols) / chain[D - 1].nParents) : 0;
    const bottom = assignLabelCopies(counts, chain[D - 1], lambda, cap);
    o.progress.log(`disentangle round ${r + 1}: ${bottom.children.length - Y.cols} label copies added`);
    chain = [...chain.slice(0, D - 1), bottom];
    weights = await train(chain, r === rounds - 1 ? D : D - 1, r === rounds - 1);
  }
  return { chain, weights };
}

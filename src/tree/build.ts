import { availableParallelism } from "node:os";
import type { Csr } from "../core/csr.js";
import { type ParamsOf, type Schema } from "../core/params.js";
import { type ClusterChain, chainFromCodes } from "./chain.js";
import { balancedKMeansCodes, EMPTY_LABEL_MODES, type EmptyLabelMode } from "./kmeans.js";
import { balancedKMeansCodesParallel } from "./kmeans-parallel.js";
import { pifa } from "./pifa.js";

export const TREE_SCHEMA = {
  nrSplits: { type: "number", default: 16, min: 2, integer: true, help: "out-degree B of the label tree" },
  maxLeafSize: { type: "number", default: 100, min: 1, integer: true, help: "largest number of labels in a leaf cluster" },
  kmeansMaxIter: { type: "number", default: 20, min: 1, integer: true, help: "2-means iterations per split" },
  seed: { type: "number", default: 0, integer: true, help: "random seed of the clustering" },
  emptyLabels: {
    type: "string",
    default: "cluster",
    choices: EMPTY_LABEL_MODES,
    help: "labels without training rows: cluster (split with the others as zero vectors, as PECOS does) or spread (left out of the 2-means splits, dealt evenly over the leaves); cluster is better where many labels have none (one tree, P@3 +0.7 at 1M labels) and level with spread on the real sets (4-seed means)",
  },
} as const satisfies Schema;
export type TreeParams = ParamsOf<typeof TREE_SCHEMA>;
/**
 * Tree parameters as the builders take them. emptyLabels may be left out: then "spread", the
 * clustering's own default, which the label clusters of the neural methods (XR-Transformer's
 * trees, SyncXML's meta labels, PRIME's batches) keep; XR-Linear's params default to "cluster".
 */
export type TreeBuildParams = Omit<TreeParams, "emptyLabels"> & { emptyLabels?: EmptyLabelMode };

/**
 * PIFA embeddings → balanced hierarchical spherical 2-means → B-ary cluster chain.
 * Z, the PIFA embeddings of (X, Y), may be passed in when several trees share them.
 */
export function buildLabelTree(X: Csr, Y: Csr, p: TreeBuildParams, Z: Csr = pifa(X, Y)): ClusterChain {
  const { codes, nLeaves } = balancedKMeansCodes(Z, { maxLeafSize: p.maxLeafSize, maxIter: p.kmeansMaxIter, seed: p.seed, emptyLabels: p.emptyLabels });
  return chainFromCodes(codes, nLeaves, p.nrSplits);
}

/**
 * {@link buildLabelTree} with the clustering on `threads` threads, at most one per core (each
 * worker holds a copy of Z in its kernel's memory); the same tree for every count.
 */
export async function buildLabelTreeParallel(X: Csr, Y: Csr, p: TreeBuildParams, threads: number, Z: Csr = pifa(X, Y)): Promise<ClusterChain> {
  const n = Math.max(1, Math.min(threads, availableParallelism()));
  const { codes, nLeaves } = await balancedKMeansCodesParallel(Z, { maxLeafSize: p.maxLeafSize, maxIter: p.kmeansMaxIter, seed: p.seed, emptyLabels: p.emptyLabels }, n);
  return chainFromCodes(codes, nLeaves, p.nrSplits);
}

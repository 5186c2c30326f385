/**
 * A label tree with its per-level weights as named model-file arrays, and back: the part of
 * the model file that every tree-based method (XR-Linear and the ranker of XR-Transformer)
 * writes the same way. Names are `tree.I.T.FIELD` for tree I and level T.
 */
import type { ClusterChain } from "../tree/chain.js";
import type { LevelWeights } from "./beam.js";

export interface WeightedTree {
  chain: ClusterChain;
  weights: LevelWeights[];
}

/** The shape of every level of every tree, for the model header. */
export type TreeShapes = { nNodes: number; nParents: number }[][];

export function treeShapes(trees: readonly WeightedTree[]): TreeShapes {
  return trees.map((tree) => tree.chain.map((lv) => ({ nNodes: lv.nNodes, nParents: lv.nParents })));
}

/** Add the arrays of `trees` to `arrays`. */
export function addTreeArrays(trees: readonly WeightedTree[], arrays: Record<string, Int32Array | Float32Array | Float64Array | Uint8Array | Uint16Array>): void {
  trees.forEach((tree, i) =>
    tree.chain.forEach((lv, t) => {
      const pre = `tree.${i}.${t}`;
      const w = tree.weights[t];
      arrays[`${pre}.ptr`] = lv.ptr;
      arrays[`${pre}.children`] = lv.children;
      arrays[`${pre}.chunkPtr`] = w.chunkPtr;
      arrays[`${pre}.rowFeat`] = w.rowFeat;
      arrays[`${pre}.rowPtr`] = w.rowPtr;
      arrays[`${pre}.entChild`] = w.entChild;
      arrays[`${pre}.entVal`] = w.entVal;
    }),
  );
}

/** The trees of a model file from its header's shapes; `need` returns a named array or throws. */
export function treesFromArrays<A>(shapes: TreeShapes, need: (name: string) => A): WeightedTree[] {
  const get = need as unknown as (name: string) => never;
  return shapes.map((levels, i) => ({
    chain: levels.map((lv, t) => ({ nNodes: lv.nNodes, nParents: lv.nParents, ptr: get(`tree.${i}.${t}.ptr`), children: get(`tree.${i}.${t}.children`) })),
    weights: levels.map((_, t) => ({
      chunkPtr: get(`tree.${i}.${t}.chunkPtr`),
      rowFeat: get(`tree.${i}.${t}.rowFeat`),
      rowPtr: get(`tree.${i}.${t}.rowPtr`),
      entChild: get(`tree.${i}.${t}.entChild`),
      entVal: get(`tree.${i}.${t}.entVal`),
    })),
  }));
}

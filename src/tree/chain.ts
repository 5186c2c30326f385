import { groupBy, transposePattern } from "../core/csr.js";
import { XmcError } from "../core/errors.js";

/**
 * One level of a label tree: which nodes of this level hang under each node of the
 * level above, as a parent → children CSR (the transpose of PECOS's 0/1 cluster matrix C_t).
 * A child may hang under several parents (label disentanglement); in a strict tree it has one.
 */
export interface ChainLevel {
  /** Number of nodes at this level (K_t). At the last level this is the number of labels. */
  nNodes: number;
  /** Number of nodes at the level above (K_{t-1}); 1 at the top level. */
  nParents: number;
  /** nParents + 1 offsets into `children`. */
  ptr: Int32Array;
  /** Child node ids grouped by parent, sorted within a parent. */
  children: Int32Array;
}

/** A label tree as a chain of levels, top (level 0, under a virtual root) to bottom (labels). */
export type ClusterChain = ChainLevel[];

function levelFromParents(parentOf: Int32Array, nParents: number): ChainLevel {
  const { ptr, order } = groupBy(parentOf, nParents);
  return { nNodes: parentOf.length, nParents, ptr, children: order };
}

/**
 * Build a B-ary chain from leaf codes (label → leaf of a balanced binary tree, leaves
 * numbered left to right): consecutive leaves are merged by j → floor(j / B) until the
 * top has at most minCodes nodes, then a root level is added on top if needed.
 */
export function chainFromCodes(codes: Int32Array, nLeaves: number, nrSplits: number, minCodes = nrSplits): ClusterChain {
  const levels: ClusterChain = [];
  if (nLeaves <= 1) {
    levels.push(levelFromParents(new Int32Array(codes.length), 1));
    return levels;
  }
  levels.push(levelFromParents(codes, nLeaves));
  let k = nLeaves;
  while (k > minCodes) {
    const parents = Math.ceil(k / nrSplits);
    const parentOf = new Int32Array(k);
    for (let j = 0; j < k; j++) parentOf[j] = Math.floor(j / nrSplits);
    levels.unshift(levelFromParents(parentOf, parents));
    k = parents;
  }
  if (k > 1) levels.unshift(levelFromParents(new Int32Array(k), 1));
  return levels;
}

/** For every node of a level, the list of its parents (child → parents CSR). */
export function parentsOf(level: ChainLevel): { ptr: Int32Array; parents: Int32Array } {
  const { ptr, idx } = transposePattern(level.ptr, level.children, level.nParents, level.nNodes);
  return { ptr, parents: idx };
}

/** Check that the chain is well formed: level sizes agree, every node has a parent, ids in range. */
export function validateChain(chain: ClusterChain, nLabels: number): void {
  if (chain.length === 0) throw new XmcError("label tree has no levels");
  if (chain[0].nParents !== 1) throw new XmcError("label tree: top level must hang under a single root");
  for (let t = 0; t < chain.length; t++) {
    const lv = chain[t];
    if (t > 0 && lv.nParents !== chain[t - 1].nNodes) throw new XmcError(`label tree: level ${t} has ${lv.nParents} parents but level ${t - 1} has ${chain[t - 1].nNodes} nodes`);
    if (lv.ptr.length !== lv.nParents + 1 || lv.ptr[lv.nParents] !== lv.children.length) throw new XmcError(`label tree: level ${t} offsets are inconsistent`);
    const seen = new Uint8Array(lv.nNodes);
    for (const c of lv.children) {
      if (c < 0 || c >= lv.nNodes) throw new XmcError(`label tree: level ${t} has node id ${c} out of range`);
      seen[c] = 1;
    }
    if (seen.includes(0)) throw new XmcError(`label tree: level ${t} has a node without a parent`);
  }
  if (chain[chain.length - 1].nNodes !== nLabels) throw new XmcError(`label tree: last level has ${chain[chain.length - 1].nNodes} nodes, expected ${nLabels} labels`);
}

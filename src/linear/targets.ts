import { type Csr, transposePattern } from "../core/csr.js";
import { type ClusterChain, parentsOf } from "../tree/chain.js";

/** Node → sorted instance ids, for every node of one level (a CSC of Y_t). */
export interface NodeInstances {
  ptr: Int32Array;
  idx: Int32Array;
}

/**
 * Y_t for every level t of the chain, as node → instances lists. The last level is Y
 * itself (labels); each level above is binarize(Y_{t+1} · C_{t+1}): an instance is
 * positive for a node when it is positive for one of the node's children.
 */
export function levelTargets(Y: Csr, chain: ClusterChain): NodeInstances[] {
  const D = chain.length;
  const out: NodeInstances[] = new Array(D);
  // instance → nodes (CSR rows), starting from Y
  let rowsPtr = Y.indptr;
  let rowsIdx = Y.indices;
  for (let t = D - 1; t >= 0; t--) {
    const nodes = transposePattern(rowsPtr, rowsIdx, Y.rows, chain[t].nNodes);
    out[t] = { ptr: nodes.ptr, idx: nodes.idx };
    if (t === 0) break;
    const up = parentsOf(chain[t]);
    const mark = new Int32Array(chain[t].nParents).fill(-1);
    const ptr = new Int32Array(Y.rows + 1);
    const idx: number[] = [];
    for (let i = 0; i < Y.rows; i++) {
      const start = idx.length;
      for (let k = rowsPtr[i]; k < rowsPtr[i + 1]; k++) {
        const j = rowsIdx[k];
        for (let q = up.ptr[j]; q < up.ptr[j + 1]; q++) {
          const p = up.parents[q];
          if (mark[p] !== i) {
            mark[p] = i;
            idx.push(p);
          }
        }
      }
      const seg = idx.slice(start).sort((a, b) => a - b);
      for (let k = 0; k < seg.length; k++) idx[start + k] = seg[k];
      ptr[i + 1] = idx.length;
    }
    rowsPtr = ptr;
    rowsIdx = Int32Array.from(idx);
  }
  return out;
}

import { type Csr, RowSetBuilder, transposePattern } from "../core/csr.js";
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
    const rows = new RowSetBuilder(Y.rows, chain[t].nParents);
    for (let i = 0; i < Y.rows; i++) {
      for (let k = rowsPtr[i]; k < rowsPtr[i + 1]; k++) {
        const j = rowsIdx[k];
        for (let q = up.ptr[j]; q < up.ptr[j + 1]; q++) rows.add(up.parents[q]);
      }
      rows.endRow();
    }
    rowsPtr = rows.ptr;
    rowsIdx = rows.indices();
  }
  return out;
}

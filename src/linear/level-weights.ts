import type { ChainLevel } from "../tree/chain.js";

/**
 * The weights of one tree level in the layout prediction wants: one chunk per parent
 * (PECOS's chunked layout). A chunk lists the sorted feature ids that are non-zero for
 * any of the parent's children and, per feature, (child position, weight) entries.
 * Child positions index the parent's slice of `ChainLevel.children`, so weights belong
 * to tree edges: a label copied under two parents (disentanglement) has two weight vectors.
 * The bias weight is stored under feature id `dim` (the query's implicit constant feature).
 */
export interface LevelWeights {
  /** nParents + 1 offsets into rowFeat. */
  chunkPtr: Int32Array;
  /** Feature id of each chunk row (sorted within a chunk); `dim` = bias. */
  rowFeat: Int32Array;
  /** rowFeat.length + 1 offsets into entChild / entVal. */
  rowPtr: Int32Array;
  /** Child position within its parent's children slice (16-bit when every parent has < 65,536 children). */
  entChild: Int32Array | Uint16Array;
  entVal: Float32Array;
}

/** Edge-major weights: column e = edge e (position e of level.children), rows = feature ids. */
export interface EdgeWeights {
  colptr: Int32Array;
  rows: Int32Array;
  values: Float32Array;
}

/** Convert per-edge weight columns into the chunked per-parent layout (linear time, typed arrays). */
export function chunkLevel(level: ChainLevel, W: EdgeWeights): LevelWeights {
  const nParents = level.nParents;
  const nnz = W.colptr[W.colptr.length - 1];
  let dim = 0;
  for (let q = 0; q < nnz; q++) if (W.rows[q] >= dim) dim = W.rows[q] + 1;
  const rowOf = new Int32Array(dim).fill(-1);
  const chunkPtr = new Int32Array(nParents + 1);
  const rowFeat = new Int32Array(nnz);
  const rowPtr = new Int32Array(nnz + 1);
  let maxChildren = 0;
  for (let p = 0; p < nParents; p++) maxChildren = Math.max(maxChildren, level.ptr[p + 1] - level.ptr[p]);
  const entChild = maxChildren <= 65536 ? new Uint16Array(nnz) : new Int32Array(nnz);
  const entVal = new Float32Array(nnz);
  let nRows = 0;
  for (let p = 0; p < nParents; p++) {
    const e0 = level.ptr[p];
    const e1 = level.ptr[p + 1];
    const r0 = nRows;
    // distinct features of this parent's children, sorted
    for (let q = W.colptr[e0]; q < W.colptr[e1]; q++) {
      const f = W.rows[q];
      if (rowOf[f] === -1) {
        rowOf[f] = 0;
        rowFeat[nRows++] = f;
      }
    }
    const feats = rowFeat.subarray(r0, nRows).sort();
    // count entries per row, prefix sums into rowPtr
    for (let r = 0; r < feats.length; r++) rowOf[feats[r]] = r0 + r;
    const base = W.colptr[e0];
    for (let r = r0; r < nRows; r++) rowPtr[r + 1] = 0;
    for (let q = W.colptr[e0]; q < W.colptr[e1]; q++) rowPtr[rowOf[W.rows[q]] + 1]++;
    rowPtr[r0] = base;
    for (let r = r0; r < nRows; r++) rowPtr[r + 1] += rowPtr[r];
    // fill in edge order, so entries of a row are sorted by child
    const next = rowPtr.slice(r0, nRows);
    for (let e = e0; e < e1; e++) {
      for (let q = W.colptr[e]; q < W.colptr[e + 1]; q++) {
        const r = rowOf[W.rows[q]] - r0;
        const k = next[r]++;
        entChild[k] = e - e0;
        entVal[k] = W.values[q];
      }
    }
    for (let r = r0; r < nRows; r++) rowOf[rowFeat[r]] = -1;
    chunkPtr[p + 1] = nRows;
  }
  return {
    chunkPtr,
    rowFeat: rowFeat.slice(0, nRows),
    rowPtr: rowPtr.slice(0, nRows + 1),
    entChild,
    entVal,
  };
}

import type { LevelWeights } from "../search/beam.js";
import type { ChainLevel } from "../tree/chain.js";
import type { WeightBlock } from "./types.js";

export type { LevelWeights };

/** Convert per-edge weight columns (column e = edge e of the level) into the chunked per-parent layout (linear time, typed arrays). */
export function chunkLevel(level: ChainLevel, W: WeightBlock): LevelWeights {
  const nParents = level.nParents;
  const nnz = W.colptr[W.colptr.length - 1];
  let dim = 0;
  for (let q = 0; q < nnz; q++) if (W.rows[q] >= dim) dim = W.rows[q] + 1;
  const rowOf = new Int32Array(dim).fill(-1);
  // count the rows first (the distinct features of each parent's children), so that the row
  // arrays are allocated at their size: at 100K labels the bottom level has 10M weights in 6M rows
  let totalRows = 0;
  for (let p = 0; p < nParents; p++) {
    for (let q = W.colptr[level.ptr[p]]; q < W.colptr[level.ptr[p + 1]]; q++) {
      const f = W.rows[q];
      if (rowOf[f] !== p) {
        rowOf[f] = p;
        totalRows++;
      }
    }
  }
  rowOf.fill(-1);
  const chunkPtr = new Int32Array(nParents + 1);
  const rowFeat = new Int32Array(totalRows);
  const rowPtr = new Int32Array(totalRows + 1);
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
  return { chunkPtr, rowFeat, rowPtr, entChild, entVal };
}

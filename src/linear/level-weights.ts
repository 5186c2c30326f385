import type { LevelWeights } from "../search/beam.js";
import type { ChainLevel } from "../tree/chain.js";
import type { WeightBlock } from "./types.js";

export type { LevelWeights };

/** A block of weight columns for the level's edges e0, e0 + 1, ... (column c = edge e0 + c). */
export interface EdgeBlock {
  e0: number;
  block: WeightBlock;
}

/** Convert per-edge weight columns (column e = edge e of the level) into the chunked per-parent layout (linear time, typed arrays). */
export function chunkLevel(level: ChainLevel, W: WeightBlock): LevelWeights {
  return chunkLevelBlocks(level, [{ e0: 0, block: W }]);
}

/**
 * {@link chunkLevel} from the blocks of columns the solver jobs return (together covering every
 * edge of the level, in any order), without first copying them into one block: at the bottom
 * level of a large tree that copy would be the largest allocation of the training.
 */
export function chunkLevelBlocks(level: ChainLevel, parts: readonly EdgeBlock[]): LevelWeights {
  const nParents = level.nParents;
  const nEdges = level.children.length;
  // where each edge's column lives, and its entries' offset in the level (edge order)
  const partOf = new Int32Array(nEdges).fill(-1);
  const colptr = new Int32Array(nEdges + 1);
  let dim = 0;
  parts.forEach(({ e0, block }, k) => {
    const n = block.colptr.length - 1;
    for (let c = 0; c < n; c++) {
      partOf[e0 + c] = k;
      colptr[e0 + c + 1] = block.colptr[c + 1] - block.colptr[c];
    }
    for (let q = 0; q < block.colptr[n]; q++) if (block.rows[q] >= dim) dim = block.rows[q] + 1;
  });
  for (let e = 0; e < nEdges; e++) {
    if (partOf[e] < 0) throw new Error(`chunkLevel: no weights for edge ${e}`);
    colptr[e + 1] += colptr[e];
  }
  const nnz = colptr[nEdges];
  const colRows = (e: number): Int32Array => parts[partOf[e]].block.rows;
  const colStart = (e: number): number => parts[partOf[e]].block.colptr[e - parts[partOf[e]].e0];
  const rowOf = new Int32Array(dim).fill(-1);
  // count the rows first (the distinct features of each parent's children), so that the row
  // arrays are allocated at their size: at 100K labels the bottom level has 10M weights in 6M rows
  let totalRows = 0;
  for (let p = 0; p < nParents; p++) {
    for (let e = level.ptr[p]; e < level.ptr[p + 1]; e++) {
      const rows = colRows(e);
      const s = colStart(e);
      for (let i = 0; i < colptr[e + 1] - colptr[e]; i++) {
        const f = rows[s + i];
        if (rowOf[f] !== p) {
          rowOf[f] = p;
          totalRows++;
        }
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
    for (let e = e0; e < e1; e++) {
      const rows = colRows(e);
      const s = colStart(e);
      for (let i = 0; i < colptr[e + 1] - colptr[e]; i++) {
        const f = rows[s + i];
        if (rowOf[f] === -1) {
          rowOf[f] = 0;
          rowFeat[nRows++] = f;
        }
      }
    }
    const feats = rowFeat.subarray(r0, nRows).sort();
    // count entries per row, prefix sums into rowPtr
    for (let r = 0; r < feats.length; r++) rowOf[feats[r]] = r0 + r;
    for (let r = r0; r < nRows; r++) rowPtr[r + 1] = 0;
    for (let e = e0; e < e1; e++) {
      const rows = colRows(e);
      const s = colStart(e);
      for (let i = 0; i < colptr[e + 1] - colptr[e]; i++) rowPtr[rowOf[rows[s + i]] + 1]++;
    }
    rowPtr[r0] = colptr[e0];
    for (let r = r0; r < nRows; r++) rowPtr[r + 1] += rowPtr[r];
    // fill in edge order, so entries of a row are sorted by child
    const next = rowPtr.slice(r0, nRows);
    for (let e = e0; e < e1; e++) {
      const { rows, values } = parts[partOf[e]].block;
      const s = colStart(e);
      for (let i = 0; i < colptr[e + 1] - colptr[e]; i++) {
        const r = rowOf[rows[s + i]] - r0;
        const k = next[r]++;
        entChild[k] = e - e0;
        entVal[k] = values[s + i];
      }
    }
    for (let r = r0; r < nRows; r++) rowOf[rowFeat[r]] = -1;
    chunkPtr[p + 1] = nRows;
  }
  return { chunkPtr, rowFeat, rowPtr, entChild, entVal };
}

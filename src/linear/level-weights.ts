import type { LevelWeights } from "../search/beam.js";
import type { ChainLevel } from "../tree/chain.js";
import type { WeightBlock } from "./types.js";

export type { LevelWeights };

/** A block of weight columns for the level's edges e0, e0 + 1, ... (column c = edge e0 + c). */
export interface EdgeBlock {
  e0: number;
  block: WeightBlock;
}

/**
 * One parent's part of a {@link LevelWeights}: its sorted feature rows, rowPtr starting at 0,
 * and per row the (child position, weight) entries in child order.
 */
export interface ParentChunk {
  rowFeat: Int32Array;
  rowPtr: Int32Array;
  entChild: Uint16Array | Int32Array;
  entVal: Float32Array;
}

/** Reusable scratch of {@link chunkParent}: one slot per feature id (bias included), -1 between calls. */
export class ChunkScratch {
  private rowOf = new Int32Array(0);
  private feats = new Int32Array(0);

  /** The row-of-feature map, with room for feature ids < dim. */
  map(dim: number): Int32Array {
    if (this.rowOf.length < dim) {
      const grown = new Int32Array(Math.max(dim, 2 * this.rowOf.length)).fill(-1);
      this.rowOf = grown;
    }
    return this.rowOf;
  }

  /** A buffer of at least n entries. */
  buffer(n: number): Int32Array {
    if (this.feats.length < n) this.feats = new Int32Array(Math.max(n, 2 * this.feats.length));
    return this.feats;
  }
}

/**
 * Chunk one parent's weights: `parts` are blocks of its children's columns (e0 = position of the
 * block's first column among the parent's `nChildren` children), together covering every child.
 * Linear time but for sorting the parent's distinct features. A solver worker runs it on the
 * parent it has just trained, so that the levels are assembled in parallel.
 */
export function chunkParent(parts: readonly EdgeBlock[], nChildren: number, scratch: ChunkScratch): ParentChunk {
  const sorted = [...parts].sort((a, b) => a.e0 - b.e0);
  let covered = 0;
  let nnz = 0;
  let dim = 0;
  for (const { e0, block } of sorted) {
    const n = block.colptr.length - 1;
    if (e0 !== covered || e0 + n > nChildren) throw new Error(`chunkParent: the blocks do not cover children 0..${nChildren - 1} once (a block at ${e0}, ${covered} covered)`);
    covered += n;
    for (let q = block.colptr[0]; q < block.colptr[n]; q++) if (block.rows[q] >= dim) dim = block.rows[q] + 1;
    nnz += block.colptr[n] - block.colptr[0];
  }
  if (covered !== nChildren) throw new Error(`chunkParent: no weights for child ${covered}`);
  const rowOf = scratch.map(dim);
  const feats = scratch.buffer(nnz);
  // the distinct features, sorted
  let nRows = 0;
  for (const { block } of sorted) {
    const { colptr, rows } = block;
    for (let q = colptr[0]; q < colptr[colptr.length - 1]; q++) {
      const f = rows[q];
      if (rowOf[f] === -1) {
        rowOf[f] = 0;
        feats[nRows++] = f;
      }
    }
  }
  const rowFeat = feats.slice(0, nRows).sort();
  for (let r = 0; r < nRows; r++) rowOf[rowFeat[r]] = r;
  // entries per row, prefix sums
  const rowPtr = new Int32Array(nRows + 1);
  for (const { block } of sorted) {
    const { colptr, rows } = block;
    for (let q = colptr[0]; q < colptr[colptr.length - 1]; q++) rowPtr[rowOf[rows[q]] + 1]++;
  }
  for (let r = 0; r < nRows; r++) rowPtr[r + 1] += rowPtr[r];
  // filled in child order, so that a row's entries are sorted by child
  const entChild = nChildren <= 65536 ? new Uint16Array(nnz) : new Int32Array(nnz);
  const entVal = new Float32Array(nnz);
  const next = rowPtr.slice(0, nRows);
  for (const { e0, block } of sorted) {
    const { colptr, rows, values } = block;
    for (let c = 0; c < colptr.length - 1; c++) {
      for (let q = colptr[c]; q < colptr[c + 1]; q++) {
        const k = next[rowOf[rows[q]]]++;
        entChild[k] = e0 + c;
        entVal[k] = values[q];
      }
    }
  }
  for (let r = 0; r < nRows; r++) rowOf[rowFeat[r]] = -1;
  return { rowFeat, rowPtr, entChild, entVal };
}

/** The level's weights from one chunk per parent (null for a parent without children). */
export function concatChunks(level: ChainLevel, chunks: readonly (ParentChunk | null)[]): LevelWeights {
  const nParents = level.nParents;
  if (chunks.length !== nParents) throw new Error(`concatChunks: ${chunks.length} chunks for ${nParents} parents`);
  let totalRows = 0;
  let nnz = 0;
  let maxChildren = 0;
  for (let p = 0; p < nParents; p++) {
    maxChildren = Math.max(maxChildren, level.ptr[p + 1] - level.ptr[p]);
    const c = chunks[p];
    if (c === null) {
      if (level.ptr[p + 1] > level.ptr[p]) throw new Error(`concatChunks: no weights for parent ${p}`);
      continue;
    }
    totalRows += c.rowFeat.length;
    nnz += c.entVal.length;
  }
  const chunkPtr = new Int32Array(nParents + 1);
  const rowFeat = new Int32Array(totalRows);
  const rowPtr = new Int32Array(totalRows + 1);
  const entChild = maxChildren <= 65536 ? new Uint16Array(nnz) : new Int32Array(nnz);
  const entVal = new Float32Array(nnz);
  let r0 = 0;
  let k0 = 0;
  for (let p = 0; p < nParents; p++) {
    const c = chunks[p];
    if (c !== null) {
      const n = c.rowFeat.length;
      rowFeat.set(c.rowFeat, r0);
      for (let r = 1; r <= n; r++) rowPtr[r0 + r] = k0 + c.rowPtr[r];
      entChild.set(c.entChild, k0);
      entVal.set(c.entVal, k0);
      r0 += n;
      k0 += c.entVal.length;
    }
    chunkPtr[p + 1] = r0;
  }
  return { chunkPtr, rowFeat, rowPtr, entChild, entVal };
}

/**
 * Chunk a level from blocks of columns (together covering every edge once, in any order, each
 * cut anywhere, even across parents) into the per-parent layout prediction reads.
 */
export function chunkLevelBlocks(level: ChainLevel, parts: readonly EdgeBlock[]): LevelWeights {
  const nParents = level.nParents;
  const nEdges = level.children.length;
  // the parent of each edge, then each block cut at the parents' bounds (views, no copies)
  const parentOf = new Int32Array(nEdges);
  for (let p = 0; p < nParents; p++) parentOf.fill(p, level.ptr[p], level.ptr[p + 1]);
  const perParent: EdgeBlock[][] = Array.from({ length: nParents }, () => []);
  for (const { e0, block } of parts) {
    const end = e0 + block.colptr.length - 1;
    if (e0 < 0 || end > nEdges) throw new Error(`chunkLevel: a block of edges ${e0}..${end - 1} outside the level's ${nEdges}`);
    for (let a = e0; a < end; ) {
      const p = parentOf[a];
      const b = Math.min(end, level.ptr[p + 1]);
      perParent[p].push({ e0: a - level.ptr[p], block: { colptr: block.colptr.subarray(a - e0, b - e0 + 1), rows: block.rows, values: block.values } });
      a = b;
    }
  }
  const scratch = new ChunkScratch();
  const chunks = perParent.map((ps, p) => {
    const n = level.ptr[p + 1] - level.ptr[p];
    if (n === 0) return null;
    try {
      return chunkParent(ps, n, scratch);
    } catch (e) {
      throw new Error(`chunkLevel: parent ${p}: ${(e as Error).message}`);
    }
  });
  return concatChunks(level, chunks);
}

/** Convert per-edge weight columns (column e = edge e of the level) into the chunked per-parent layout. */
export function chunkLevel(level: ChainLevel, W: WeightBlock): LevelWeights {
  return chunkLevelBlocks(level, [{ e0: 0, block: W }]);
}

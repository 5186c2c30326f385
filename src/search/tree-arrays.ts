/**
 * A label tree with its per-level weights as named model-file arrays, and back: the part of
 * the model file that every tree-based method (XR-Linear and the ranker of XR-Transformer)
 * writes the same way. Names are `tree.I.T.FIELD` for tree I and level T.
 *
 * The chunk rows are stored compactly (rebuilt into the in-memory layout of {@link LevelWeights}
 * at load):
 * - `rowFeatDeltas` (u8): per chunk row, its feature id minus the previous row's of the same chunk
 *   (the first row of a chunk: the id itself), as unsigned LEB128 varints (1 byte below 128);
 * - `rowCounts` (u8, u16 or i32, the narrowest that holds them): entries per row (rowPtr's steps);
 * - `entChild` as u8 when every child position is below 256 (u16 or i32 otherwise), kept so in memory;
 * - `entVal` (f32), `chunkPtr`, `ptr`, `children` (i32) as they are in memory.
 * Files with the plain `rowFeat` / `rowPtr` arrays (written before) load as well.
 */
import { XmcError } from "../core/errors.js";
import type { ClusterChain } from "../tree/chain.js";
import type { LevelWeights } from "./beam.js";
import { modelArray } from "../core/alloc.js";

export interface WeightedTree {
  chain: ClusterChain;
  weights: LevelWeights[];
}

/** The shape of every level of every tree, for the model header. */
export type TreeShapes = { nNodes: number; nParents: number }[][];

type FileArray = Int32Array | Float32Array | Float64Array | Uint8Array | Uint16Array;

export function treeShapes(trees: readonly WeightedTree[]): TreeShapes {
  return trees.map((tree) => tree.chain.map((lv) => ({ nNodes: lv.nNodes, nParents: lv.nParents })));
}

/** Add the arrays of `trees` to `arrays`. */
export function addTreeArrays(trees: readonly WeightedTree[], arrays: Record<string, FileArray>): void {
  trees.forEach((tree, i) =>
    tree.chain.forEach((lv, t) => {
      const pre = `tree.${i}.${t}`;
      const w = tree.weights[t];
      arrays[`${pre}.ptr`] = lv.ptr;
      arrays[`${pre}.children`] = lv.children;
      arrays[`${pre}.chunkPtr`] = w.chunkPtr;
      arrays[`${pre}.rowFeatDeltas`] = encodeRowFeatures(w.chunkPtr, w.rowFeat);
      arrays[`${pre}.rowCounts`] = narrowCounts(w.rowPtr);
      arrays[`${pre}.entChild`] = narrowChildren(w.entChild);
      arrays[`${pre}.entVal`] = w.entVal;
    }),
  );
}

/**
 * The trees of a model file from its header's shapes; `need` returns a named array or throws,
 * `has` says whether the file holds one; `where` names the file in error messages. `shapes[k]` is
 * the file's tree `first + k`.
 */
export function treesFromArrays<A>(shapes: TreeShapes, need: (name: string) => A, has: (name: string) => boolean, where = "model", first = 0): WeightedTree[] {
  const get = need as unknown as (name: string) => never;
  return shapes.map((levels, k) => ({
    chain: levels.map((lv, t) => ({ nNodes: lv.nNodes, nParents: lv.nParents, ptr: get(`tree.${first + k}.${t}.ptr`), children: get(`tree.${first + k}.${t}.children`) })),
    weights: levels.map((_, t) => {
      const pre = `tree.${first + k}.${t}`;
      const chunkPtr: Int32Array = get(`${pre}.chunkPtr`);
      const entVal: Float32Array = get(`${pre}.entVal`);
      const entChild = get(`${pre}.entChild`) as Uint8Array | Uint16Array | Int32Array;
      if (!has(`${pre}.rowFeatDeltas`)) return { chunkPtr, rowFeat: get(`${pre}.rowFeat`), rowPtr: get(`${pre}.rowPtr`), entChild, entVal };
      const rowFeat = decodeRowFeatures(chunkPtr, get(`${pre}.rowFeatDeltas`), `${where}: model array "${pre}.rowFeatDeltas"`);
      const rowPtr = rowPtrFromCounts(get(`${pre}.rowCounts`), entVal.length, `${where}: model array "${pre}.rowCounts"`);
      if (rowPtr.length !== rowFeat.length + 1) throw new XmcError(`${where}: model array "${pre}.rowCounts" has ${rowPtr.length - 1} rows, "${pre}.rowFeatDeltas" ${rowFeat.length}`);
      if (entChild.length !== entVal.length) throw new XmcError(`${where}: model array "${pre}.entChild" has ${entChild.length} entries, "${pre}.entVal" ${entVal.length}`);
      return { chunkPtr, rowFeat, rowPtr, entChild, entVal };
    }),
  }));
}

/** Feature ids of the chunk rows as LEB128 varints of their steps within each chunk. */
export function encodeRowFeatures(chunkPtr: Int32Array, rowFeat: Int32Array): Uint8Array {
  const nChunks = chunkPtr.length - 1;
  let bytes = 0;
  for (let p = 0; p < nChunks; p++) {
    let prev = 0;
    for (let r = chunkPtr[p]; r < chunkPtr[p + 1]; r++) {
      bytes += varintBytes(rowFeat[r] - prev);
      prev = rowFeat[r];
    }
  }
  const out = new Uint8Array(bytes);
  let o = 0;
  for (let p = 0; p < nChunks; p++) {
    let prev = 0;
    for (let r = chunkPtr[p]; r < chunkPtr[p + 1]; r++) {
      let v = rowFeat[r] - prev;
      prev = rowFeat[r];
      while (v >= 0x80) {
        out[o++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      out[o++] = v;
    }
  }
  return out;
}

/** The inverse of {@link encodeRowFeatures}; checks that ids rise within every chunk and that the bytes hold exactly the rows. */
export function decodeRowFeatures(chunkPtr: Int32Array, bytes: Uint8Array, what: string): Int32Array {
  const nChunks = chunkPtr.length - 1;
  const rows = nChunks >= 0 ? chunkPtr[nChunks] : 0;
  const out = modelArray(Int32Array, rows);
  let o = 0;
  const n = bytes.length;
  for (let p = 0; p < nChunks; p++) {
    const r0 = chunkPtr[p], r1 = chunkPtr[p + 1];
    let prev = 0;
    for (let r = r0; r < r1; r++) {
      if (o >= n) throw new XmcError(`${what}: ends at row ${r} of ${rows}`);
      let v = bytes[o++];
      if (v >= 0x80) {
        // a step of several bytes: 2 and 3 bytes in 32-bit integer arithmetic, longer ones in doubles
        if (o + 1 < n && bytes[o] < 0x80) v = (v & 0x7f) | (bytes[o++] << 7);
        else if (o + 1 < n && bytes[o + 1] < 0x80) {
          v = (v & 0x7f) | ((bytes[o] & 0x7f) << 7) | (bytes[o + 1] << 14);
          o += 2;
        } else {
          v &= 0x7f;
          let s = 7;
          let b: number;
          do {
            if (o >= n || s > 28) throw new XmcError(`${what}: truncated or malformed at byte ${o} (row ${r})`);
            b = bytes[o++];
            v += (b & 0x7f) * 2 ** s;
            s += 7;
          } while (b & 0x80);
        }
      }
      if (v === 0 && r > r0) throw new XmcError(`${what}: row ${r} repeats the feature of the row before`);
      prev += v;
      if (prev > 0x7fffffff) throw new XmcError(`${what}: feature id of row ${r} is out of range`);
      out[r] = prev;
    }
  }
  if (o !== n) throw new XmcError(`${what}: ${n - o} bytes past the last row`);
  return out;
}

function varintBytes(v: number): number {
  let b = 1;
  while (v >= 0x80) {
    v >>>= 7;
    b++;
  }
  return b;
}

/** Entries per row (rowPtr's steps) in the narrowest array that holds them. */
function narrowCounts(rowPtr: Int32Array): Uint8Array | Uint16Array | Int32Array {
  const n = rowPtr.length - 1;
  let max = 0;
  for (let r = 0; r < n; r++) max = Math.max(max, rowPtr[r + 1] - rowPtr[r]);
  const out = max < 256 ? new Uint8Array(n) : max < 65536 ? new Uint16Array(n) : new Int32Array(n);
  for (let r = 0; r < n; r++) out[r] = rowPtr[r + 1] - rowPtr[r];
  return out;
}

function rowPtrFromCounts(counts: Uint8Array | Uint16Array | Int32Array, entries: number, what: string): Int32Array {
  const out = modelArray(Int32Array, counts.length + 1);
  let s = 0;
  for (let r = 0; r < counts.length; r++) {
    if (counts[r] < 0) throw new XmcError(`${what}: negative count at row ${r}`);
    s += counts[r];
    out[r + 1] = s;
  }
  if (s !== entries) throw new XmcError(`${what}: the rows hold ${s} entries, the weights ${entries}`);
  return out;
}

/** Child positions as u8 when they all fit. */
function narrowChildren(a: Int32Array | Uint16Array | Uint8Array): Uint8Array | Uint16Array | Int32Array {
  if (a instanceof Uint8Array) return a;
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  return max < 256 ? new Uint8Array(a) : a;
}

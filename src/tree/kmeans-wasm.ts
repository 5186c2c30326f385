/**
 * Driver of the WebAssembly kernel of the label-tree 2-means (`wasm/kmeans.ts`, built to
 * `dist/wasm/kmeans.wasm`): the scoring pass and the centroid update. One memory per clustering
 * holds Z (CSR), the centroids, the node's rows, features, sides and scores; it is sized once and
 * never grown, so the views handed out stay valid. The kernel's sums are bit-identical to the
 * plain-TS loops, which remain the fallback when the binary is missing or Z does not fit in wasm32
 * memory.
 */
import type { Csr } from "../core/csr.js";
import { instantiateArena, kernelModule } from "../core/wasm-arena.js";

const WASM_URL = new URL("../../wasm/kmeans.wasm", import.meta.url);

interface KMeansExports {
  scoreRows(indptr: number, indices: number, data: number, c: number, S: number, n: number, out: number): void;
  nodeFeatures(indptr: number, indices: number, S: number, n: number, mark: number, feats: number, c: number): number;
  updateCentroid(
    indptr: number, indices: number, data: number, S: number, n: number, inLeft: number, moved: number, nMoved: number,
    first: number, feats: number, u: number, c1: number, c2: number, c: number,
  ): void;
  heapBase(): number;
}

/** Z copied into wasm memory, with views for the centroid difference, the rows and the scores. */
export interface WasmScorer {
  /** Dense centroid difference (length Z.cols), written by the caller. */
  c: Float64Array;
  /** Rows to score: fill the first n entries, then call score(n). */
  rows: Int32Array;
  /** Scores of the last call, first n entries. */
  out: Float64Array;
  score(n: number): void;
  /** Side of each of the n rows (1: left), written by the caller. */
  inLeft: Uint8Array;
  /** Positions whose side changed in the last pass, written by the caller. */
  moved: Int32Array;
  /** The features of the n rows, in first-seen order, with c zeroed on them; returns their count. */
  features(n: number): number;
  /** The centroid update of {@link SplitWorkspace.split} after a pass (first: side sums from every row). */
  update(n: number, nMoved: number, first: boolean, nFeats: number): void;
}

/** A wasm scorer over Z, or null when the kernel is unavailable or Z is too large for it. */
export function createWasmScorer(Z: Csr): WasmScorer | null {
  const L = Z.rows;
  const nnz = Z.indptr[L];
  const d = Z.cols;
  const arena = instantiateArena<KMeansExports>(
    kernelModule(WASM_URL),
    [(L + 1) * 4, nnz * 4, nnz * 4, d * 8, L * 4, L * 8, d * 8, d * 8, d * 4, d, L, L * 4],
    8,
  );
  if (!arena) return null; // score in TypeScript
  const [pIndptr, pIndices, pData, pC, pRows, pOut, pC1, pC2, pFeats, pMark, pLeft, pMoved] = arena.offsets;
  const k = arena.exports;
  const buf = arena.memory.buffer;
  new Int32Array(buf, pIndptr, L + 1).set(Z.indptr.subarray(0, L + 1));
  new Int32Array(buf, pIndices, nnz).set(Z.indices.subarray(0, nnz));
  new Float32Array(buf, pData, nnz).set(Z.data.subarray(0, nnz));
  return {
    c: new Float64Array(buf, pC, Z.cols),
    rows: new Int32Array(buf, pRows, L),
    out: new Float64Array(buf, pOut, L),
    score(n: number): void {
      k.scoreRows(pIndptr, pIndices, pData, pC, pRows, n, pOut);
    },
    inLeft: new Uint8Array(buf, pLeft, L),
    moved: new Int32Array(buf, pMoved, L),
    features(n: number): number {
      return k.nodeFeatures(pIndptr, pIndices, pRows, n, pMark, pFeats, pC);
    },
    update(n: number, nMoved: number, first: boolean, nFeats: number): void {
      k.updateCentroid(pIndptr, pIndices, pData, pRows, n, pLeft, pMoved, nMoved, first ? 1 : 0, pFeats, nFeats, pC1, pC2, pC);
    },
  };
}

/**
 * Driver of the WebAssembly single-query scan (`wasm/scan.ts`, built to `dist/wasm/scan.wasm`).
 * One memory per index holds the items (copied once), one query and the n scores; it is sized
 * once and never grown, so the views stay valid. When the binary is missing or the items do not
 * fit in wasm32 memory, {@link createResidentScan} returns null and callers scan in TypeScript.
 */
import { instantiateArena, kernelModule } from "../core/wasm-arena.js";

const WASM_URL = new URL("../../wasm/scan.wasm", import.meta.url);

interface ScanExports {
  scoreAll(items: number, n: number, d: number, q: number, out: number): void;
  heapBase(): number;
}

/** n×d float32 items resident in wasm memory. */
export interface ResidentScan {
  /** Scores of every item against `query[qOff .. qOff + d)`; a view, valid until the next call. */
  score(query: Float32Array, qOff: number): Float32Array;
}

/** Copy the items into a fresh wasm instance's memory, or null when the kernel cannot be used. */
export function createResidentScan(items: Float32Array, n: number, d: number): ResidentScan | null {
  if (n === 0 || d === 0) return null;
  const arena = instantiateArena<ScanExports>(kernelModule(WASM_URL), [n * d * 4, d * 4, n * 4], 16);
  if (!arena) return null;
  const [pItems, pQuery, pOut] = arena.offsets;
  const buf = arena.memory.buffer, k = arena.exports;
  new Float32Array(buf, pItems, n * d).set(items.subarray(0, n * d));
  const query = new Float32Array(buf, pQuery, d);
  const out = new Float32Array(buf, pOut, n);
  return {
    score(q: Float32Array, qOff: number): Float32Array {
      query.set(q.subarray(qOff, qOff + d));
      k.scoreAll(pItems, n, d, pQuery, pOut);
      return out;
    },
  };
}

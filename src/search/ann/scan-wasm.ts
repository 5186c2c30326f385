/**
 * Driver of the WebAssembly single-query scan (`wasm/scan.ts`, built to `dist/wasm/scan.wasm`).
 * One memory per index holds the items (copied once), one query and the n scores; it is sized
 * once and never grown, so the views stay valid. When the binary is missing or the items do not
 * fit in wasm32 memory, {@link createResidentScan} returns null and callers scan in TypeScript.
 */
import { readFileSync } from "node:fs";

const WASM_URL = new URL("../../../wasm/scan.wasm", import.meta.url);
const PAGE = 65536;
const MAX_BYTES = 2 ** 31; // stay well inside wasm32

interface ScanExports {
  scoreAll(items: number, n: number, d: number, q: number, out: number): void;
  heapBase(): number;
}

/** n×d float32 items resident in wasm memory. */
export interface ResidentScan {
  /** Scores of every item against `query[qOff .. qOff + d)`; a view, valid until the next call. */
  score(query: Float32Array, qOff: number): Float32Array;
}

let cachedModule: WebAssembly.Module | null | undefined;

function loadModule(): WebAssembly.Module | null {
  if (cachedModule === undefined) {
    try {
      cachedModule = new WebAssembly.Module(readFileSync(WASM_URL));
    } catch {
      cachedModule = null;
    }
  }
  return cachedModule;
}

/** Copy the items into a fresh wasm instance's memory, or null when the kernel cannot be used. */
export function createResidentScan(items: Float32Array, n: number, d: number): ResidentScan | null {
  const module = loadModule();
  if (!module || n === 0 || d === 0) return null;
  const align = (x: number): number => (x + 15) & ~15;
  const sizes = [n * d * 4, d * 4, n * 4].map(align);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_BYTES) return null;
  let memory: WebAssembly.Memory;
  let k: ScanExports;
  let base: number;
  try {
    memory = new WebAssembly.Memory({ initial: 1 });
    k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ScanExports;
    base = align(k.heapBase());
    const need = Math.ceil((base + total) / PAGE) - memory.buffer.byteLength / PAGE;
    if (need > 0) memory.grow(need); // before any view is made
  } catch {
    return null; // the allocation failed: scan in TypeScript
  }
  const pItems = base, pQuery = pItems + sizes[0], pOut = pQuery + sizes[1];
  const buf = memory.buffer;
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

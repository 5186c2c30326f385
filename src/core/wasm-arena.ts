/**
 * Fixed-size WebAssembly kernels (the 2-means scorer, the single-query scan): compile a kernel
 * binary once, and instantiate it over a fresh memory that holds a list of regions laid out above
 * the kernel's static data. The memory is sized once and never grown afterwards, so views made on
 * it stay valid. Every failure (binary missing or invalid, regions too large for wasm32, the
 * allocation refused) gives null, and callers fall back to their plain-TypeScript loop.
 */
import { readFileSync } from "node:fs";

const PAGE = 65536;
const MAX_BYTES = 2 ** 31; // stay well inside wasm32

const modules = new Map<string, WebAssembly.Module | null>();

/** The compiled kernel at `url`, compiled on first use; null when it is missing or invalid. */
export function kernelModule(url: URL): WebAssembly.Module | null {
  const key = url.href;
  if (!modules.has(key)) {
    try {
      modules.set(key, new WebAssembly.Module(readFileSync(url)));
    } catch {
      modules.set(key, null);
    }
  }
  return modules.get(key)!;
}

/** An instance over its own memory, with the byte offset of each requested region. */
export interface Arena<E> {
  memory: WebAssembly.Memory;
  exports: E;
  offsets: number[];
}

/**
 * Instantiate `module` (which imports `env.memory` and exports `heapBase()`) over a memory with
 * regions of the given byte sizes, each rounded up to `align` bytes and starting on such a boundary.
 */
export function instantiateArena<E extends { heapBase(): number }>(module: WebAssembly.Module | null, sizes: number[], align: number): Arena<E> | null {
  if (!module) return null;
  const up = (x: number): number => Math.ceil(x / align) * align;
  const total = sizes.reduce((a, s) => a + up(s), 0);
  if (total > MAX_BYTES) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as E;
    let p = up(exports.heapBase());
    const need = Math.ceil((p + total) / PAGE) - memory.buffer.byteLength / PAGE;
    if (need > 0) memory.grow(need); // before any view is made
    const offsets = sizes.map((s) => {
      const at = p;
      p += up(s);
      return at;
    });
    return { memory, exports, offsets };
  } catch {
    return null; // the allocation failed
  }
}

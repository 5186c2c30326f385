/**
 * Storage precision of the engine. Training runs in float32 (`Float32Array` everywhere). For
 * gradient checks the engine can run in a float64 *reference mode*: every buffer the engine
 * allocates through {@link alloc} is then a `Float64Array` (typed as `Float32Array`, which has
 * the same indexing, `set`, `fill` and `subarray` behaviour), so finite differences are exact
 * to about 1e-10 and a gradient check can use tight tolerances. Fast paths that depend on the
 * real element type (the wasm GEMM) test `instanceof Float32Array` and fall back otherwise.
 */
export type Precision = "f32" | "f64";

let precision: Precision = "f32";

/** The current storage precision. */
export function getPrecision(): Precision {
  return precision;
}

/** Run `fn` with buffers allocated in `p` (restores the previous precision afterwards, even on throw). */
export function withPrecision<T>(p: Precision, fn: () => T): T {
  const old = precision;
  precision = p;
  try {
    return fn();
  } finally {
    precision = old;
  }
}

/** A zeroed float buffer of `n` elements in the current precision. */
export function alloc(n: number): Float32Array {
  return precision === "f32" ? new Float32Array(n) : (new Float64Array(n) as unknown as Float32Array);
}

/** A copy of `src` in the current precision. */
export function copyOf(src: ArrayLike<number>): Float32Array {
  const out = alloc(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}

const scratchPools: Record<Precision, Float32Array[]> = { f32: [], f64: [] };

/**
 * A reusable, *uninitialised* buffer of `n` elements in the current precision, from slot `slot`
 * (0–7). It stays valid until the next `scratch` call on the same slot, so an op may use it only
 * within one forward or one backward call, never across them. Saves the page faults of
 * allocating multi-megabyte temporaries (im2col columns) on every step.
 */
export function scratch(slot: number, n: number): Float32Array {
  const pool = scratchPools[precision];
  let b = pool[slot];
  if (!b || b.length < n) {
    b = alloc(Math.max(n, Math.ceil((b?.length ?? 0) * 1.25)));
    pool[slot] = b;
  }
  return b.subarray(0, n);
}

/**
 * Driver of the WebAssembly SIMD GEMM kernel (`wasm/gemm.ts`, built to `dist/wasm/gemm.wasm`).
 * JS owns one wasm memory per thread: each call copies A and B in as they are, has the kernel
 * pack op(A) into 4-row strips and op(B) into 8-column panels (zero-padding the edges, resolving
 * the transposes), runs the product, and copies (or adds) the M×N result back; very large
 * products are tiled into blocks. Views onto the memory are created after any `memory.grow`, never
 * kept across calls. When the binary is missing or fails to load, {@link wasmGemmAvailable} is
 * false and `gemm` stays in plain TypeScript.
 */
import { readFileSync } from "node:fs";

const WASM_URL = new URL("../../wasm/gemm.wasm", import.meta.url);
const PAGE = 65536;
const MAX_PAGES = 65536;

interface GemmExports {
  gemmPacked(ap: number, bp: number, c: number, m4: number, n8: number, k: number): void;
  packA(src: number, dst: number, m: number, k: number, trans: number): void;
  packB(src: number, dst: number, k: number, n: number, trans: number): void;
  heapBase(): number;
}

interface Kernel {
  memory: WebAssembly.Memory;
  k: GemmExports;
  base: number;
}

let kernel: Kernel | null = null;
let failure: string | null = null;
let tried = false;

function load(): Kernel | null {
  if (tried) return kernel;
  tried = true;
  try {
    const module = new WebAssembly.Module(readFileSync(WASM_URL));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const k = instance.exports as unknown as GemmExports;
    kernel = { memory, k, base: (k.heapBase() + 63) & ~63 };
  } catch (e) {
    failure = (e as Error).message;
  }
  return kernel;
}

/** Whether the wasm kernel is loaded (loads it on first call). */
export function wasmGemmAvailable(): boolean {
  return load() !== null;
}

/** Why the wasm kernel is unavailable, or null when it is loaded. */
export function wasmGemmFailure(): string | null {
  load();
  return failure;
}

function ensure(kn: Kernel, bytes: number): void {
  const have = kn.memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / PAGE);
  if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`gemm: needs ${bytes} bytes of wasm memory, more than 4 GiB`);
  kn.memory.grow(pages);
}

/** Largest operand block (elements) copied into wasm memory at once; bigger products are tiled. */
let MAX_BLOCK = 1 << 22;

/** Change the block limit (tests use a small one to exercise tiling); returns the previous one. */
export function setWasmBlockLimit(elements: number): number {
  const old = MAX_BLOCK;
  MAX_BLOCK = Math.max(64, elements);
  return old;
}

/**
 * C (+)= op(A)·op(B) on the wasm kernel (float32 arrays only). Layout as `gemm`. Products whose
 * operands exceed {@link MAX_BLOCK} elements are cut into row blocks of op(A) and column blocks
 * of op(B), so wasm memory stays bounded (about 100 MiB) whatever the sizes.
 */
export function gemmWasm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean,
): void {
  const kn = load();
  if (!kn) throw new Error(`gemm: wasm kernel unavailable (${failure})`);
  if (M === 0 || N === 0) return;
  const mc = M * K <= MAX_BLOCK ? M : Math.max(4, Math.floor(MAX_BLOCK / Math.max(1, K)) & ~3);
  const nc = N * K <= MAX_BLOCK ? N : Math.max(8, Math.floor(MAX_BLOCK / Math.max(1, K)) & ~7);
  for (let i0 = 0; i0 < M; i0 += mc) {
    for (let j0 = 0; j0 < N; j0 += nc) {
      block(kn, transA, transB, M, N, K, A, B, C, accumulate, i0, Math.min(mc, M - i0), j0, Math.min(nc, N - j0));
    }
  }
}

/** Rows i0..i0+m of op(A) times columns j0..j0+n of op(B), into the matching block of C. */
function block(
  kn: Kernel, transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean,
  i0: number, m: number, j0: number, n: number,
): void {
  const m4 = (m + 3) & ~3, n8 = (n + 7) & ~7;
  // layout: raw A block, raw B block (as stored), packed A, packed B, C block (m4 × n8); 64-byte aligned
  const al = (x: number) => (x + 63) & ~63;
  const ra = kn.base;
  const rb = al(ra + m * K * 4);
  const ap = al(rb + K * n * 4);
  const bp = al(ap + m4 * K * 4);
  const cp = al(bp + n8 * K * 4);
  ensure(kn, cp + m4 * n8 * 4);
  const f = new Float32Array(kn.memory.buffer);
  // raw A block: rows i0.. of A (M × K), or the K × m slab of columns i0.. of A stored K × M
  if (!transA || m === M) f.set(transA ? A.subarray(0, K * M) : A.subarray(i0 * K, (i0 + m) * K), ra >> 2);
  else for (let k = 0; k < K; k++) f.set(A.subarray(k * M + i0, k * M + i0 + m), (ra >> 2) + k * m);
  // raw B block: rows j0.. of B stored N × K, or the K × n slab of columns j0.. of B (K × N)
  if (transB || n === N) f.set(transB ? B.subarray(j0 * K, (j0 + n) * K) : B.subarray(0, K * N), rb >> 2);
  else for (let k = 0; k < K; k++) f.set(B.subarray(k * N + j0, k * N + j0 + n), (rb >> 2) + k * n);
  kn.k.packA(ra, ap, m, K, transA ? 1 : 0);
  kn.k.packB(rb, bp, K, n, transB ? 1 : 0);
  kn.k.gemmPacked(ap, bp, cp, m4, n8, K);
  const out = new Float32Array(kn.memory.buffer, cp, m4 * n8);
  for (let i = 0; i < m; i++) {
    const d = (i0 + i) * N + j0;
    if (accumulate) {
      const o = i * n8;
      for (let j = 0; j < n; j++) C[d + j] += out[o + j];
    } else C.set(out.subarray(i * n8, i * n8 + n), d);
  }
}

/**
 * Batched C_i (+)= op(A_i)·op(B_i) for i < count on the wasm kernel, each item a whole product
 * (M×N, inner K) stored contiguously at i·(M·K), i·(K·N), i·(M·N) of A, B and C. One copy in
 * and one copy out per group of items instead of per item: the per-call overhead that dominates
 * small products (the attention's 16 × 16 × 128 matrices) is paid once. Groups are sized so
 * that wasm memory stays bounded as in {@link gemmWasm}.
 */
export function gemmWasmBatched(
  transA: boolean, transB: boolean, count: number, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean,
): void {
  const kn = load();
  if (!kn) throw new Error(`gemm: wasm kernel unavailable (${failure})`);
  if (M === 0 || N === 0 || count === 0) return;
  const m4 = (M + 3) & ~3, n8 = (N + 7) & ~7;
  const sa = M * K, sb = K * N, sc = M * N;
  const per = Math.max(sa, sb, m4 * n8, m4 * K, n8 * K);
  const group = Math.max(1, Math.min(count, Math.floor(MAX_BLOCK / Math.max(1, per))));
  const al = (x: number) => (x + 63) & ~63;
  for (let i0 = 0; i0 < count; i0 += group) {
    const g = Math.min(group, count - i0);
    const ra = kn.base;
    const rb = al(ra + g * sa * 4);
    const ap = al(rb + g * sb * 4);
    const bp = al(ap + g * m4 * K * 4);
    const cp = al(bp + g * n8 * K * 4);
    ensure(kn, cp + g * m4 * n8 * 4);
    const f = new Float32Array(kn.memory.buffer);
    f.set(A.subarray(i0 * sa, (i0 + g) * sa), ra >> 2);
    f.set(B.subarray(i0 * sb, (i0 + g) * sb), rb >> 2);
    const ex = kn.k;
    for (let i = 0; i < g; i++) {
      const a = ap + i * m4 * K * 4, b = bp + i * n8 * K * 4;
      ex.packA(ra + i * sa * 4, a, M, K, transA ? 1 : 0);
      ex.packB(rb + i * sb * 4, b, K, N, transB ? 1 : 0);
      ex.gemmPacked(a, b, cp + i * m4 * n8 * 4, m4, n8, K);
    }
    const out = new Float32Array(kn.memory.buffer, cp, g * m4 * n8);
    const c0 = i0 * sc;
    if (m4 === M && n8 === N && !accumulate) C.set(out, c0);
    else {
      for (let i = 0; i < g; i++) {
        for (let r = 0; r < M; r++) {
          const o = (i * m4 + r) * n8, d = c0 + i * sc + r * N;
          if (accumulate) for (let j = 0; j < N; j++) C[d + j] += out[o + j];
          else C.set(out.subarray(o, o + N), d);
        }
      }
    }
  }
}

/**
 * The engine's GEMM entry point: C (M×N) (+)= op(A)·op(B), row-major (layout as in `gemm-js.ts`).
 * Large float32 products go to the WebAssembly SIMD kernel when it is available (`gemm-wasm.ts`),
 * everything else (small products, float64 reference mode, no kernel) to the plain-TS twin.
 */
import { gemmJs } from "./gemm-js.js";
import { gemmWasm, gemmWasmBatched, wasmGemmAvailable } from "./gemm-wasm.js";

/** Products with fewer multiply-adds than this stay in plain TS (the copy into wasm memory would dominate). */
export const WASM_MIN_MACS = 1 << 12;

let useWasm = true;

/** Enable or disable the wasm kernel (for benchmarks and tests); returns the previous setting. */
export function setWasmGemm(on: boolean): boolean {
  const old = useWasm;
  useWasm = on;
  return old;
}

/** C (+)= op(A)·op(B). `A`, `B`, `C` start at element 0 of the given arrays (use `subarray` for offsets). */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate = false,
): void {
  if (
    useWasm && M * N * K >= WASM_MIN_MACS && M >= 4 && N >= 4 &&
    A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array && wasmGemmAvailable()
  ) {
    gemmWasm(transA, transB, M, N, K, A, B, C, accumulate);
    return;
  }
  gemmJs(transA, transB, M, N, K, A, B, C, accumulate);
}

/**
 * Batched C_i (+)= op(A_i)·op(B_i) for i < count, items stored contiguously (A_i at i·M·K, B_i
 * at i·K·N, C_i at i·M·N). Small items go to the wasm kernel in groups (one copy in and out per
 * group), or through {@link gemm} one by one; the results equal per-item `gemm` calls exactly.
 */
export function gemmBatched(
  transA: boolean, transB: boolean, count: number, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate = false,
): void {
  if (
    useWasm && count > 1 && M * N * K >= WASM_MIN_MACS && M >= 4 && N >= 4 &&
    A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array && wasmGemmAvailable()
  ) {
    gemmWasmBatched(transA, transB, count, M, N, K, A, B, C, accumulate);
    return;
  }
  const sa = M * K, sb = K * N, sc = M * N;
  for (let i = 0; i < count; i++) {
    gemm(transA, transB, M, N, K, A.subarray(i * sa, (i + 1) * sa), B.subarray(i * sb, (i + 1) * sb), C.subarray(i * sc, (i + 1) * sc), accumulate);
  }
}

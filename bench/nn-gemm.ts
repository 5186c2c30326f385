/**
 * GEMM speed of the training engine, f32, one thread: plain TypeScript (`gemmJs`) against the
 * WebAssembly SIMD kernel (`gemmWasm`, packing and copy-back included), C = A·B and C = A·Bᵀ.
 *
 *   node dist/bench/nn-gemm.js [size=512] [seconds per variant=2]
 *
 * Prints GFLOP/s (2·M·N·K flops per product), best of the timed repetitions.
 */
import { Rng } from "../src/core/rng.js";
import { gemmJs } from "../src/nn/gemm-js.js";
import { gemmWasm, wasmGemmAvailable, wasmGemmFailure } from "../src/nn/gemm-wasm.js";

type Kernel = (ta: boolean, tb: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, acc: boolean) => void;

const n = Number(process.argv[2] ?? 512);
const budget = Number(process.argv[3] ?? 2) * 1000;
const rng = new Rng(1);
const A = Float32Array.from({ length: n * n }, () => rng.next() - 0.5);
const B = Float32Array.from({ length: n * n }, () => rng.next() - 0.5);
const C = new Float32Array(n * n);

function measure(name: string, k: Kernel, tb: boolean): number {
  k(false, tb, n, n, n, A, B, C, false); // warm-up
  let best = Infinity, reps = 0;
  const start = performance.now();
  while (performance.now() - start < budget || reps < 2) {
    const t = performance.now();
    k(false, tb, n, n, n, A, B, C, false);
    best = Math.min(best, performance.now() - t);
    reps++;
  }
  const gflops = (2 * n * n * n) / (best * 1e6);
  console.log(`${name.padEnd(22)} ${n}³  ${gflops.toFixed(2).padStart(6)} GFLOP/s  (${best.toFixed(1)} ms best of ${reps})`);
  return gflops;
}

console.log(`engine GEMM, f32, one thread, Node ${process.version}`);
const js = measure("plain TS  A·B", gemmJs, false);
measure("plain TS  A·Bᵀ", gemmJs, true);
if (wasmGemmAvailable()) {
  const wa = measure("wasm SIMD A·B", gemmWasm, false);
  measure("wasm SIMD A·Bᵀ", gemmWasm, true);
  console.log(`wasm / plain TS: ${(wa / js).toFixed(1)}×`);
} else {
  console.log(`wasm kernel unavailable: ${wasmGemmFailure()}`);
}

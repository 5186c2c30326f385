/** The wasm SIMD GEMM against its bit-exact plain-TS twin, and against the JS GEMM. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { gemm, gemmBatched, setWasmGemm } from "../../src/nn/gemm.js";
import { gemmF32Twin, gemmJs } from "../../src/nn/gemm-js.js";
import { gemmWasm, setWasmBlockLimit, wasmGemmAvailable, wasmGemmFailure } from "../../src/nn/gemm-wasm.js";

function randomF32(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

const shapes = [[1, 1, 1], [4, 8, 1], [5, 9, 3], [13, 17, 33], [32, 75, 512], [64, 64, 64], [3, 100, 7], [100, 3, 0]];

test("wasm kernel is bit-identical to its twin (all transposes, ragged edges, accumulate)", { skip: !wasmGemmAvailable() && `wasm kernel not built: ${wasmGemmFailure()}` }, () => {
  const rng = new Rng(9);
  for (const [M, N, K] of shapes) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      for (const acc of [false, true]) {
        const A = randomF32(rng, M * K), B = randomF32(rng, K * N), C0 = randomF32(rng, M * N);
        const c1 = C0.slice(), c2 = C0.slice();
        gemmWasm(ta, tb, M, N, K, A, B, c1, acc);
        gemmF32Twin(ta, tb, M, N, K, A, B, c2, acc);
        assert.deepEqual(c1, c2, `${M}x${N}x${K} ${ta} ${tb} acc=${acc}`);
      }
    }
  }
});

test("tiled products (operands over the block limit) match the JS kernel", { skip: !wasmGemmAvailable() }, () => {
  const rng = new Rng(11);
  const old = setWasmBlockLimit(600); // with K = 13: blocks of 44 rows and 40 columns
  const M = 150, N = 97, K = 13;
  for (const [ta, tb] of [[false, false], [true, true], [true, false]] as const) {
    const A = randomF32(rng, M * K), B = randomF32(rng, K * N);
    const c1 = randomF32(rng, M * N), c2 = c1.slice();
    gemmWasm(ta, tb, M, N, K, A, B, c1, true);
    gemmF32Twin(ta, tb, M, N, K, A, B, c2, true);
    assert.deepEqual(c1, c2, `${ta} ${tb}`);
    // and the transposed problem: N large
    const c3 = new Float32Array(N * M), c4 = new Float32Array(N * M);
    gemmWasm(!tb, !ta, N, M, K, B, A, c3, false);
    gemmF32Twin(!tb, !ta, N, M, K, B, A, c4, false);
    assert.deepEqual(c3, c4, `T ${ta} ${tb}`);
  }
  setWasmBlockLimit(old);
});

test("gemm dispatch (wasm or JS) agrees with the JS kernel to float32 accuracy", () => {
  const rng = new Rng(10);
  for (const [M, N, K] of [[64, 64, 64], [128, 96, 200], [33, 257, 65]]) {
    for (const [ta, tb] of [[false, false], [true, true], [false, true]] as const) {
      const A = randomF32(rng, M * K), B = randomF32(rng, K * N);
      const c1 = new Float32Array(M * N), c2 = new Float32Array(M * N);
      gemm(ta, tb, M, N, K, A, B, c1);
      gemmJs(ta, tb, M, N, K, A, B, c2, false);
      for (let i = 0; i < c1.length; i++) assert.ok(Math.abs(c1[i] - c2[i]) <= 1e-4 * Math.sqrt(K), `${M}x${N}x${K}[${i}]: ${c1[i]} vs ${c2[i]}`);
    }
  }
  const old = setWasmGemm(false);
  setWasmGemm(old);
  assert.equal(old, true);
});

test("batched gemm equals per-item gemm exactly (all transposes, ragged edges, accumulate, groups)", () => {
  const rng = new Rng(77);
  const old = setWasmBlockLimit(3000); // several groups per call
  try {
    for (const [M, N, K, count] of [[16, 16, 128, 9], [5, 13, 70, 4], [3, 8, 8, 3], [32, 9, 17, 2]]) {
      for (const tA of [false, true]) for (const tB of [false, true]) for (const acc of [false, true]) {
        const A = Float32Array.from({ length: count * M * K }, () => rng.next() * 2 - 1);
        const B = Float32Array.from({ length: count * K * N }, () => rng.next() * 2 - 1);
        const C0 = Float32Array.from({ length: count * M * N }, () => rng.next());
        const want = C0.slice(), got = C0.slice();
        for (let i = 0; i < count; i++) {
          gemm(tA, tB, M, N, K, A.subarray(i * M * K, (i + 1) * M * K), B.subarray(i * K * N, (i + 1) * K * N), want.subarray(i * M * N, (i + 1) * M * N), acc);
        }
        gemmBatched(tA, tB, count, M, N, K, A, B, got, acc);
        assert.deepEqual(got, want, `${M}×${N}×${K} ×${count} tA=${tA} tB=${tB} acc=${acc}`);
      }
    }
  } finally {
    setWasmBlockLimit(old);
  }
});

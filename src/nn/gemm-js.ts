/**
 * Plain-TypeScript GEMM, the reference twin of the wasm kernel (`wasm/gemm.ts`) and the path for
 * small products: C (M×N) = op(A)·op(B) (or C += ... with `accumulate`), row-major, where op(A)
 * is M×K (A stored K×M when `transA`) and op(B) is K×N (B stored N×K when `transB`).
 *
 * The kernel is the dot-product form C[i][j] = Σ_k A[i][k]·Bᵀ[j][k] over 4×4 register tiles
 * (8 loads per 16 multiply-adds, sums in float64 locals); operands are first brought to that
 * layout (A as M×K, B as N×K) by a transposing copy when needed, which costs O(MK + NK).
 */
import { alloc } from "./dtype.js";

/** Copy the rows×cols matrix `src` (row-major) transposed into a new cols×rows buffer. */
export function transposeCopy(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = alloc(rows * cols);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) {
        const s = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = src[s + c];
      }
    }
  }
  return out;
}

/** C (+)= op(A)·op(B) in plain TypeScript. See the module comment for the layout. */
export function gemmJs(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!accumulate) C.fill(0, 0, M * N);
    return;
  }
  const a = transA ? transposeCopy(A, K, M) : A;
  const b = transB ? B : transposeCopy(B, K, N);
  kernelNT(M, N, K, a, b, C, accumulate);
}

/** C (+)= A·Bᵀ with A M×K and B N×K, both row-major. */
function kernelNT(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, acc: boolean): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const r0 = i * N, r1 = r0 + N, r2 = r1 + N, r3 = r2 + N;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        const y0 = B[b0 + k], y1 = B[b1 + k], y2 = B[b2 + k], y3 = B[b3 + k];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      if (acc) {
        C[r0 + j] += c00; C[r0 + j + 1] += c01; C[r0 + j + 2] += c02; C[r0 + j + 3] += c03;
        C[r1 + j] += c10; C[r1 + j + 1] += c11; C[r1 + j + 2] += c12; C[r1 + j + 3] += c13;
        C[r2 + j] += c20; C[r2 + j + 1] += c21; C[r2 + j + 2] += c22; C[r2 + j + 3] += c23;
        C[r3 + j] += c30; C[r3 + j + 1] += c31; C[r3 + j + 2] += c32; C[r3 + j + 3] += c33;
      } else {
        C[r0 + j] = c00; C[r0 + j + 1] = c01; C[r0 + j + 2] = c02; C[r0 + j + 3] = c03;
        C[r1 + j] = c10; C[r1 + j + 1] = c11; C[r1 + j + 2] = c12; C[r1 + j + 3] = c13;
        C[r2 + j] = c20; C[r2 + j + 1] = c21; C[r2 + j + 2] = c22; C[r2 + j + 3] = c23;
        C[r3 + j] = c30; C[r3 + j + 1] = c31; C[r3 + j + 2] = c32; C[r3 + j + 3] = c33;
      }
    }
    for (; j < N; j++) {
      const b0 = j * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = B[b0 + k];
        s0 += A[a0 + k] * y; s1 += A[a1 + k] * y; s2 += A[a2 + k] * y; s3 += A[a3 + k] * y;
      }
      if (acc) {
        C[r0 + j] += s0; C[r1 + j] += s1; C[r2 + j] += s2; C[r3 + j] += s3;
      } else {
        C[r0 + j] = s0; C[r1 + j] = s1; C[r2 + j] = s2; C[r3 + j] = s3;
      }
    }
  }
  for (; i < M; i++) {
    const a0 = i * K;
    const r0 = i * N;
    for (let j = 0; j < N; j++) {
      const b0 = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      if (acc) C[r0 + j] += s;
      else C[r0 + j] = s;
    }
  }
}

/**
 * Bit-exact plain-TS twin of the wasm kernel: every product and sum rounded to float32, summed in
 * k order from zero, then stored (or added to C in float32). For the equality test only (slow).
 */
export function gemmF32Twin(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean,
): void {
  const f = Math.fround;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * M + i] : A[i * K + k];
        const b = transB ? B[j * K + k] : B[k * N + j];
        s = f(s + f(a * b));
      }
      if (accumulate) C[i * N + j] += s;
      else C[i * N + j] = s;
    }
  }
}

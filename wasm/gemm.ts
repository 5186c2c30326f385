// AssemblyScript kernel: single-precision GEMM on packed operands with 128-bit SIMD.
// Twin of `gemmPackedTwin` in src/nn/gemm-js.ts (same operations in the same order, so the
// results are bit-identical); driven by src/nn/gemm-wasm.ts, which packs the operands.
// Built with --runtime stub --importMemory --enable simd -O3 --noAssert. Nothing here allocates:
// every pointer is a byte offset into the memory JS owns.
//
// Layouts (MR = 4 rows per strip, NR = 8 columns per panel; M4, N8 are M, N rounded up):
//   ap: A packed in row strips:    ap[s][k][r]  = A[4s + r][k]   (f32, M4/4 × K × 4)
//   bp: B packed in column panels: bp[p][k][c]  = B[k][8p + c]   (f32, N8/8 × K × 8)
//   c:  C row-major, M4 × N8, overwritten: C[i][j] = Σ_k A[i][k]·B[k][j], summed in k order.
// The micro-kernel keeps a 4 × 8 tile of C in eight v128 accumulators; per k it loads two B
// vectors and splats four A values (v128.load32_splat): 6 loads for 32 multiply-adds.

/** C = A·B on packed operands (see the layout comment above). */
export function gemmPacked(ap: usize, bp: usize, c: usize, m4: i32, n8: i32, k: i32): void {
  const strips = m4 >> 2;
  const panels = n8 >> 3;
  const ldc: usize = <usize>n8 << 2; // bytes per C row
  const aStride: usize = <usize>k << 4; // bytes per A strip
  const bStride: usize = <usize>k << 5; // bytes per B panel
  for (let p = 0; p < panels; p++) {
    const bpp = bp + <usize>p * bStride;
    for (let s = 0; s < strips; s++) {
      let a = ap + <usize>s * aStride;
      let b = bpp;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      for (let kk = 0; kk < k; kk++) {
        const b0 = v128.load(b);
        const b1 = v128.load(b, 16);
        const a0 = v128.load32_splat(a);
        const a1 = v128.load32_splat(a, 4);
        const a2 = v128.load32_splat(a, 8);
        const a3 = v128.load32_splat(a, 12);
        c00 = f32x4.add(c00, f32x4.mul(a0, b0));
        c01 = f32x4.add(c01, f32x4.mul(a0, b1));
        c10 = f32x4.add(c10, f32x4.mul(a1, b0));
        c11 = f32x4.add(c11, f32x4.mul(a1, b1));
        c20 = f32x4.add(c20, f32x4.mul(a2, b0));
        c21 = f32x4.add(c21, f32x4.mul(a2, b1));
        c30 = f32x4.add(c30, f32x4.mul(a3, b0));
        c31 = f32x4.add(c31, f32x4.mul(a3, b1));
        a += 16;
        b += 32;
      }
      const cp = c + (<usize>(s << 2)) * ldc + (<usize>p << 5);
      v128.store(cp, c00);
      v128.store(cp, c01, 16);
      v128.store(cp + ldc, c10);
      v128.store(cp + ldc, c11, 16);
      v128.store(cp + 2 * ldc, c20);
      v128.store(cp + 2 * ldc, c21, 16);
      v128.store(cp + 3 * ldc, c30);
      v128.store(cp + 3 * ldc, c31, 16);
    }
  }
}

/**
 * Pack op(A) (M × K) into 4-row strips at dst, zero rows past M. op(A)[i][k] is src[i·K + k], or
 * src[k·M + i] when `trans` (A stored K × M).
 */
export function packA(src: usize, dst: usize, m: i32, k: i32, trans: i32): void {
  const m4 = (m + 3) & ~3;
  let d = dst;
  for (let s = 0; s < m4; s += 4) {
    const rows = min(4, m - s);
    if (trans && rows == 4) {
      for (let kk = 0; kk < k; kk++) {
        v128.store(d, v128.load(src + ((<usize>kk * <usize>m + <usize>s) << 2)));
        d += 16;
      }
    } else {
      for (let kk = 0; kk < k; kk++) {
        for (let r = 0; r < 4; r++) {
          let v: f32 = 0;
          if (r < rows) v = trans ? load<f32>(src + ((<usize>kk * <usize>m + <usize>(s + r)) << 2)) : load<f32>(src + ((<usize>(s + r) * <usize>k + <usize>kk) << 2));
          store<f32>(d + (<usize>r << 2), v);
        }
        d += 16;
      }
    }
  }
}

/**
 * Pack op(B) (K × N) into 8-column panels at dst, zero columns past N. op(B)[k][j] is
 * src[k·N + j], or src[j·K + k] when `trans` (B stored N × K).
 */
export function packB(src: usize, dst: usize, k: i32, n: i32, trans: i32): void {
  const n8 = (n + 7) & ~7;
  let d = dst;
  for (let p = 0; p < n8; p += 8) {
    const cols = min(8, n - p);
    if (!trans && cols == 8) {
      for (let kk = 0; kk < k; kk++) {
        const a = src + ((<usize>kk * <usize>n + <usize>p) << 2);
        v128.store(d, v128.load(a));
        v128.store(d, v128.load(a, 16), 16);
        d += 32;
      }
    } else {
      for (let kk = 0; kk < k; kk++) {
        for (let c = 0; c < 8; c++) {
          let v: f32 = 0;
          if (c < cols) v = trans ? load<f32>(src + ((<usize>(p + c) * <usize>k + <usize>kk) << 2)) : load<f32>(src + ((<usize>kk * <usize>n + <usize>(p + c)) << 2));
          store<f32>(d + (<usize>c << 2), v);
        }
        d += 32;
      }
    }
  }
}

/** First free byte after the kernel's static data. */
export function heapBase(): usize {
  return __heap_base;
}

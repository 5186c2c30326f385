/** Helpers for the engine tests: seeded random tensors and a two-precision gradient check. */
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { alloc, withPrecision, type Precision } from "../../src/nn/dtype.js";
import { gradcheck, type GradcheckOptions } from "../../src/nn/gradcheck.js";
import { Tensor, type Shape } from "../../src/nn/tensor.js";

/** A tensor requiring a gradient, uniform in [lo, hi). */
export function rand(rng: Rng, shape: Shape, lo = -1, hi = 1, sparseGrad = false, name = ""): Tensor {
  const t = Tensor.zeros(shape, { requiresGrad: true, sparseGrad, name });
  for (let i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * rng.next();
  return t;
}

/** Uniform magnitude in [lo, hi) with a random sign (keeps values away from kinks at 0). */
export function randAway(rng: Rng, shape: Shape, lo = 0.1, hi = 1): Tensor {
  const t = rand(rng, shape, lo, hi);
  for (let i = 0; i < t.size; i++) if (rng.next() < 0.5) t.data[i] = -t.data[i];
  return t;
}

/** Random ids in [0, n). */
export function ids(rng: Rng, count: number, n: number): Int32Array {
  return Int32Array.from({ length: count }, () => rng.int(n));
}

/** Plain array of uniform values in the current precision. */
export function values(rng: Rng, n: number, lo = 0, hi = 1): Float32Array {
  const a = alloc(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.next();
  return a;
}

/** A case builder: creates the inputs (in the current precision) and the function under test. */
export type Case = (rng: Rng) => { inputs: Tensor[]; fn: () => Tensor };

/**
 * Gradient-check `build` in the float64 reference mode (tight tolerances) and in float32
 * (loose ones); fails with the worst element on a mismatch, or when every gradient is zero.
 */
export function checkBoth(name: string, build: Case, opts: { f64?: GradcheckOptions; f32?: GradcheckOptions; seed?: number } = {}): void {
  for (const p of ["f64", "f32"] as Precision[]) {
    withPrecision(p, () => {
      const { inputs, fn } = build(new Rng(opts.seed ?? 1));
      const r = gradcheck(fn, inputs, p === "f64" ? opts.f64 : opts.f32);
      assert.ok(r.checked > 0, `${name} (${p}): nothing checked`);
      assert.ok(r.maxAbsGrad > 0, `${name} (${p}): all gradients are zero`);
      assert.ok(r.ok, `${name} (${p}): worst ratio ${r.worstRatio.toFixed(3)} at ${JSON.stringify(r.worst)}`);
    });
  }
}

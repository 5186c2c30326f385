/**
 * Finite-difference gradient check. The function under test maps the inputs to a tensor `out`;
 * the check differentiates the scalar Σ r ⊙ out for a fixed random r (so every output element
 * gets a different upstream gradient), analytically with the tape and numerically with central
 * differences on (a sample of) every input element, and compares the two per element with
 * |a − n| ≤ atol + rtol · max(|a|, |n|).
 *
 * Run it inside `withPrecision("f64", ...)` (inputs created inside too) for the float64
 * reference mode, where the default tolerances are tight (rtol 1e-5); in float32 the defaults
 * are loose (rtol 2e-2, eps 1e-2), appropriate for single-precision forward passes.
 */
import { Rng } from "../core/rng.js";
import { getPrecision } from "./dtype.js";
import { backward, clearTape, noGrad } from "./tape.js";
import type { Tensor } from "./tensor.js";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (f64 default 1e-6, f32 default 1e-2). */
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Check at most this many elements per input (a seeded random sample); default 200. */
  maxChecks?: number;
  seed?: number;
}

/** One compared element. */
export interface GradcheckMismatch {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

/** Outcome of {@link gradcheck}. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |a − n| / (atol + rtol·max(|a|, |n|)); ≤ 1 passes. */
  worstRatio: number;
  worst: GradcheckMismatch | null;
  /** Elements compared. */
  checked: number;
  /** Largest |analytic| seen (to tell a vacuous check from a real one). */
  maxAbsGrad: number;
}

function weightedSum(out: Tensor, r: Float64Array): number {
  let s = 0;
  const d = out.data;
  for (let i = 0; i < d.length; i++) s += r[i] * d[i];
  return s;
}

/** Compare the tape's gradients of Σ r ⊙ fn() with central differences for every input. */
export function gradcheck(fn: () => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const f64 = getPrecision() === "f64";
  const eps = opts.eps ?? (f64 ? 1e-6 : 1e-2);
  const rtol = opts.rtol ?? (f64 ? 1e-5 : 2e-2);
  const atol = opts.atol ?? (f64 ? 1e-7 : 2e-3);
  const maxChecks = opts.maxChecks ?? 200;
  const rng = new Rng(opts.seed ?? 12345);

  for (const x of inputs) {
    x.zeroGrad();
    x.grad = null;
  }
  clearTape();
  const out = fn();
  const r = new Float64Array(out.size);
  for (let i = 0; i < r.length; i++) r[i] = 2 * rng.next() - 1;
  backward(out, r);
  const analytic = inputs.map((x) => x.denseGrad());

  let worstRatio = 0, checked = 0, maxAbsGrad = 0;
  let worst: GradcheckMismatch | null = null;
  inputs.forEach((x, k) => {
    const n = x.size;
    let idx: number[];
    if (n <= maxChecks) idx = Array.from({ length: n }, (_, i) => i);
    else {
      const all = Int32Array.from({ length: n }, (_, i) => i);
      rng.shuffle(all);
      idx = Array.from(all.subarray(0, maxChecks));
    }
    for (const i of idx) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const hi = x.data[i];
      const fp = noGrad(() => weightedSum(fn(), r));
      x.data[i] = orig - eps;
      const lo = x.data[i];
      const fm = noGrad(() => weightedSum(fn(), r));
      x.data[i] = orig;
      const num = (fp - fm) / (hi - lo);
      const a = analytic[k][i];
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(a));
      const ratio = Math.abs(a - num) / (atol + rtol * Math.max(Math.abs(a), Math.abs(num)));
      checked++;
      const bad = Number.isNaN(ratio) ? Infinity : ratio;
      if (worst === null || bad > worstRatio) {
        worstRatio = Math.max(worstRatio, bad);
        worst = { input: k, index: i, analytic: a, numeric: num };
      }
    }
  });
  return { ok: worstRatio <= 1, worstRatio, worst, checked, maxAbsGrad };
}

/**
 * Element-wise activations: ReLU, GELU (tanh approximation), sigmoid, tanh. Each is a plain loop
 * (no per-element callbacks) since they sit on hot paths.
 */
import { alloc, getPrecision } from "../dtype.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/** max(0, x). */
export function relu(x: Tensor): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data, n = x.size;
  for (let i = 0; i < n; i++) y[i] = v[i] > 0 ? v[i] : 0;
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let i = 0; i < n; i++) if (v[i] > 0) gx[i] += g[i];
    });
  }
  return out;
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

// A rational approximation of tanh on [−7.905, 7.905] (clamped outside), the polynomial pair
// Eigen uses for float tanh: within 3e-7 of Math.tanh everywhere (about 2 float32 ulps), and
// about three times faster in V8. Float64 reference mode (gradient checks) keeps Math.tanh.
// Beyond |u| = 9 it returns exactly ±1, as float32 tanh does: GELU's backward multiplies
// 1 − tanh² by ~x³, so a tanh that stops one ulp short of 1 turned large activations into huge
// gradients (×25,000 at x = 10⁴) and blew up training.
const T_CLAMP = 7.90531110763549805;
/** Float32 tanh rounds to exactly 1 from about 9.01 on. */
const T_ONE = 9;
const A1 = 4.89352455891786e-3, A3 = 6.37261928875436e-4, A5 = 1.48572235717979e-5, A7 = 5.12229709037114e-8;
const A9 = -8.60467152213735e-11, A11 = 2.00018790482477e-13, A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-3, B2 = 2.268434632439e-3, B4 = 1.18534705686654e-4, B6 = 1.19825839466702e-6;

/** tanh to float32 accuracy (see above). */
export function tanhF32(u: number): number {
  if (u >= T_ONE) return 1;
  if (u <= -T_ONE) return -1;
  const x = u > T_CLAMP ? T_CLAMP : u < -T_CLAMP ? -T_CLAMP : u;
  const z = x * x;
  return (x * (A1 + z * (A3 + z * (A5 + z * (A7 + z * (A9 + z * (A11 + z * A13))))))) / (B0 + z * (B2 + z * (B4 + z * B6)));
}

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(x: Tensor): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data, n = x.size;
  const track = needsGrad(x);
  const th = track ? alloc(n) : null; // tanh values, kept for the backward pass
  const th32 = getPrecision() === "f32";
  for (let i = 0; i < n; i++) {
    const a = v[i];
    const u = GELU_C * (a + GELU_A * a * a * a);
    const t = th32 ? tanhF32(u) : Math.tanh(u);
    if (th) th[i] = t;
    y[i] = 0.5 * a * (1 + t);
  }
  if (track) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer(), T = th!;
      for (let i = 0; i < n; i++) {
        const a = v[i], t = T[i];
        gx[i] += g[i] * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * a * a));
      }
    });
  }
  return out;
}

/** Numerically stable logistic function of one number. */
export function sigmoidValue(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** 1 / (1 + e^−x). */
export function sigmoid(x: Tensor): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data, n = x.size;
  for (let i = 0; i < n; i++) y[i] = sigmoidValue(v[i]);
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let i = 0; i < n; i++) gx[i] += g[i] * y[i] * (1 - y[i]);
    });
  }
  return out;
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data, n = x.size;
  for (let i = 0; i < n; i++) y[i] = Math.tanh(v[i]);
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let i = 0; i < n; i++) gx[i] += g[i] * (1 - y[i] * y[i]);
    });
  }
  return out;
}

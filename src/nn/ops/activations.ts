/**
 * Element-wise activations: ReLU, GELU (tanh approximation), sigmoid, tanh. Each is a plain loop
 * (no per-element callbacks) since they sit on hot paths.
 */
import { alloc } from "../dtype.js";
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

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(x: Tensor): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data, n = x.size;
  const track = needsGrad(x);
  const th = track ? alloc(n) : null; // tanh values, kept for the backward pass
  for (let i = 0; i < n; i++) {
    const a = v[i];
    const t = Math.tanh(GELU_C * (a + GELU_A * a * a * a));
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

/**
 * Losses, each a mean over all elements (a scalar): `bceWithLogits` (binary cross-entropy on
 * logits, stable form) and `squaredHinge` (L2-SVM loss with targets in {0, 1}). Targets are plain
 * arrays (no gradient); optional per-element `weights` (0 masks an element out; the mean still
 * divides by the element count, as PyTorch's `weight` argument).
 */
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";
import { sigmoidValue } from "./activations.js";

function checkTargets(x: Tensor, targets: ArrayLike<number>, weights: ArrayLike<number> | null, what: string): void {
  if (targets.length !== x.size) throw new RangeError(`${what}: ${targets.length} targets for ${x.size} scores`);
  if (weights && weights.length !== x.size) throw new RangeError(`${what}: ${weights.length} weights for ${x.size} scores`);
}

/** mean_i w_i·[max(z,0) − z·y + log(1 + e^−|z|)], the BCE of σ(z) against y ∈ [0, 1]. */
export function bceWithLogits(logits: Tensor, targets: ArrayLike<number>, weights: ArrayLike<number> | null = null): Tensor {
  checkTargets(logits, targets, weights, "bceWithLogits");
  const n = logits.size, z = logits.data;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = z[i];
    const l = Math.max(v, 0) - v * targets[i] + Math.log1p(Math.exp(-Math.abs(v)));
    s += weights ? weights[i] * l : l;
  }
  const f = 1 / Math.max(1, n);
  const out = Tensor.from([s * f], []);
  if (needsGrad(logits)) {
    record(out, () => {
      const g = out.grad![0] * f, gz = logits.gradBuffer();
      for (let i = 0; i < n; i++) gz[i] += g * (weights ? weights[i] : 1) * (sigmoidValue(z[i]) - targets[i]);
    });
  }
  return out;
}

/** mean_i w_i·max(0, 1 − s_i·z_i)² with s_i = +1 for targets > 0.5 and −1 otherwise. */
export function squaredHinge(scores: Tensor, targets: ArrayLike<number>, weights: ArrayLike<number> | null = null): Tensor {
  checkTargets(scores, targets, weights, "squaredHinge");
  const n = scores.size, z = scores.data;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const m = 1 - (targets[i] > 0.5 ? z[i] : -z[i]);
    if (m > 0) s += (weights ? weights[i] : 1) * m * m;
  }
  const f = 1 / Math.max(1, n);
  const out = Tensor.from([s * f], []);
  if (needsGrad(scores)) {
    record(out, () => {
      const g = out.grad![0] * f, gz = scores.gradBuffer();
      for (let i = 0; i < n; i++) {
        const sign = targets[i] > 0.5 ? 1 : -1;
        const m = 1 - sign * z[i];
        if (m > 0) gz[i] += g * (weights ? weights[i] : 1) * -2 * m * sign;
      }
    });
  }
  return out;
}

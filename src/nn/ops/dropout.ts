/** Inverted dropout with a seeded generator (deterministic for a given {@link Rng} state). */
import type { Rng } from "../../core/rng.js";
import { alloc } from "../dtype.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/**
 * Zero each element with probability `p` and scale the survivors by 1/(1 − p). Identity (the
 * same tensor) when not `training` or `p` = 0. Draws exactly one number from `rng` per element.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const n = x.size;
  const mask = alloc(n);
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) mask[i] = rng.next() >= p ? keep : 0;
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data;
  for (let i = 0; i < n; i++) y[i] = v[i] * mask[i];
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let i = 0; i < n; i++) gx[i] += g[i] * mask[i];
    });
  }
  return out;
}

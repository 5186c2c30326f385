/** Parameter initialisers (deterministic through {@link Rng}). */
import type { Rng } from "../core/rng.js";
import { alloc } from "./dtype.js";
import { param, type Shape, type Tensor, numel } from "./tensor.js";

/** A standard normal draw (Box–Muller; consumes two uniforms). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fan-in and fan-out of a weight shape: [out, in] (linear) or [out, in, k] (conv). */
export function fans(shape: Shape): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const rf = numel(shape.slice(2));
  return [shape[1] * rf, shape[0] * rf];
}

/** Values uniform in [lo, hi). */
export function uniformData(shape: Shape, lo: number, hi: number, rng: Rng): Float32Array {
  const d = alloc(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.next();
  return d;
}

/** Values normal with the given standard deviation. */
export function normalData(shape: Shape, std: number, rng: Rng): Float32Array {
  const d = alloc(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = std * gaussian(rng);
  return d;
}

/** Xavier/Glorot uniform: U(±√(6/(fan_in + fan_out))). */
export function xavierUniform(shape: Shape, rng: Rng, name = ""): Tensor {
  const [fi, fo] = fans(shape);
  const a = Math.sqrt(6 / (fi + fo));
  return param(uniformData(shape, -a, a, rng), shape, name);
}

/** Xavier/Glorot normal: N(0, 2/(fan_in + fan_out)). */
export function xavierNormal(shape: Shape, rng: Rng, name = ""): Tensor {
  const [fi, fo] = fans(shape);
  return param(normalData(shape, Math.sqrt(2 / (fi + fo)), rng), shape, name);
}

/** A parameter of zeros. */
export function zerosParam(shape: Shape, name = ""): Tensor {
  return param(alloc(numel(shape)), shape, name);
}

/** A parameter filled with `v`. */
export function constParam(shape: Shape, v: number, name = ""): Tensor {
  const d = alloc(numel(shape));
  d.fill(v);
  return param(d, shape, name);
}

/** An embedding table U(±a) with a row-sparse gradient; `paddingIdx` row (if ≥ 0) zero. */
export function embeddingTable(rows: number, dim: number, rng: Rng, a = 0.25, name = "", paddingIdx = -1): Tensor {
  const d = uniformData([rows, dim], -a, a, rng);
  if (paddingIdx >= 0) d.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
  return param(d, [rows, dim], name, true);
}

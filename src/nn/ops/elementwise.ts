/**
 * Element-wise binary ops with broadcasting over leading dimensions: the operands have the same
 * shape, or one operand's shape is a suffix of the other's (a bias [D] against [N, D], a [S, D]
 * table against [B, S, D]), or one operand has a single element. Plus `scale` and `addScalar`.
 */
import { alloc } from "../dtype.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

function isSuffix(small: readonly number[], big: readonly number[]): boolean {
  if (small.length > big.length) return false;
  const off = big.length - small.length;
  for (let i = 0; i < small.length; i++) if (small[i] !== big[off + i]) return false;
  return true;
}

/** The output shape of a broadcast between `a` and `b`; throws when they do not broadcast. */
function broadcastShape(a: Tensor, b: Tensor, what: string): number[] {
  if (isSuffix(b.shape, a.shape) || b.size === 1) return a.shape;
  if (isSuffix(a.shape, b.shape) || a.size === 1) return b.shape;
  throw new RangeError(`${what}: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}] do not broadcast (one must be a suffix of the other)`);
}

/** Sum the n-element gradient `g` down to `m` elements by wrapping (the broadcast's adjoint), times `w[i]` when given. */
function reduceTo(g: Float32Array, m: number, w: Float32Array | null, wm: number): Float32Array {
  const out = alloc(m);
  const n = g.length;
  if (w) for (let i = 0; i < n; i++) out[i % m] += g[i] * w[i % wm];
  else for (let i = 0; i < n; i++) out[i % m] += g[i];
  return out;
}

type Kind = 0 | 1 | 2; // add, sub, mul

function binary(a: Tensor, b: Tensor, kind: Kind, what: string): Tensor {
  const shape = broadcastShape(a, b, what);
  const out = Tensor.zeros(shape);
  const y = out.data, x1 = a.data, x2 = b.data;
  const n = out.size, na = a.size, nb = b.size;
  if (na === n && nb === n) {
    if (kind === 0) for (let i = 0; i < n; i++) y[i] = x1[i] + x2[i];
    else if (kind === 1) for (let i = 0; i < n; i++) y[i] = x1[i] - x2[i];
    else for (let i = 0; i < n; i++) y[i] = x1[i] * x2[i];
  } else {
    if (kind === 0) for (let i = 0; i < n; i++) y[i] = x1[i % na] + x2[i % nb];
    else if (kind === 1) for (let i = 0; i < n; i++) y[i] = x1[i % na] - x2[i % nb];
    else for (let i = 0; i < n; i++) y[i] = x1[i % na] * x2[i % nb];
  }
  if (needsGrad(a, b)) {
    record(out, () => {
      const g = out.grad!;
      if (a.requiresGrad) {
        // d/da: 1 (add, sub) or b (mul)
        const w = kind === 2 ? x2 : null;
        if (na === n && (!w || nb === n)) {
          if (w) {
            const ga = a.gradBuffer();
            for (let i = 0; i < n; i++) ga[i] += g[i] * w[i];
          } else a.addGrad(g);
        } else a.addGrad(reduceTo(g, na, w, nb));
      }
      if (b.requiresGrad) {
        const w = kind === 2 ? x1 : null;
        const s = kind === 1 ? -1 : 1;
        if (nb === n && (!w || na === n)) {
          const gb = b.gradBuffer();
          if (w) for (let i = 0; i < n; i++) gb[i] += g[i] * w[i];
          else for (let i = 0; i < n; i++) gb[i] += s * g[i];
        } else b.addGrad(reduceTo(g, nb, w, na), s);
      }
    });
  }
  return out;
}

/** a + b (broadcast over leading dims). */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 0, "add");
}

/** a − b (broadcast over leading dims). */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 1, "sub");
}

/** a ⊙ b (broadcast over leading dims). */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 2, "mul");
}

/** s · x for a constant s. */
export function scale(x: Tensor, s: number): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data;
  for (let i = 0; i < x.size; i++) y[i] = s * v[i];
  if (needsGrad(x)) record(out, () => x.addGrad(out.grad!, s));
  return out;
}

/** x + c for a constant c. */
export function addScalar(x: Tensor, c: number): Tensor {
  const out = Tensor.zeros(x.shape);
  const y = out.data, v = x.data;
  for (let i = 0; i < x.size; i++) y[i] = v[i] + c;
  if (needsGrad(x)) record(out, () => x.addGrad(out.grad!));
  return out;
}

/** Shape ops: `reshape` (a view), `concat`, `permute` (any rank) and `transpose` (2-D). */
import { needsGrad, record } from "../tape.js";
import { numel, Tensor, type Shape } from "../tensor.js";

/** The same values under a new shape (one entry may be −1, inferred). Shares the data buffer. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = shape.slice();
  const hole = s.indexOf(-1);
  if (hole >= 0) {
    const rest = numel(s.filter((_, i) => i !== hole));
    if (rest === 0 || x.size % rest !== 0) throw new RangeError(`reshape: cannot infer -1 in [${shape.join(", ")}] for ${x.size} elements`);
    s[hole] = x.size / rest;
  }
  if (numel(s) !== x.size) throw new RangeError(`reshape: [${x.shape.join(", ")}] has ${x.size} elements, [${shape.join(", ")}] has ${numel(s)}`);
  const out = new Tensor(x.data, s);
  if (needsGrad(x)) record(out, () => x.addGrad(out.grad!));
  return out;
}

/** Concatenate tensors along `dim` (all other dimensions equal). */
export function concat(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new RangeError("concat: no tensors");
  const r = xs[0].rank;
  const d = dim < 0 ? dim + r : dim;
  if (d < 0 || d >= r) throw new RangeError(`concat: dim ${dim} out of range for rank ${r}`);
  for (const t of xs) {
    if (t.rank !== r || t.shape.some((s, i) => i !== d && s !== xs[0].shape[i])) {
      throw new RangeError(`concat: shapes [${xs[0].shape.join(", ")}] and [${t.shape.join(", ")}] differ outside dim ${d}`);
    }
  }
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= xs[0].shape[i];
  for (let i = d + 1; i < r; i++) inner *= xs[0].shape[i];
  const widths = xs.map((t) => t.shape[d] * inner);
  const total = widths.reduce((a, b) => a + b, 0);
  const shape = xs[0].shape.slice();
  shape[d] = xs.reduce((a, t) => a + t.shape[d], 0);
  const out = Tensor.zeros(shape);
  const y = out.data;
  let off = 0;
  for (let k = 0; k < xs.length; k++) {
    const w = widths[k], v = xs[k].data;
    for (let o = 0; o < outer; o++) y.set(v.subarray(o * w, (o + 1) * w), o * total + off);
    off += w;
  }
  if (needsGrad(...xs)) {
    record(out, () => {
      const g = out.grad!;
      let at = 0;
      for (let k = 0; k < xs.length; k++) {
        const w = widths[k], t = xs[k];
        if (t.requiresGrad) {
          const gt = t.gradBuffer();
          for (let o = 0; o < outer; o++) {
            const src = o * total + at, dst = o * w;
            for (let j = 0; j < w; j++) gt[dst + j] += g[src + j];
          }
        }
        at += w;
      }
    });
  }
  return out;
}

/** For each output position (row-major), the input offset under `perm`; walks an odometer. */
function permuteOffsets(shape: readonly number[], perm: readonly number[]): Int32Array {
  const r = shape.length;
  const inStride = new Array<number>(r);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) {
    inStride[i] = s;
    s *= shape[i];
  }
  const outShape = perm.map((p) => shape[p]);
  const step = perm.map((p) => inStride[p]);
  const n = numel(shape);
  const offs = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    offs[i] = off;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]++;
      off += step[k];
      if (idx[k] < outShape[k]) break;
      off -= step[k] * outShape[k];
      idx[k] = 0;
    }
  }
  return offs;
}

/** out.shape[i] = x.shape[perm[i]]; out[..., i_k, ...] = x[... at perm positions]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const r = x.rank;
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw new RangeError(`permute: [${perm.join(", ")}] is not a permutation of ${r} dims`);
  const offs = permuteOffsets(x.shape, perm);
  const out = Tensor.zeros(perm.map((p) => x.shape[p]));
  const y = out.data, v = x.data, n = x.size;
  for (let i = 0; i < n; i++) y[i] = v[offs[i]];
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let i = 0; i < n; i++) gx[offs[i]] += g[i];
    });
  }
  return out;
}

/** Transpose of a 2-D tensor; for higher ranks, swaps the last two dimensions. */
export function transpose(x: Tensor): Tensor {
  if (x.rank < 2) throw new RangeError("transpose: needs at least 2 dimensions");
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return permute(x, perm);
}

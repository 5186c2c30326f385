/** Reductions: `sum` and `mean`, over all elements or along one dimension. */
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/** Split `shape` around `dim` into (outer, n, inner) extents. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[dim], inner];
}

function normDim(x: Tensor, dim: number, what: string): number {
  const d = dim < 0 ? dim + x.rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= x.rank) throw new RangeError(`${what}: dim ${dim} out of range for [${x.shape.join(", ")}]`);
  return d;
}

function reduce(x: Tensor, dim: number | undefined, isMean: boolean, what: string): Tensor {
  if (dim === undefined) {
    const n = x.size;
    let s = 0;
    const v = x.data;
    for (let i = 0; i < n; i++) s += v[i];
    const f = isMean ? 1 / Math.max(1, n) : 1;
    const out = Tensor.from([s * f], []);
    if (needsGrad(x)) {
      record(out, () => {
        const g = out.grad![0] * f, gx = x.gradBuffer();
        for (let i = 0; i < n; i++) gx[i] += g;
      });
    }
    return out;
  }
  const d = normDim(x, dim, what);
  const [outer, n, inner] = around(x.shape, d);
  const shape = x.shape.filter((_, i) => i !== d);
  const out = Tensor.zeros(shape);
  const f = isMean ? 1 / Math.max(1, n) : 1;
  const v = x.data, y = out.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const base = (o * n + k) * inner;
      for (let j = 0; j < inner; j++) y[o * inner + j] += v[base + j];
    }
  }
  if (f !== 1) for (let i = 0; i < y.length; i++) y[i] *= f;
  if (needsGrad(x)) {
    record(out, () => {
      const g = out.grad!, gx = x.gradBuffer();
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n; k++) {
          const base = (o * n + k) * inner;
          for (let j = 0; j < inner; j++) gx[base + j] += f * g[o * inner + j];
        }
      }
    });
  }
  return out;
}

/** Sum of all elements (a scalar), or along `dim` (that dimension removed). */
export function sum(x: Tensor, dim?: number): Tensor {
  return reduce(x, dim, false, "sum");
}

/** Mean of all elements (a scalar), or along `dim` (that dimension removed). */
export function mean(x: Tensor, dim?: number): Tensor {
  return reduce(x, dim, true, "mean");
}

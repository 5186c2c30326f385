/** Shared helpers for the linear-solver tests: random sparse data and the primal objective. */
import { csrFromRows, normalizeRowsL2, type Csr } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import type { SolverParams } from "../../src/linear/params.js";
import type { WeightBlock } from "../../src/linear/types.js";

/** Random sparse matrix, rows L2-normalised, `minNnz`..`maxNnz` entries per row (some rows may be empty if minNnz = 0). */
export function randomCsr(seed: number, rows: number, cols: number, minNnz: number, maxNnz: number): Csr {
  const r = new Rng(seed);
  const idx: number[][] = [];
  const val: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const m = minNnz + r.int(maxNnz - minNnz + 1);
    const a: number[] = [];
    const v: number[] = [];
    for (let t = 0; t < m; t++) {
      a.push(r.int(cols));
      v.push(0.1 + r.next());
    }
    idx.push(a);
    val.push(v);
  }
  return normalizeRowsL2(csrFromRows(cols, idx, val));
}

/** `count` random sorted subsets of positions 0..n-1, each position positive with probability `rate`. */
export function randomPositives(seed: number, n: number, count: number, rate: number): Int32Array[] {
  const r = new Rng(seed);
  const out: Int32Array[] = [];
  for (let c = 0; c < count; c++) {
    const p: number[] = [];
    for (let k = 0; k < n; k++) if (r.next() < rate) p.push(k);
    out.push(Int32Array.from(p));
  }
  return out;
}

/** Column c of a block as a dense vector of length d + 1 (index d = bias). */
export function denseColumn(W: WeightBlock, c: number, d: number): Float64Array {
  const out = new Float64Array(d + 1);
  for (let q = W.colptr[c]; q < W.colptr[c + 1]; q++) out[W.rows[q]] = W.values[q];
  return out;
}

/** A binary problem in dense form: instance vectors with the bias feature appended, labels ±1, costs. */
export interface DenseProblem {
  x: Float64Array[];
  y: number[];
  C: number[];
}

/** Dense form of positions `rows` of X (bias feature appended when p.bias > 0, else 0). */
export function denseProblem(X: Csr, rows: Int32Array, positives: Int32Array, p: SolverParams): DenseProblem {
  const pos = new Set(positives);
  const x: Float64Array[] = [];
  const y: number[] = [];
  const C: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const v = new Float64Array(X.cols + 1);
    for (let q = X.indptr[rows[k]]; q < X.indptr[rows[k] + 1]; q++) v[X.indices[q]] = X.data[q];
    v[X.cols] = p.bias > 0 ? p.bias : 0;
    x.push(v);
    y.push(pos.has(k) ? 1 : -1);
    C.push(pos.has(k) ? p.Cp : p.Cn);
  }
  return { x, y, C };
}

const dotD = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
};

/** Primal objective ½‖w̃‖² + Σ C_i ℓ(y_i w̃ᵀx̃_i) and its gradient. */
export function primal(P: DenseProblem, w: Float64Array, loss: string): { f: number; g: Float64Array } {
  let f = 0.5 * dotD(w, w);
  const g = Float64Array.from(w);
  for (let i = 0; i < P.x.length; i++) {
    const m = P.y[i] * dotD(w, P.x[i]);
    let dl: number; // d loss / d margin
    if (loss === "logistic") {
      f += P.C[i] * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
      dl = -P.C[i] / (1 + Math.exp(m));
    } else {
      const h = Math.max(0, 1 - m);
      f += P.C[i] * h * h;
      dl = -2 * P.C[i] * h;
    }
    for (let j = 0; j < w.length; j++) g[j] += dl * P.y[i] * P.x[i][j];
  }
  return { f, g };
}

/** Brute-force primal minimiser: Nesterov-accelerated gradient descent with step 1/L. */
export function minimizePrimal(P: DenseProblem, loss: string, steps: number): Float64Array {
  const d = P.x[0].length;
  let fro = 0;
  for (const v of P.x) fro += dotD(v, v);
  const curv = loss === "logistic" ? 0.25 : 2;
  const L = 1 + curv * Math.max(...P.C) * fro;
  let w = new Float64Array(d);
  let prev = new Float64Array(d);
  const q = 1 / L; // strong convexity 1 → momentum (1 - √q)/(1 + √q)
  const beta = (1 - Math.sqrt(q)) / (1 + Math.sqrt(q));
  for (let t = 0; t < steps; t++) {
    const z = new Float64Array(d);
    for (let j = 0; j < d; j++) z[j] = w[j] + beta * (w[j] - prev[j]);
    const { g } = primal(P, z, loss);
    prev = w;
    w = new Float64Array(d);
    for (let j = 0; j < d; j++) w[j] = z[j] - g[j] / L;
  }
  return w;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dotD(a, a));
}

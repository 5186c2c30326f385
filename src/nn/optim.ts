/**
 * Optimizers: SGD (momentum), Adam (L2 weight decay in the gradient), AdamW (decoupled decay) and
 * SparseAdam, the lazy Adam for row-sparse tables: it touches only the rows present in the
 * gradient, each row keeping its own step count for bias correction, so a step costs
 * O(touched rows × dim) however large the table. Plus global-norm gradient clipping.
 *
 * Dense optimizers refuse `sparseGrad` tables and SparseAdam refuses dense tensors; build one of
 * each over {@link splitParams}. Options are validated with the project's params schema.
 */
import { parseParams, type ParamsOf } from "../core/params.js";
import { XmcError } from "../core/errors.js";
import { alloc } from "./dtype.js";
import type { Tensor } from "./tensor.js";

/** Named optimizer state for checkpoints: arrays plus scalars. */
export interface OptimizerState {
  arrays: Record<string, Float32Array | Int32Array>;
  scalars: Record<string, number>;
}

/** Common interface of the optimizers. */
export interface Optimizer {
  /** Learning rate (schedules write it before each step). */
  lr: number;
  readonly params: readonly Tensor[];
  /** Apply one update from the current gradients. */
  step(): void;
  /** Clear the gradients of all parameters. */
  zeroGrad(): void;
  /** State for a checkpoint (moments, step counts). */
  stateDict(): OptimizerState;
  /** Restore a state written by {@link stateDict} for the same parameters. */
  loadStateDict(s: OptimizerState): void;
}

/** Dense and row-sparse parameters of a model, for one dense optimizer and one SparseAdam. */
export function splitParams(params: readonly Tensor[]): { dense: Tensor[]; sparse: Tensor[] } {
  return { dense: params.filter((p) => !p.sparseGrad), sparse: params.filter((p) => p.sparseGrad) };
}

function key(p: Tensor, i: number): string {
  return p.name ? p.name : `#${i}`;
}

function checkUnique(params: readonly Tensor[], what: string): void {
  const seen = new Set<string>();
  params.forEach((p, i) => {
    const k = key(p, i);
    if (seen.has(k)) throw new XmcError(`${what}: two parameters named "${k}"`);
    seen.add(k);
  });
}

abstract class Base implements Optimizer {
  abstract lr: number;
  constructor(readonly params: readonly Tensor[], what: string, sparse: boolean) {
    checkUnique(params, what);
    for (const p of params) {
      if (!p.requiresGrad) throw new XmcError(`${what}: parameter ${p} does not require a gradient`);
      if (p.sparseGrad !== sparse) {
        throw new XmcError(sparse ? `${what}: ${p} has a dense gradient; use Adam/AdamW/SGD for it` : `${what}: ${p} has a row-sparse gradient; use SparseAdam for it`);
      }
    }
  }
  abstract step(): void;
  abstract stateDict(): OptimizerState;
  abstract loadStateDict(s: OptimizerState): void;
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
  protected restore(dst: Float32Array | Int32Array, s: OptimizerState, name: string): void {
    const a = s.arrays[name];
    if (!a || a.length !== dst.length) throw new XmcError(`optimizer state: "${name}" missing or of the wrong size`);
    dst.set(a);
  }
}

/** Options of {@link SGD}. */
export const SGD_SCHEMA = {
  lr: { type: "number", default: 0.01, min: 0, help: "learning rate" },
  momentum: { type: "number", default: 0, min: 0, max: 1, help: "heavy-ball momentum" },
  weightDecay: { type: "number", default: 0, min: 0, help: "L2 penalty added to the gradient" },
} as const;

/** Stochastic gradient descent with optional momentum and L2 weight decay. */
export class SGD extends Base {
  lr: number;
  readonly opts: ParamsOf<typeof SGD_SCHEMA>;
  private vel: Float32Array[];
  constructor(params: readonly Tensor[], opts: Partial<ParamsOf<typeof SGD_SCHEMA>> = {}) {
    super(params, "sgd", false);
    this.opts = parseParams(SGD_SCHEMA, opts, "sgd");
    this.lr = this.opts.lr;
    this.vel = this.opts.momentum > 0 ? params.map((p) => alloc(p.size)) : [];
  }
  step(): void {
    const { momentum: mu, weightDecay: wd } = this.opts;
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g) return;
      const w = p.data, n = p.size, lr = this.lr;
      if (mu > 0) {
        const v = this.vel[k];
        for (let i = 0; i < n; i++) {
          v[i] = mu * v[i] + g[i] + wd * w[i];
          w[i] -= lr * v[i];
        }
      } else for (let i = 0; i < n; i++) w[i] -= lr * (g[i] + wd * w[i]);
    });
  }
  stateDict(): OptimizerState {
    const arrays: Record<string, Float32Array> = {};
    this.vel.forEach((v, i) => (arrays[`${key(this.params[i], i)}.v`] = v));
    return { arrays, scalars: { lr: this.lr } };
  }
  loadStateDict(s: OptimizerState): void {
    this.vel.forEach((v, i) => this.restore(v, s, `${key(this.params[i], i)}.v`));
    this.lr = s.scalars.lr ?? this.lr;
  }
}

/** Options of {@link Adam}, {@link AdamW} and {@link SparseAdam}. */
export const ADAM_SCHEMA = {
  lr: { type: "number", default: 1e-3, min: 0, help: "learning rate" },
  beta1: { type: "number", default: 0.9, min: 0, max: 0.999999, help: "first-moment decay" },
  beta2: { type: "number", default: 0.999, min: 0, max: 0.999999, help: "second-moment decay" },
  eps: { type: "number", default: 1e-8, min: 0, help: "denominator epsilon" },
  weightDecay: { type: "number", default: 0, min: 0, help: "Adam: L2 added to the gradient; AdamW: decoupled decay; SparseAdam: must be 0" },
} as const;

/** Adam options. */
export type AdamOptions = ParamsOf<typeof ADAM_SCHEMA>;

/** Adam (Kingma & Ba) with PyTorch's update; `decoupled` makes it AdamW. */
export class Adam extends Base {
  lr: number;
  /** First-moment decay; writable so one-cycle schedules can cycle it. */
  beta1: number;
  readonly opts: AdamOptions;
  /** Number of steps taken. */
  t = 0;
  private m: Float32Array[];
  private v: Float32Array[];
  constructor(params: readonly Tensor[], opts: Partial<AdamOptions> = {}, protected readonly decoupled = false, what = "adam") {
    super(params, what, false);
    this.opts = parseParams(ADAM_SCHEMA, opts, what);
    this.lr = this.opts.lr;
    this.beta1 = this.opts.beta1;
    this.m = params.map((p) => alloc(p.size));
    this.v = params.map((p) => alloc(p.size));
  }
  step(): void {
    this.t++;
    const b1 = this.beta1, b2 = this.opts.beta2, eps = this.opts.eps, wd = this.opts.weightDecay;
    const bc1 = 1 - Math.pow(b1, this.t), bc2 = 1 - Math.pow(b2, this.t);
    const stepSize = this.lr / bc1, sq2 = 1 / Math.sqrt(bc2);
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g) return;
      const w = p.data, m = this.m[k], v = this.v[k], n = p.size;
      if (this.decoupled && wd > 0) {
        const f = 1 - this.lr * wd;
        for (let i = 0; i < n; i++) w[i] *= f;
      }
      const l2 = this.decoupled ? 0 : wd;
      for (let i = 0; i < n; i++) {
        const gi = g[i] + l2 * w[i];
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
        w[i] -= (stepSize * mi) / (Math.sqrt(vi) * sq2 + eps);
      }
    });
  }
  stateDict(): OptimizerState {
    const arrays: Record<string, Float32Array> = {};
    this.params.forEach((p, i) => {
      arrays[`${key(p, i)}.m`] = this.m[i];
      arrays[`${key(p, i)}.v`] = this.v[i];
    });
    return { arrays, scalars: { t: this.t, lr: this.lr, beta1: this.beta1 } };
  }
  loadStateDict(s: OptimizerState): void {
    this.params.forEach((p, i) => {
      this.restore(this.m[i], s, `${key(p, i)}.m`);
      this.restore(this.v[i], s, `${key(p, i)}.v`);
    });
    this.t = s.scalars.t ?? 0;
    this.lr = s.scalars.lr ?? this.lr;
    this.beta1 = s.scalars.beta1 ?? this.beta1;
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.01), as PyTorch's AdamW. */
export class AdamW extends Adam {
  constructor(params: readonly Tensor[], opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts }, true, "adamw");
  }
}

/**
 * Lazy Adam for row-sparse tables: for each touched row r, step[r] += 1 and the moments and the
 * weights of that row only are updated, with bias corrections 1 − β^step[r]. Untouched rows keep
 * their moments unchanged (no decay), the "lazy" semantics of PyTorch's SparseAdam / TF's
 * LazyAdam, but with per-row step counts instead of one global count.
 */
export class SparseAdam extends Base {
  lr: number;
  beta1: number;
  readonly opts: AdamOptions;
  private m: Float32Array[];
  private v: Float32Array[];
  private steps: Int32Array[];
  constructor(params: readonly Tensor[], opts: Partial<AdamOptions> = {}) {
    super(params, "sparseAdam", true);
    this.opts = parseParams(ADAM_SCHEMA, opts, "sparseAdam");
    if (this.opts.weightDecay !== 0) throw new XmcError("sparseAdam: weightDecay is not supported (it would have to sweep the table)");
    this.lr = this.opts.lr;
    this.beta1 = this.opts.beta1;
    this.m = params.map((p) => alloc(p.size));
    this.v = params.map((p) => alloc(p.size));
    this.steps = params.map((p) => new Int32Array(p.shape[0]));
  }
  step(): void {
    const b1 = this.beta1, b2 = this.opts.beta2, eps = this.opts.eps, lr = this.lr;
    this.params.forEach((p, k) => {
      const rg = p.rowGrad;
      if (!rg || rg.count === 0) return;
      const D = rg.dim, ids = rg.ids, vals = rg.values;
      const w = p.data, m = this.m[k], v = this.v[k], st = this.steps[k];
      for (let s = 0; s < ids.length; s++) {
        const r = ids[s];
        const t = ++st[r];
        const stepSize = lr / (1 - Math.pow(b1, t)), sq2 = 1 / Math.sqrt(1 - Math.pow(b2, t));
        const o = r * D, go = s * D;
        for (let j = 0; j < D; j++) {
          const gi = vals[go + j];
          const mi = (m[o + j] = b1 * m[o + j] + (1 - b1) * gi);
          const vi = (v[o + j] = b2 * v[o + j] + (1 - b2) * gi * gi);
          w[o + j] -= (stepSize * mi) / (Math.sqrt(vi) * sq2 + eps);
        }
      }
    });
  }
  /** Forget the moments and step counts of rows `rows` of parameter `k` (after the rows were overwritten). */
  resetRows(k: number, rows: Iterable<number>): void {
    const D = this.params[k].shape[1], m = this.m[k], v = this.v[k], st = this.steps[k];
    for (const r of rows) {
      m.fill(0, r * D, (r + 1) * D);
      v.fill(0, r * D, (r + 1) * D);
      st[r] = 0;
    }
  }
  /** Per-row step counts of parameter `k` (for tests and diagnostics). */
  rowSteps(k: number): Int32Array {
    return this.steps[k];
  }
  stateDict(): OptimizerState {
    const arrays: Record<string, Float32Array | Int32Array> = {};
    this.params.forEach((p, i) => {
      arrays[`${key(p, i)}.m`] = this.m[i];
      arrays[`${key(p, i)}.v`] = this.v[i];
      arrays[`${key(p, i)}.steps`] = this.steps[i];
    });
    return { arrays, scalars: { lr: this.lr, beta1: this.beta1 } };
  }
  loadStateDict(s: OptimizerState): void {
    this.params.forEach((p, i) => {
      this.restore(this.m[i], s, `${key(p, i)}.m`);
      this.restore(this.v[i], s, `${key(p, i)}.v`);
      this.restore(this.steps[i], s, `${key(p, i)}.steps`);
    });
    this.lr = s.scalars.lr ?? this.lr;
    this.beta1 = s.scalars.beta1 ?? this.beta1;
  }
}

/** The global L2 norm of all gradients (dense and row-sparse). */
export function gradNorm(params: readonly Tensor[]): number {
  let s = 0;
  for (const p of params) {
    const g = p.rowGrad ? p.rowGrad.values : p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  }
  return Math.sqrt(s);
}

/**
 * Scale all gradients so their global L2 norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_: factor maxNorm / (norm + 1e-6) when the norm exceeds it). Returns the norm
 * before clipping.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  const norm = gradNorm(params);
  if (norm > maxNorm) {
    const f = maxNorm / (norm + 1e-6);
    for (const p of params) {
      const g = p.rowGrad ? p.rowGrad.values : p.grad;
      if (!g) continue;
      for (let i = 0; i < g.length; i++) g[i] *= f;
    }
  }
  return norm;
}

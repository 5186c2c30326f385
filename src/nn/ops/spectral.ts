/**
 * Spectral normalisation (Miyato et al.; PyTorch's `spectral_norm`): W_sn = W / σ(W) with σ the
 * largest singular value of W viewed as a matrix (out × rest), estimated by power iteration on
 * persistent vectors u, v. As in PyTorch, u and v are constants for differentiation (σ = uᵀWv is
 * differentiated through W only), updated in place by `iterations` power steps per training call.
 */
import type { Rng } from "../../core/rng.js";
import { alloc } from "../dtype.js";
import { gaussian } from "../init.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/** Power-iteration vectors of one spectrally normalised weight. */
export interface SpectralNormState {
  u: Float32Array;
  v: Float32Array;
  eps: number;
}

function normalize(x: Float32Array, eps: number): void {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const f = 1 / Math.max(Math.sqrt(s), eps);
  for (let i = 0; i < x.length; i++) x[i] *= f;
}

function powerStep(w: Float32Array, rows: number, cols: number, st: SpectralNormState): void {
  const { u, v } = st;
  v.fill(0);
  for (let i = 0; i < rows; i++) {
    const ui = u[i], o = i * cols;
    for (let j = 0; j < cols; j++) v[j] += w[o + j] * ui;
  }
  normalize(v, st.eps);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += w[o + j] * v[j];
    u[i] = s;
  }
  normalize(u, st.eps);
}

/** Initial u, v for weight `w` (random normal, then `iterations` power steps; PyTorch uses 15). */
export function spectralNormState(w: Tensor, rng: Rng, iterations = 15, eps = 1e-12): SpectralNormState {
  const rows = w.shape[0], cols = w.size / rows;
  const u = alloc(rows), v = alloc(cols);
  for (let i = 0; i < rows; i++) u[i] = gaussian(rng);
  for (let j = 0; j < cols; j++) v[j] = gaussian(rng);
  normalize(u, eps);
  normalize(v, eps);
  const st = { u, v, eps };
  for (let t = 0; t < iterations; t++) powerStep(w.data, rows, cols, st);
  return st;
}

/**
 * W / σ with σ = uᵀWv after `iterations` power steps (training: PyTorch does 1; evaluation: 0,
 * reusing the stored vectors). Same shape as `w`.
 */
export function spectralNorm(w: Tensor, st: SpectralNormState, iterations = 1): Tensor {
  const rows = w.shape[0], cols = w.size / rows;
  if (st.u.length !== rows || st.v.length !== cols) throw new RangeError(`spectralNorm: state is for ${st.u.length} × ${st.v.length}, weight is ${rows} × ${cols}`);
  const W = w.data;
  for (let t = 0; t < iterations; t++) powerStep(W, rows, cols, st);
  const u = st.u.slice(), v = st.v.slice(); // constants of this call's graph
  let sigma = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += W[i * cols + j] * v[j];
    sigma += u[i] * s;
  }
  const out = Tensor.zeros(w.shape);
  const y = out.data;
  for (let i = 0; i < w.size; i++) y[i] = W[i] / sigma;
  if (needsGrad(w)) {
    record(out, () => {
      const g = out.grad!, gw = w.gradBuffer();
      let gW = 0;
      for (let i = 0; i < w.size; i++) gW += g[i] * W[i];
      const c = gW / (sigma * sigma);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        gw[k] += g[k] / sigma - c * u[i] * v[j];
      }
    });
  }
  return out;
}

/**
 * A spectrally normalised weight: the raw parameter, its power-iteration state, and the
 * normalised weight of evaluation mode cached between calls. Evaluation neither changes W nor
 * the vectors, so W/σ is computed once and reused (single-query latency); every training call
 * drops the cache, since the optimizer changes W after it.
 */
export class SpectralWeight {
  readonly state: SpectralNormState;
  private cached: Tensor | null = null;
  constructor(readonly weight: Tensor, rng: Rng) {
    this.state = spectralNormState(weight, rng);
  }
  /** W/σ: one power step in training, the cached evaluation weight otherwise. */
  get(training: boolean): Tensor {
    if (training) {
      this.cached = null;
      return spectralNorm(this.weight, this.state, 1);
    }
    if (!this.cached) this.cached = spectralNorm(this.weight.detach(), this.state, 0);
    return this.cached;
  }
  /** Forget the cached evaluation weight (after W or the vectors were overwritten). */
  invalidate(): void {
    this.cached = null;
  }
}

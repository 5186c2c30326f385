/**
 * Normalisation: `layerNorm` over the last dimension, and `batchNorm` over the batch (and length)
 * axes of (B, C) or (B, C, L) inputs with running statistics for evaluation (PyTorch's
 * BatchNorm1d: biased variance in the forward pass, unbiased in the running estimate).
 */
import { alloc } from "../dtype.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/**
 * y = (x − μ)/√(σ² + eps) · gamma + beta with μ, σ² per row over the last dimension D.
 * `gamma` and `beta` (shape [D]) are optional.
 */
export function layerNorm(x: Tensor, gamma: Tensor | null = null, beta: Tensor | null = null, eps = 1e-5): Tensor {
  const D = x.shape[x.rank - 1];
  if (gamma && gamma.size !== D) throw new RangeError(`layerNorm: gamma has ${gamma.size} values, expected ${D}`);
  if (beta && beta.size !== D) throw new RangeError(`layerNorm: beta has ${beta.size} values, expected ${D}`);
  const rows = D === 0 ? 0 : x.size / D;
  const out = Tensor.zeros(x.shape);
  const xhat = alloc(x.size);
  const inv = new Float64Array(rows);
  const v = x.data, y = out.data;
  const gm = gamma?.data, bt = beta?.data;
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let mu = 0;
    for (let j = 0; j < D; j++) mu += v[o + j];
    mu /= D;
    let s2 = 0;
    for (let j = 0; j < D; j++) {
      const c = v[o + j] - mu;
      s2 += c * c;
    }
    const is = 1 / Math.sqrt(s2 / D + eps);
    inv[r] = is;
    for (let j = 0; j < D; j++) {
      const h = (v[o + j] - mu) * is;
      xhat[o + j] = h;
      y[o + j] = (gm ? h * gm[j] : h) + (bt ? bt[j] : 0);
    }
  }
  if (needsGrad(x, gamma, beta)) {
    record(out, () => {
      const g = out.grad!;
      if (gamma && gamma.requiresGrad) {
        const gg = gamma.gradBuffer();
        for (let r = 0; r < rows; r++) for (let j = 0; j < D; j++) gg[j] += g[r * D + j] * xhat[r * D + j];
      }
      if (beta && beta.requiresGrad) {
        const gb = beta.gradBuffer();
        for (let r = 0; r < rows; r++) for (let j = 0; j < D; j++) gb[j] += g[r * D + j];
      }
      if (x.requiresGrad) {
        const gx = x.gradBuffer();
        for (let r = 0; r < rows; r++) {
          const o = r * D;
          let s1 = 0, s2 = 0;
          for (let j = 0; j < D; j++) {
            const dh = gm ? g[o + j] * gm[j] : g[o + j];
            s1 += dh;
            s2 += dh * xhat[o + j];
          }
          const k = inv[r] / D;
          for (let j = 0; j < D; j++) {
            const dh = gm ? g[o + j] * gm[j] : g[o + j];
            gx[o + j] += k * (D * dh - s1 - xhat[o + j] * s2);
          }
        }
      }
    });
  }
  return out;
}

/** Running statistics of a batch-norm layer (updated in training mode). */
export interface BatchNormState {
  runningMean: Float32Array;
  runningVar: Float32Array;
  /** Weight of the new batch in the running estimate (PyTorch default 0.1). */
  momentum: number;
  eps: number;
}

/** Fresh running statistics for `channels` channels (mean 0, variance 1). */
export function batchNormState(channels: number, momentum = 0.1, eps = 1e-5): BatchNormState {
  const rv = alloc(channels);
  rv.fill(1);
  return { runningMean: alloc(channels), runningVar: rv, momentum, eps };
}

/**
 * Batch normalisation of x (B, C) or (B, C, L) per channel C. Training: batch statistics over B
 * (and L), running statistics updated; evaluation: the running statistics, no update.
 */
export function batchNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, state: BatchNormState, training: boolean): Tensor {
  if (x.rank !== 2 && x.rank !== 3) throw new RangeError(`batchNorm: expected (B, C) or (B, C, L), got [${x.shape.join(", ")}]`);
  const B = x.shape[0], C = x.shape[1], L = x.rank === 3 ? x.shape[2] : 1;
  if (state.runningMean.length !== C) throw new RangeError(`batchNorm: state has ${state.runningMean.length} channels, input ${C}`);
  const n = B * L;
  const v = x.data;
  const mean = new Float64Array(C), inv = new Float64Array(C);
  if (training) {
    if (n < 2) throw new RangeError("batchNorm: training needs more than one value per channel");
    if (L === 1) {
      // (B, C): flat loops (the same sums in the same order, without a one-step inner loop)
      for (let b = 0; b < B; b++) for (let c = 0, o = b * C; c < C; c++) mean[c] += v[o + c];
    } else {
      for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) mean[c] += v[o + l];
      }
    }
    for (let c = 0; c < C; c++) mean[c] /= n;
    const vr = new Float64Array(C);
    if (L === 1) {
      for (let b = 0; b < B; b++) for (let c = 0, o = b * C; c < C; c++) {
        const d = v[o + c] - mean[c];
        vr[c] += d * d;
      }
    } else {
      for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) {
          const d = v[o + l] - mean[c];
          vr[c] += d * d;
        }
      }
    }
    const m = state.momentum;
    for (let c = 0; c < C; c++) {
      const biased = vr[c] / n;
      inv[c] = 1 / Math.sqrt(biased + state.eps);
      state.runningMean[c] = (1 - m) * state.runningMean[c] + m * mean[c];
      state.runningVar[c] = (1 - m) * state.runningVar[c] + m * (vr[c] / (n - 1));
    }
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = state.runningMean[c];
      inv[c] = 1 / Math.sqrt(state.runningVar[c] + state.eps);
    }
  }
  const out = Tensor.zeros(x.shape);
  const y = out.data;
  const xhat = alloc(x.size);
  const gm = gamma?.data, bt = beta?.data;
  if (L === 1) {
    const sc = new Float64Array(C), sh = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      sc[c] = gm ? gm[c] : 1;
      sh[c] = bt ? bt[c] : 0;
    }
    for (let b = 0; b < B; b++) for (let c = 0, o = b * C; c < C; c++) {
      const h = (v[o + c] - mean[c]) * inv[c];
      xhat[o + c] = h;
      y[o + c] = h * sc[c] + sh[c];
    }
  } else {
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
      const o = (b * C + c) * L;
      const s = gm ? gm[c] : 1, t = bt ? bt[c] : 0;
      for (let l = 0; l < L; l++) {
        const h = (v[o + l] - mean[c]) * inv[c];
        xhat[o + l] = h;
        y[o + l] = h * s + t;
      }
    }
  }
  if (needsGrad(x, gamma, beta)) {
    record(out, () => {
      const g = out.grad!;
      const sg = new Float64Array(C), sgh = new Float64Array(C);
      if (L === 1) {
        for (let b = 0; b < B; b++) for (let c = 0, o = b * C; c < C; c++) {
          sg[c] += g[o + c];
          sgh[c] += g[o + c] * xhat[o + c];
        }
      } else {
        for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
          const o = (b * C + c) * L;
          for (let l = 0; l < L; l++) {
            sg[c] += g[o + l];
            sgh[c] += g[o + l] * xhat[o + l];
          }
        }
      }
      if (gamma && gamma.requiresGrad) gamma.addGrad(sgh);
      if (beta && beta.requiresGrad) beta.addGrad(sg);
      if (x.requiresGrad) {
        const gx = x.gradBuffer();
        if (L === 1 && training) {
          const k = new Float64Array(C);
          for (let c = 0; c < C; c++) k[c] = ((gm ? gm[c] : 1) * inv[c]) / n;
          for (let b = 0; b < B; b++) for (let c = 0, o = b * C; c < C; c++) gx[o + c] += k[c] * (n * g[o + c] - sg[c] - xhat[o + c] * sgh[c]);
          return;
        }
        for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
          const o = (b * C + c) * L;
          const s = gm ? gm[c] : 1;
          if (training) {
            // dx = s·inv/n · (n·g − Σg − x̂·Σ(g·x̂))
            const k = (s * inv[c]) / n;
            for (let l = 0; l < L; l++) gx[o + l] += k * (n * g[o + l] - sg[c] - xhat[o + l] * sgh[c]);
          } else {
            const k = s * inv[c];
            for (let l = 0; l < L; l++) gx[o + l] += k * g[o + l];
          }
        }
      }
    });
  }
  return out;
}

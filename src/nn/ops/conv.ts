/**
 * 1-D convolution over the last dimension of (batch × channels × length) inputs, as PyTorch's
 * Conv1d (cross-correlation), with stride, dilation and zero or circular padding. Runs as one
 * GEMM over the whole batch: im2col builds (Cin·K) × (B·Lout) columns, the weights (Cout × Cin·K)
 * multiply them; the backward pass rebuilds the columns (cheaper than keeping megabytes per layer
 * alive), runs two GEMMs and a col2im scatter. Temporaries live in reusable scratch buffers.
 */
import { scratch } from "../dtype.js";
import { gemm } from "../gemm.js";
import { needsGrad, record } from "../tape.js";
import { Tensor } from "../tensor.js";

/** Options of {@link conv1d}. */
export interface Conv1dOptions {
  stride?: number;
  /** Positions added on each side. */
  padding?: number;
  /** "zeros" pads with zeros; "circular" wraps around (PyTorch padding_mode='circular'). */
  paddingMode?: "zeros" | "circular";
  dilation?: number;
}

/** Output length of a 1-D convolution. */
export function conv1dOutLength(L: number, K: number, stride = 1, padding = 0, dilation = 1): number {
  return Math.floor((L + 2 * padding - dilation * (K - 1) - 1) / stride) + 1;
}

/**
 * Source position table: src[k·Lout + o] = the input index read by tap k at output o, or −1
 * for a zero pad.
 */
function sourceIndex(L: number, K: number, Lout: number, stride: number, pad: number, dil: number, circular: boolean): Int32Array {
  const src = new Int32Array(K * Lout);
  for (let k = 0; k < K; k++) {
    for (let o = 0; o < Lout; o++) {
      let p = o * stride + k * dil - pad;
      if (p < 0 || p >= L) p = circular ? ((p % L) + L) % L : -1;
      src[k * Lout + o] = p;
    }
  }
  return src;
}

/** im2col into `col`: col[(c·K + k), b·Lout + o] = x[b, c, src[k, o]] (0 for a zero pad). */
function im2col(v: Float32Array, B: number, Cin: number, L: number, K: number, Lout: number, src: Int32Array, col: Float32Array): Float32Array {
  const BL = B * Lout;
  for (let c = 0; c < Cin; c++) for (let k = 0; k < K; k++) {
    const row = (c * K + k) * BL, so = k * Lout;
    for (let b = 0; b < B; b++) {
      const xo = (b * Cin + c) * L, co = row + b * Lout;
      for (let o = 0; o < Lout; o++) {
        const p = src[so + o];
        col[co + o] = p >= 0 ? v[xo + p] : 0;
      }
    }
  }
  return col;
}

/** The checked geometry of a 1-D convolution (shared by the channels-first and channels-last ops). */
export interface ConvGeometry {
  B: number;
  Cin: number;
  L: number;
  Cout: number;
  K: number;
  Lout: number;
  /** Source position table (see `sourceIndex`). */
  src: Int32Array;
}

/**
 * Check x, w, bias and the options of `what` and compute its geometry; `channelsLast` reads x as
 * (B, L, Cin) instead of (B, Cin, L).
 */
export function convGeometry(what: string, x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv1dOptions, channelsLast: boolean): ConvGeometry {
  const stride = opts.stride ?? 1, pad = opts.padding ?? 0, dil = opts.dilation ?? 1;
  const circular = (opts.paddingMode ?? "zeros") === "circular";
  const layout = channelsLast ? "(B, L, Cin)" : "(B, Cin, L)";
  if (x.rank !== 3 || w.rank !== 3) throw new RangeError(`${what}: expected x ${layout} and w (Cout, Cin, K), got [${x.shape}] and [${w.shape}]`);
  const [B, d1, d2] = x.shape;
  const [Cin, L] = channelsLast ? [d2, d1] : [d1, d2];
  const [Cout, Cin2, K] = w.shape;
  if (Cin !== Cin2) throw new RangeError(`${what}: input has ${Cin} channels, weight expects ${Cin2}`);
  if (bias && bias.size !== Cout) throw new RangeError(`${what}: bias has ${bias.size} values, expected ${Cout}`);
  if (!(stride >= 1 && dil >= 1 && pad >= 0)) throw new RangeError(`${what}: stride and dilation must be ≥ 1, padding ≥ 0`);
  if (circular && pad > L) throw new RangeError(`${what}: circular padding ${pad} exceeds the length ${L}`);
  const Lout = conv1dOutLength(L, K, stride, pad, dil);
  if (Lout < 1) throw new RangeError(`${what}: input length ${L} too short for kernel ${K}`);
  return { B, Cin, L, Cout, K, Lout, src: sourceIndex(L, K, Lout, stride, pad, dil, circular) };
}

/** y = conv1d(x, w) + bias; x (B, Cin, L), w (Cout, Cin, K), bias (Cout) → (B, Cout, Lout). */
export function conv1d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: Conv1dOptions = {}): Tensor {
  const { B, Cin, L, Cout, K, Lout, src } = convGeometry("conv1d", x, w, bias, opts, false);
  const CK = Cin * K, BL = B * Lout;
  const col = im2col(x.data, B, Cin, L, K, Lout, src, scratch(0, CK * BL));
  const tmp = scratch(1, Cout * BL);
  gemm(false, false, Cout, BL, CK, w.data, col, tmp);
  const out = Tensor.zeros([B, Cout, Lout]);
  const y = out.data;
  const bd = bias?.data;
  for (let b = 0; b < B; b++) for (let co = 0; co < Cout; co++) {
    const t = co * BL + b * Lout, yo = (b * Cout + co) * Lout;
    const bb = bd ? bd[co] : 0;
    for (let o = 0; o < Lout; o++) y[yo + o] = tmp[t + o] + bb;
  }
  if (needsGrad(x, w, bias)) {
    record(out, () => {
      const g = out.grad!;
      const gP = scratch(1, Cout * BL); // gradient in (Cout, B·Lout) layout
      for (let b = 0; b < B; b++) for (let co = 0; co < Cout; co++) {
        const t = co * BL + b * Lout, yo = (b * Cout + co) * Lout;
        for (let o = 0; o < Lout; o++) gP[t + o] = g[yo + o];
      }
      if (bias && bias.requiresGrad) {
        const gb = bias.gradBuffer();
        for (let co = 0; co < Cout; co++) {
          let s = 0;
          for (let j = 0; j < BL; j++) s += gP[co * BL + j];
          gb[co] += s;
        }
      }
      if (w.requiresGrad) {
        const colAgain = im2col(x.data, B, Cin, L, K, Lout, src, scratch(0, CK * BL)); // recomputed, not kept
        gemm(false, true, Cout, CK, BL, gP, colAgain, w.gradBuffer(), true);
      }
      if (x.requiresGrad) {
        const dcol = scratch(2, CK * BL);
        gemm(true, false, CK, BL, Cout, w.data, gP, dcol);
        const gx = x.gradBuffer();
        for (let c = 0; c < Cin; c++) for (let k = 0; k < K; k++) {
          const row = (c * K + k) * BL;
          for (let b = 0; b < B; b++) {
            const xo = (b * Cin + c) * L, co = row + b * Lout;
            for (let o = 0; o < Lout; o++) {
              const p = src[k * Lout + o];
              if (p >= 0) gx[xo + p] += dcol[co + o];
            }
          }
        }
      }
    });
  }
  return out;
}

/**
 * The losses of PRIME (reference `kunaldahiya/prime` `prime/libs/loss.py`,
 * `TripletMarginLossOHNM` and `RegLoss`) as engine ops with hand-written backward passes:
 *
 * - {@link dynamicTripletLoss}: T(S, Y), the triplet loss with online hard-negative mining, a
 *   dynamic (stop-gradient) margin and softmax weighting of the violators;
 * - {@link primeRegulariser}: R(S_f, S_i, Y), the prototype-versus-text regulariser;
 * - {@link transposeMask}: Yᵀ for the dual term T(S_iᵀ, Y_Bᵀ) (call
 *   `dynamicTripletLoss(transpose(Si), transposeMask(Y, B, P), ...)`).
 *
 * **Mask representation.** Targets are a {@link PositiveMask}: a `Uint8Array` of R × Q entries,
 * row-major (entry r·Q + j is column j of row r), non-zero = positive. Pools are at most a few
 * thousand columns, so the dense mask costs R·Q bytes (2.6 MB at 1,600 × 1,600).
 *
 * **Random draws.** Each loss draws the positive of a row with exactly one `rng.int(#positives)`
 * per row that has at least one positive, in row order, and nothing else; rows without a
 * positive draw nothing. The reference resamples the positive every call (`torch.multinomial`),
 * so T and R draw independently.
 *
 * **Negatives.** The top-k columns of the row among its *negatives* (Y = 0), largest similarity
 * first, ties to the lower column; fewer than k when the row has fewer negatives. (The reference
 * masks positives to −100 and takes `topk` of k columns, so with fewer than k negatives it would
 * gather some positives' real similarities as "negatives"; this port never does.)
 *
 * Cost: O(R·Q) for the mask scan plus O(R·Q·log k) worst case for the size-k heap selection
 * (usually far less: most columns lose to the heap root at once); the backward pass is O(R·k).
 * Scratch arrays are allocated once per call, never per row.
 */
import { TopKHeap } from "../../core/topk.js";
import type { Rng } from "../../core/rng.js";
import { needsGrad, record } from "../../nn/tape.js";
import { Tensor } from "../../nn/tensor.js";
import { add, scale, sub } from "../../nn/ops/elementwise.js";
import { mean } from "../../nn/ops/reduce.js";
import { logSumExp } from "../../nn/ops/softmax.js";

/**
 * R × Q row-major targets as a `Uint8Array`: 0 = negative, 1 = positive, 2 = ignored (neither a
 * positive nor a candidate negative; xmc marks a label whose text is the query's own text so).
 */
export type PositiveMask = Uint8Array;

/** Options of {@link dynamicTripletLoss}. */
export interface DynamicTripletOptions {
  /** Hard negatives per row (official PRIME 100, ViXML 10). */
  k: number;
  /**
   * Lower clamp of the dynamic margin (official 0.1). As in the reference
   * (`dynamic_margin = margin_min > 0`), a value ≤ 0 turns the dynamic margin off and uses the
   * constant `marginMax`; `marginMin === marginMax` is the same constant margin.
   */
  marginMin: number;
  /** Upper clamp of the dynamic margin, or the constant margin (official 0.3). */
  marginMax: number;
  /** Softmax temperature of the violator weighting (official 0.1). `Infinity` = no weighting. */
  tau: number;
  /**
   * Softmax-weight the violators (default true, the "aggressive" loss of official PRIME). With
   * `false` (or `tau = Infinity`) the row loss is the plain sum of the k hinges. Note: the
   * reference disables the weighting when τ = 1 exactly (`recale = tau != 1.0`); this port
   * weights at τ = 1 too: pass `weighting: false` to reproduce that case.
   */
  weighting?: boolean;
  /**
   * Let the gradient flow through the softmax weights (default true, as the reference). With
   * false the weights are constants: ∂/∂s_n = w_n for violators.
   */
  weightGrad?: boolean;
}

/** Options of {@link primeRegulariser}. */
export interface RegulariserOptions {
  /** Negatives per row, chosen as the top-k of S_f among the row's negatives. */
  k: number;
  /**
   * Margin μ (0.1, `RegLoss`'s default). The reference's `TripletLossWReg` constructs
   * `RegLoss(margin = margin)` with the triplet loss's `margin` (= m_max, 0.3 in the official
   * config), so the official runs effectively use μ = m_max.
   */
  mu: number;
}

/** Value of a masked (non-violating) negative in the softmax, as the reference (`mn_lim`). */
const MASKED_SIM = -100;

function check2d(S: Tensor, Y: PositiveMask, what: string): [number, number] {
  if (S.rank !== 2) throw new RangeError(`${what}: similarities must be [R, Q], got [${S.shape.join(", ")}]`);
  const [R, Q] = S.shape;
  if (Y.length !== R * Q) throw new RangeError(`${what}: mask has ${Y.length} entries for ${R}×${Q} similarities`);
  return [R, Q];
}

function checkK(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`${what}: k must be a non-negative integer, got ${k}`);
}

/** Yᵀ: the `cols × rows` mask of a `rows × cols` mask (for the dual term T(S_iᵀ, Yᵀ)). */
export function transposeMask(mask: PositiveMask, rows: number, cols: number): PositiveMask {
  if (mask.length !== rows * cols) throw new RangeError(`transposeMask: ${mask.length} entries for ${rows}×${cols}`);
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[j * rows + r] = mask[o + j];
  }
  return out;
}

/**
 * Draw one positive of row `o / Q` uniformly (one `rng.int` call), or return −1 without drawing
 * when the row has none.
 */
function drawPositive(Y: PositiveMask, o: number, Q: number, rng: Rng): number {
  let cnt = 0;
  for (let j = 0; j < Q; j++) if (Y[o + j] === 1) cnt++;
  if (cnt === 0) return -1;
  let t = rng.int(cnt);
  for (let j = 0; j < Q; j++) {
    if (Y[o + j] === 1 && t-- === 0) return j;
  }
  return -1; // unreachable
}

/**
 * The (at most) k largest values of `s[o .. o+Q)` among the columns with `Y[o + j] === 0`, into
 * `heap` (capacity k; its `scores` / `ids` hold the values and column ids in heap order, not
 * sorted); returns how many. Ties prefer the lower column.
 */
function selectNegatives(s: ArrayLike<number>, Y: PositiveMask, o: number, Q: number, heap: TopKHeap): number {
  heap.clear();
  for (let j = 0; j < Q; j++) if (Y[o + j] === 0) heap.push(j, s[o + j]);
  return heap.size;
}

/**
 * T(S, Y): PRIME's triplet loss with online hard-negative mining and a dynamic margin, a
 * scalar. For every row r of the similarities S (R × Q) that has a positive:
 *
 * 1. a positive p drawn uniformly among the row's positives, s_p = S[r, p];
 * 2. the negatives n_1..n_K: the top-k columns of the row with the positives masked out
 *    (K = min(k, #negatives));
 * 3. margin m_i = clamp(|s_p − s_ni|, marginMin, marginMax), a constant (no gradient); the
 *    constant marginMax when marginMin ≤ 0 (see {@link DynamicTripletOptions.marginMin});
 * 4. hinge ℓ_i = max(0, s_ni − s_p + m_i);
 * 5. weights w = softmax_i(s'_i / τ) with s'_i = s_ni for violators (ℓ_i > 0) and −100 for the
 *    others (so those get ~0 weight and no gradient); row loss L_r = Σ_i w_i ℓ_i, which is 0
 *    when no negative violates. The weights are not detached: for a violator
 *    ∂L_r/∂s_ni = w_i + (1/τ)·w_i·(ℓ_i − L_r), and ∂L_r/∂s_p = −Σ_{violators} w_i.
 *    Without weighting (`weighting: false` or τ = ∞): L_r = Σ_i ℓ_i, ∂/∂s_ni = 1 for violators,
 *    ∂/∂s_p = −#violators.
 *
 * Result: the mean of L_r over the rows **that have at least one positive** (the reference
 * requires every row to have one; rows without are skipped, draw nothing and do not count in
 * the mean); 0 when no row has a positive.
 */
export function dynamicTripletLoss(S: Tensor, Y: PositiveMask, opts: DynamicTripletOptions, rng: Rng): Tensor {
  const [R, Q] = check2d(S, Y, "dynamicTripletLoss");
  checkK(opts.k, "dynamicTripletLoss");
  const { marginMin, marginMax, tau } = opts;
  if (!(marginMax >= 0) || marginMin > marginMax) throw new RangeError(`dynamicTripletLoss: need 0 ≤ marginMax and marginMin ≤ marginMax, got ${marginMin}, ${marginMax}`);
  if (!(tau > 0)) throw new RangeError(`dynamicTripletLoss: tau must be > 0, got ${tau}`);
  const weighted = (opts.weighting ?? true) && Number.isFinite(tau);
  const weightGrad = opts.weightGrad ?? true;
  const dynamic = marginMin > 0 && marginMin < marginMax;
  const k = Math.min(opts.k, Q);
  const s = S.data;

  // saved for the backward pass: per row the positive and its coefficient, per negative slot
  // its column and coefficient (∂L_r/∂s; 0 for unused slots and non-violators)
  const posIdx = new Int32Array(R).fill(-1);
  const posCoef = new Float64Array(R);
  const negIdx = new Int32Array(R * k);
  const negCoef = new Float64Array(R * k);
  const heap = new TopKHeap(k), hv = heap.scores, hi = heap.ids;
  const hinge = new Float64Array(k), ex = new Float64Array(k);
  const invTau = 1 / tau, maskedLogit = MASKED_SIM * invTau;

  let total = 0, counted = 0;
  for (let r = 0; r < R; r++) {
    const o = r * Q;
    const p = drawPositive(Y, o, Q, rng);
    if (p < 0) continue;
    counted++;
    posIdx[r] = p;
    const sp = s[o + p];
    const K = selectNegatives(s, Y, o, Q, heap);
    let nViol = 0;
    for (let i = 0; i < K; i++) {
      const d = hv[i] - sp;
      // d + |d| is exactly 0, so a correctly ordered pair with |d| inside the clamp is no violator
      const m = dynamic ? Math.min(marginMax, Math.max(marginMin, Math.abs(d))) : marginMax;
      const l = d + m;
      hinge[i] = l > 0 ? l : 0;
      if (l > 0) nViol++;
    }
    const base = r * k;
    for (let i = 0; i < K; i++) negIdx[base + i] = hi[i];
    if (nViol === 0) continue; // row loss 0, no gradient
    let L = 0, sumW = 0;
    if (weighted) {
      let mx = -Infinity;
      for (let i = 0; i < K; i++) {
        const z = hinge[i] > 0 ? hv[i] * invTau : maskedLogit;
        ex[i] = z;
        if (z > mx) mx = z;
      }
      let Z = 0;
      for (let i = 0; i < K; i++) {
        const e = Math.exp(ex[i] - mx);
        ex[i] = e;
        Z += e;
      }
      for (let i = 0; i < K; i++) {
        const w = ex[i] / Z;
        ex[i] = w;
        L += w * hinge[i];
      }
      for (let i = 0; i < K; i++) {
        if (hinge[i] > 0) {
          const w = ex[i];
          negCoef[base + i] = weightGrad ? w + w * (hinge[i] - L) * invTau : w;
          sumW += w;
        }
      }
    } else {
      for (let i = 0; i < K; i++) {
        if (hinge[i] > 0) {
          L += hinge[i];
          negCoef[base + i] = 1;
          sumW += 1;
        }
      }
    }
    posCoef[r] = -sumW;
    total += L;
  }

  const f = counted > 0 ? 1 / counted : 0;
  const out = Tensor.from([total * f], []);
  if (needsGrad(S)) {
    record(out, () => {
      const g = out.grad![0] * f;
      if (g === 0) return;
      const gs = S.gradBuffer();
      for (let r = 0; r < R; r++) {
        const p = posIdx[r];
        if (p < 0) continue;
        const o = r * Q, base = r * k;
        if (posCoef[r] !== 0) gs[o + p] += g * posCoef[r];
        for (let i = 0; i < k; i++) {
          const c = negCoef[base + i];
          if (c !== 0) gs[o + negIdx[base + i]] += g * c;
        }
      }
    });
  }
  return out;
}

/**
 * R(S_f, S_i, Y): PRIME's regulariser, a scalar. S_f (prototype similarities) and
 * S_i (label-text similarities) are both R × Q. For every row with a positive:
 *
 * - a positive p drawn uniformly among the row's positives: ℓ⁺ = max(0, S_i[p] − S_f[p] + μ);
 * - the top-k negatives n chosen by S_f (positives masked out):
 *   ℓ⁻ = max(0, S_f[n] − S_i[n] + μ).
 *
 * R = ½·(Σℓ⁺ / #(ℓ⁺ > 0) + Σℓ⁻ / #(ℓ⁻ > 0)): each mean over its non-zero terms only, and 0 when
 * its count is 0 (the reference would produce NaN). The counts carry no gradient. Rows without a
 * positive are skipped entirely (no positive and no negative terms, no draw).
 */
export function primeRegulariser(Sf: Tensor, Si: Tensor, Y: PositiveMask, opts: RegulariserOptions, rng: Rng): Tensor {
  const [R, Q] = check2d(Sf, Y, "primeRegulariser");
  if (Si.rank !== 2 || Si.shape[0] !== R || Si.shape[1] !== Q) {
    throw new RangeError(`primeRegulariser: S_i is [${Si.shape.join(", ")}], S_f is [${R}, ${Q}]`);
  }
  checkK(opts.k, "primeRegulariser");
  const mu = opts.mu;
  const k = Math.min(opts.k, Q);
  const sf = Sf.data, si = Si.data;

  // flat offsets (r·Q + j) of the active (non-zero) terms, kept for the backward pass
  const posAct = new Int32Array(R);
  const negAct = new Int32Array(R * k);
  const heap = new TopKHeap(k), hv = heap.scores, hi = heap.ids;
  let nP = 0, nN = 0, sumP = 0, sumN = 0;
  for (let r = 0; r < R; r++) {
    const o = r * Q;
    const p = drawPositive(Y, o, Q, rng);
    if (p < 0) continue;
    const lp = si[o + p] - sf[o + p] + mu;
    if (lp > 0) {
      sumP += lp;
      posAct[nP++] = o + p;
    }
    const K = selectNegatives(sf, Y, o, Q, heap);
    for (let i = 0; i < K; i++) {
      const c = o + hi[i];
      const ln = sf[c] - si[c] + mu;
      if (ln > 0) {
        sumN += ln;
        negAct[nN++] = c;
      }
    }
  }
  const cp = nP > 0 ? 0.5 / nP : 0, cn = nN > 0 ? 0.5 / nN : 0;
  const out = Tensor.from([cp * sumP + cn * sumN], []);
  if (needsGrad(Sf, Si)) {
    record(out, () => {
      const g = out.grad![0];
      const gp = g * cp, gn = g * cn;
      if (Sf.requiresGrad) {
        const gf = Sf.gradBuffer();
        for (let t = 0; t < nP; t++) gf[posAct[t]] -= gp;
        for (let t = 0; t < nN; t++) gf[negAct[t]] += gn;
      }
      if (Si.requiresGrad) {
        const gi = Si.gradBuffer();
        for (let t = 0; t < nP; t++) gi[posAct[t]] += gp;
        for (let t = 0; t < nN; t++) gi[negAct[t]] -= gn;
      }
    });
  }
  return out;
}

/**
 * Multi-positive in-batch softmax (InfoNCE) loss, a scalar: mean over rows of
 * log Σ_j e^{S[r,j]/τ} − log Σ_{j positive} e^{S[r,j]/τ}. xmc uses it for PRIME's first epochs
 * when the encoder starts from scratch: hardest-negative triplet losses on an untrained encoder
 * pull every similarity together (measured: mean query cosine 0.86 → 0.996 on wordnet), while the
 * softmax over all in-batch negatives does not. Every row must have a positive.
 */
export function contrastiveLoss(S: Tensor, Y: PositiveMask, tau: number): Tensor {
  const [R, Q] = check2d(S, Y, "contrastiveLoss");
  if (!(tau > 0)) throw new RangeError(`contrastiveLoss: tau must be > 0, got ${tau}`);
  for (let r = 0; r < R; r++) {
    let any = false;
    for (let j = 0; j < Q && !any; j++) any = Y[r * Q + j] === 1;
    if (!any) throw new RangeError(`contrastiveLoss: row ${r} has no positive`);
  }
  const Z = scale(S, 1 / tau);
  const offPos = new Float32Array(R * Q), offAll = new Float32Array(R * Q);
  for (let i = 0; i < offPos.length; i++) {
    offPos[i] = Y[i] === 1 ? 0 : -1e4;
    offAll[i] = Y[i] === 2 ? -1e4 : 0;
  }
  const lsePos = logSumExp(add(Z, new Tensor(offPos, [R, Q])));
  return mean(sub(logSumExp(add(Z, new Tensor(offAll, [R, Q]))), lsePos));
}

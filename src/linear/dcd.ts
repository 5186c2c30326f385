/**
 * Dual coordinate descent for L2-regularised linear classifiers, in plain TypeScript
 * (PECOS `SVMWorker` / LIBLINEAR `solve_l2r_l1l2_svc`,
 * `solve_l2r_lr_dual`). This is the reference ("oracle") implementation: the wasm kernel
 * in `wasm/dcd.ts` performs the same floating-point operations in the same order (and calls
 * this Math.log), so both give bit-identical weights for the same seed, for both losses.
 *
 * Numerics: X is float32, everything else (w, alpha, dot products) is float64.
 */
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { SolverParams } from "./params.js";
import { type GroupSolver, SOLVER_LANES, type WeightBlock } from "./types.js";

/** Check the instance set and positive lists of a group (bounds only; duplicates are the caller's business). */
export function checkGroup(X: Csr, rows: Int32Array, positives: Int32Array[]): void {
  const n = rows.length;
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    if (!(r >= 0 && r < X.rows)) throw new XmcError(`trainGroup: row id ${r} out of range [0, ${X.rows})`);
  }
  for (let c = 0; c < positives.length; c++) {
    const pos = positives[c];
    for (let t = 0; t < pos.length; t++) {
      const k = pos[t];
      if (!(k >= 0 && k < n)) throw new XmcError(`trainGroup: positive position ${k} of child ${c} out of range [0, ${n})`);
    }
  }
}

/** Accumulates pruned weight columns into a CSC WeightBlock. */
export class BlockBuilder {
  readonly colptr: Int32Array;
  private rowIds: Int32Array;
  private vals: Float32Array;
  private len = 0;
  private col = 0;

  constructor(nCols: number, capacity = 1024) {
    this.colptr = new Int32Array(nCols + 1);
    this.rowIds = new Int32Array(Math.max(16, capacity));
    this.vals = new Float32Array(Math.max(16, capacity));
  }

  /** Make room for `extra` more entries in the current column. */
  reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.rowIds.length) return;
    const cap = Math.max(need, this.rowIds.length * 2);
    const r = new Int32Array(cap);
    r.set(this.rowIds.subarray(0, this.len));
    const v = new Float32Array(cap);
    v.set(this.vals.subarray(0, this.len));
    this.rowIds = r;
    this.vals = v;
  }

  /** Append one entry (call `reserve` first). */
  push(row: number, value: number): void {
    this.rowIds[this.len] = row;
    this.vals[this.len] = value;
    this.len++;
  }

  /** Append `count` entries copied from arrays (e.g. views onto wasm memory). */
  pushMany(rows: Int32Array, values: Float32Array, count: number): void {
    this.reserve(count);
    this.rowIds.set(rows.subarray(0, count), this.len);
    this.vals.set(values.subarray(0, count), this.len);
    this.len += count;
  }

  /** Close the current column. */
  endColumn(): void {
    this.colptr[++this.col] = this.len;
  }

  finish(): WeightBlock {
    if (this.col !== this.colptr.length - 1) throw new Error("BlockBuilder: not all columns were closed");
    return { colptr: this.colptr, rows: this.rowIds.slice(0, this.len), values: this.vals.slice(0, this.len) };
  }
}

/**
 * Per-group preparation: the sorted union of the features of `rows` (into `touched`, returns its length)
 * and the squared norm of each instance (float64 sum of float32 squares, into `xsq`).
 * `mark` (length d) must be all zero on entry and is all zero on exit.
 */
export function prepareGroup(
  ip: Int32Array, ix: Int32Array, xv: Float32Array, d: number,
  rows: Int32Array, mark: Uint8Array, touched: Int32Array, xsq: Float64Array,
): number {
  const n = rows.length;
  let u = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    let s = 0;
    for (let p = ip[r], e = ip[r + 1]; p < e; p++) {
      const v = xv[p];
      s += v * v;
      const j = ix[p];
      if (mark[j] === 0) {
        mark[j] = 1;
        touched[u++] = j;
      }
    }
    xsq[k] = s;
  }
  if (u * 32 >= d) {
    // dense enough: a linear scan of the marks yields the sorted list and clears them
    u = 0;
    for (let j = 0; j < d; j++) {
      if (mark[j] !== 0) {
        mark[j] = 0;
        touched[u++] = j;
      }
    }
  } else {
    touched.subarray(0, u).sort();
    for (let t = 0; t < u; t++) mark[touched[t]] = 0;
  }
  return u;
}

/**
 * Sparse dot product of row r of X with dense w in float64. Blocks of four go to four partial sums
 * combined as (s0 + s2) + (s1 + s3), then the tail is added in order: exactly the order of the
 * SIMD kernel in wasm/dcd.ts (and it breaks the add-latency chain in JS too).
 */
function dotRow(ip: Int32Array, ix: Int32Array, xv: Float32Array, r: number, w: Float64Array): number {
  let p = ip[r];
  const e = ip[r + 1];
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; p + 4 <= e; p += 4) {
    s0 += w[ix[p]] * xv[p];
    s1 += w[ix[p + 1]] * xv[p + 1];
    s2 += w[ix[p + 2]] * xv[p + 2];
    s3 += w[ix[p + 3]] * xv[p + 3];
  }
  let s = s0 + s2 + (s1 + s3);
  for (; p < e; p++) s += w[ix[p]] * xv[p];
  return s;
}

/** w += a · x_r. */
function axpyRow(ip: Int32Array, ix: Int32Array, xv: Float32Array, r: number, a: number, w: Float64Array): void {
  for (let p = ip[r], e = ip[r + 1]; p < e; p++) w[ix[p]] += a * xv[p];
}

/** Scratch and state of one block of lanes (see solveLanes); grown to the largest block seen. */
export class LaneWorkspace {
  alpha = new Float64Array(0);
  y = new Int8Array(0);
  act = new Uint8Array(0);
  rowAct = new Int32Array(0);
  index = new Int32Array(0);
  dots = new Float64Array(0);
  delta = new Float64Array(0);
  PGmaxOld = new Float64Array(0);
  PGminOld = new Float64Array(0);
  PGmaxNew = new Float64Array(0);
  PGminNew = new Float64Array(0);
  b = new Float64Array(0);
  activeCount = new Int32Array(0);
  done = new Uint8Array(0);

  ensure(n: number, Gp: number): void {
    if (this.alpha.length < n * Gp) {
      const cap = Math.max(n * Gp, Math.ceil(this.alpha.length * 1.5));
      this.alpha = new Float64Array(cap);
      this.y = new Int8Array(cap);
      this.act = new Uint8Array(cap);
    }
    if (this.rowAct.length < n) {
      const cap = Math.max(n, Math.ceil(this.rowAct.length * 1.5));
      this.rowAct = new Int32Array(cap);
      this.index = new Int32Array(cap);
    }
    if (this.dots.length < Gp) {
      this.dots = new Float64Array(Gp);
      this.delta = new Float64Array(Gp);
      this.PGmaxOld = new Float64Array(Gp);
      this.PGminOld = new Float64Array(Gp);
      this.PGmaxNew = new Float64Array(Gp);
      this.PGminNew = new Float64Array(Gp);
      this.b = new Float64Array(Gp);
      this.activeCount = new Int32Array(Gp);
      this.done = new Uint8Array(Gp);
    }
  }
}

/** Lane stride of a block of G children: 1 for one child, else G rounded up to even (the kernel's f64x2 pairs). */
export function laneStride(G: number): number {
  return G === 1 ? 1 : (G + 1) & ~1;
}

/**
 * Squared-hinge L2-SVM by dual CD with shrinking (PECOS `solve_l2r_l1l2_svc`) for the G children of
 * a block at once ("lanes"). They share the group's rows and one shuffled visiting order: a pass
 * reads each active row once, takes its dot product with every lane's weights, then runs each active
 * lane's coordinate step. Each lane shrinks rows, converges and stops on its own, as a lone problem
 * does; a row leaves the visiting order once no lane is active on it. With G = 1 this is the
 * one-problem solver of LIBLINEAR step for step.
 *
 * Layouts (Gp = laneStride(G)): W[f·Gp + j] (f a feature id of X; W zero on the group's features),
 * ws.y[k·Gp + j] ∈ {−1, +1} set by the caller for lanes j < G. Each lane's dot product is a plain
 * left-to-right sum over the row (G = 1: dotRow's four partial sums), exactly as wasm/dcd.ts does.
 * Bias weights end in ws.b[0..G).
 */
export function solveLanes(
  ip: Int32Array, ix: Int32Array, xv: Float32Array, rows: Int32Array, n: number,
  xsq: Float64Array, W: Float64Array, G: number, ws: LaneWorkspace, p: SolverParams, rng: Rng,
): void {
  const Gp = laneStride(G);
  const useBias = p.bias > 0;
  const bias = useBias ? p.bias : 0;
  const bb = useBias ? bias * bias : 0;
  const diagP = 0.5 / p.Cp;
  const diagN = 0.5 / p.Cn;
  const { alpha, y, act, rowAct, index, dots, delta, PGmaxOld, PGminOld, PGmaxNew, PGminNew, b, activeCount, done } = ws;
  for (let k = 0; k < n; k++) {
    index[k] = k;
    rowAct[k] = G;
    for (let j = 0; j < Gp; j++) {
      alpha[k * Gp + j] = 0;
      act[k * Gp + j] = j < G ? 1 : 0;
    }
  }
  delta.fill(0, 0, Gp);
  for (let j = 0; j < G; j++) {
    PGmaxOld[j] = Infinity;
    PGminOld[j] = -Infinity;
    b[j] = 0;
    activeCount[j] = n;
    done[j] = 0;
  }
  if (n === 0) return;
  const retire = (j: number): void => {
    done[j] = 1;
    for (let k = 0; k < n; k++) {
      if (act[k * Gp + j] !== 0) {
        act[k * Gp + j] = 0;
        rowAct[k]--;
      }
    }
  };
  let running = G;
  let active = n;
  let iter = 0;
  while (running > 0) {
    PGmaxNew.fill(-Infinity, 0, G);
    PGminNew.fill(Infinity, 0, G);
    rng.shuffle(index, active);
    for (let s = 0; s < active; s++) {
      const k = index[s];
      const r = rows[k];
      let changed = false;
      if (rowAct[k] !== 0) {
        if (Gp === 1) dots[0] = dotRow(ip, ix, xv, r, W);
        else dotLanes(ip, ix, xv, r, W, Gp, G, dots);
        const qd = xsq[k] + bb;
        const row = k * Gp;
        for (let j = 0; j < G; j++) {
          delta[j] = 0;
          if (act[row + j] === 0) continue;
          const yi = y[row + j];
          const a = alpha[row + j];
          const dg = yi > 0 ? diagP : diagN;
          let Gr = yi * (dots[j] + b[j] * bias) - 1;
          Gr += a * dg;
          let PG = 0;
          if (a === 0) {
            if (Gr > PGmaxOld[j]) {
              // shrink this lane on this row
              act[row + j] = 0;
              activeCount[j]--;
              rowAct[k]--;
              continue;
            } else if (Gr < 0) {
              PG = Gr;
            }
          } else {
            // the upper bound is +∞ for the squared hinge, so α = U never happens
            PG = Gr;
          }
          if (PG > PGmaxNew[j]) PGmaxNew[j] = PG;
          if (PG < PGminNew[j]) PGminNew[j] = PG;
          if (Math.abs(PG) > 1e-12) {
            let na = a - Gr / (dg + qd);
            if (na < 0) na = 0;
            alpha[row + j] = na;
            const dl = (na - a) * yi;
            delta[j] = dl;
            b[j] += dl * bias;
            changed = true;
          }
        }
      }
      if (rowAct[k] === 0) {
        // no lane is active on this row (any more; then none changed): swap it out and revisit the slot
        active--;
        index[s] = index[active];
        index[active] = k;
        s--;
        continue;
      }
      if (changed) {
        if (Gp === 1) axpyRow(ip, ix, xv, r, delta[0], W);
        else axpyLanes(ip, ix, xv, r, W, Gp, G, delta);
      }
    }
    iter++;
    for (let j = 0; j < G; j++) {
      if (done[j] !== 0) continue;
      if (PGmaxNew[j] - PGminNew[j] <= p.eps) {
        if (activeCount[j] === n) {
          retire(j);
          running--;
          continue;
        }
        // converged on its active rows: confirm on all of them
        for (let k = 0; k < n; k++) {
          if (act[k * Gp + j] === 0) {
            act[k * Gp + j] = 1;
            rowAct[k]++;
          }
        }
        activeCount[j] = n;
        active = n;
        PGmaxOld[j] = Infinity;
        PGminOld[j] = -Infinity;
      } else {
        PGmaxOld[j] = PGmaxNew[j] <= 0 ? Infinity : PGmaxNew[j];
        PGminOld[j] = PGminNew[j] >= 0 ? -Infinity : PGminNew[j];
      }
      if (iter >= p.maxIter) {
        retire(j);
        running--;
      }
    }
  }
}

/** dots[j] = Σ W[f·Gp + j]·x over row r, left to right, for each lane j < G. */
function dotLanes(ip: Int32Array, ix: Int32Array, xv: Float32Array, r: number, W: Float64Array, Gp: number, G: number, dots: Float64Array): void {
  const p0 = ip[r];
  const e = ip[r + 1];
  for (let j = 0; j < G; j++) {
    let s = 0;
    for (let q = p0; q < e; q++) s += W[ix[q] * Gp + j] * xv[q];
    dots[j] = s;
  }
}

/** W[f·Gp + j] += delta[j]·x over row r for each lane j < G with delta[j] ≠ 0 (adding zero would change no bit). */
function axpyLanes(ip: Int32Array, ix: Int32Array, xv: Float32Array, r: number, W: Float64Array, Gp: number, G: number, delta: Float64Array): void {
  const p0 = ip[r];
  const e = ip[r + 1];
  for (let j = 0; j < G; j++) {
    const d = delta[j];
    if (d === 0) continue;
    for (let q = p0; q < e; q++) W[ix[q] * Gp + j] += d * xv[q];
  }
}

/**
 * Logistic regression by dual CD (PECOS `solve_l2r_lr` = LIBLINEAR `solve_l2r_lr_dual`):
 * two dual variables per instance (alpha[2k], alpha[2k+1], summing to C_k), a Newton solve of the
 * one-variable sub-problem per instance. Two changes from LIBLINEAR, both for speed with the same
 * stopping test: the Newton solve runs on the logit of the dual variable, and settled instances
 * are shrunk (see LOGISTIC_SHRINK). Returns the bias weight b.
 */
export function solveLogistic(
  ip: Int32Array, ix: Int32Array, xv: Float32Array, rows: Int32Array, n: number,
  y: Int8Array, xsq: Float64Array, w: Float64Array,
  alpha: Float64Array, QD: Float64Array, index: Int32Array, p: SolverParams, rng: Rng,
): number {
  const useBias = p.bias > 0;
  const bias = useBias ? p.bias : 0;
  const bb = useBias ? bias * bias : 0;
  const maxInner = 100;
  let innerEps = 1e-2;
  const innerEpsMin = Math.min(1e-8, p.eps);
  let b = 0;
  for (let k = 0; k < n; k++) {
    const C = y[k] > 0 ? p.Cp : p.Cn;
    const a0 = Math.min(0.001 * C, 1e-8);
    alpha[2 * k] = a0;
    alpha[2 * k + 1] = C - a0;
    QD[k] = xsq[k] + bb;
    index[k] = k;
    const coef = y[k] * a0;
    axpyRow(ip, ix, xv, rows[k], coef, w);
    b += coef * bias;
  }
  const shrinkTol = LOGISTIC_SHRINK * p.eps;
  let active = n;
  let iter = 0;
  while (iter < p.maxIter) {
    const full = active === n;
    rng.shuffle(index, active);
    let newtonIter = 0;
    let Gmax = 0;
    for (let s = 0; s < active; s++) {
      const k = index[s];
      const yi = y[k];
      const r = rows[k];
      const C = yi > 0 ? p.Cp : p.Cn;
      const a = QD[k];
      const bk = yi * (dotRow(ip, ix, xv, r, w) + b * bias);
      let ind1 = 2 * k;
      let ind2 = 2 * k + 1;
      let sign = 1;
      if (0.5 * a * (alpha[ind2] - alpha[ind1]) + bk < 0) {
        ind1 = 2 * k + 1;
        ind2 = 2 * k;
        sign = -1;
      }
      // g(z) = z ln z + (C−z) ln(C−z) + ½a(z − α_old)² + sign·b(z − α_old); g'(z) = a(z − α_old) + sign·b + t
      // with t = ln(z / (C − z)). Newton runs on t (z = C·σ(t)): g' is increasing in t with slope
      // 1 + a·z(C − z)/C ≥ 1, so it reaches the root from a tiny α in a few steps where Newton on z
      // needs one step per factor of ~20; steps leaving the bracket of sign changes are bisected.
      const alphaOld = alpha[ind1];
      let z = alphaOld;
      if (C - z < 0.5 * C) z = 0.1 * z;
      let zc = C - z;
      let t = Math.log(z / zc);
      let gp = a * (z - alphaOld) + sign * bk + t;
      const agp = Math.abs(gp);
      if (agp > Gmax) Gmax = agp;
      if (agp < shrinkTol) {
        // settled: leave the active set until the confirming full pass
        active--;
        index[s] = index[active];
        index[active] = k;
        s--;
        continue;
      }
      let lo = -LOGIT_MAX;
      let hi = LOGIT_MAX;
      let inner = 0;
      while (inner <= maxInner) {
        if (Math.abs(gp) < innerEps) break;
        if (gp < 0) lo = t;
        else hi = t;
        let tn = t - gp / (1 + (a * z * zc) / C);
        if (!(tn > lo && tn < hi)) tn = 0.5 * (lo + hi);
        t = tn;
        const e = Math.exp(-Math.abs(t));
        const big = C / (1 + e);
        const small = big * e;
        z = t >= 0 ? big : small;
        zc = t >= 0 ? small : big;
        gp = a * (z - alphaOld) + sign * bk + t;
        newtonIter++;
        inner++;
      }
      if (inner > 0) {
        alpha[ind1] = z;
        alpha[ind2] = zc;
        const coef = sign * (z - alphaOld) * yi;
        axpyRow(ip, ix, xv, r, coef, w);
        b += coef * bias;
      }
    }
    iter++;
    if (Gmax < p.eps) {
      if (full) break;
      active = n; // converged on the active set: confirm on every instance
      continue;
    }
    if (newtonIter <= Math.floor(n / 10)) innerEps = Math.max(innerEpsMin, 0.1 * innerEps);
  }
  return b;
}

/** Bound on the logit of a logistic dual variable (σ(±700) is still representable). */
const LOGIT_MAX = 700;
/**
 * Logistic shrinking: an instance whose sub-problem gradient is below LOGISTIC_SHRINK · eps
 * leaves the active set; when the active set meets the stopping test, a full pass over every
 * instance confirms it (or reactivates all). The dual variables never reach their bounds, so
 * LIBLINEAR does not shrink here; this heuristic only skips instances that are already settled.
 */
const LOGISTIC_SHRINK = 0.1;

/** Reusable float64/int buffers that grow to the largest group seen. */
class Workspace {
  y = new Int8Array(0);
  xsq = new Float64Array(0);
  alpha = new Float64Array(0);
  QD = new Float64Array(0);
  index = new Int32Array(0);

  ensure(n: number): void {
    if (this.y.length >= n) return;
    const cap = Math.max(n, Math.ceil(this.y.length * 1.5));
    this.y = new Int8Array(cap);
    this.xsq = new Float64Array(cap);
    this.alpha = new Float64Array(2 * cap);
    this.QD = new Float64Array(cap);
    this.index = new Int32Array(cap);
  }
}

/**
 * The plain-TypeScript group solver. Holds a dense float64 w of size X.cols, a mark array and
 * per-group buffers; only the features touched by the group are reset and scanned for pruning.
 */
export function createJsSolver(X: Csr): GroupSolver {
  const d = X.cols;
  const w = new Float64Array(d);
  let W = w; // lane-interleaved weights of a block, d·Gp long (w itself for one lane)
  const mark = new Uint8Array(d);
  const touched = new Int32Array(d);
  const ws = new Workspace();
  const lanes = new LaneWorkspace();
  const { indptr: ip, indices: ix, data: xv } = X;

  return {
    trainGroup(rows: Int32Array, positives: Int32Array[], p: SolverParams, seed: number): WeightBlock {
      checkGroup(X, rows, positives);
      const n = rows.length;
      ws.ensure(n);
      const { y, xsq, alpha, QD, index } = ws;
      const u = prepareGroup(ip, ix, xv, d, rows, mark, touched, xsq);
      const out = new BlockBuilder(positives.length);
      const thr = p.threshold;
      if (p.loss !== "logistic") {
        for (let c0 = 0; c0 < positives.length; c0 += SOLVER_LANES) {
          const G = Math.min(SOLVER_LANES, positives.length - c0);
          const Gp = laneStride(G);
          if (Gp === 1) W = w;
          else if (W === w || W.length < d * Gp) W = new Float64Array(d * Gp);
          for (let t = 0; t < u; t++) W.fill(0, touched[t] * Gp, touched[t] * Gp + Gp);
          lanes.ensure(n, Gp);
          lanes.y.fill(-1, 0, n * Gp);
          for (let j = 0; j < G; j++) {
            const pos = positives[c0 + j];
            for (let t = 0; t < pos.length; t++) lanes.y[pos[t] * Gp + j] = 1;
          }
          solveLanes(ip, ix, xv, rows, n, xsq, W, G, lanes, p, new Rng((seed + c0) >>> 0));
          for (let j = 0; j < G; j++) {
            out.reserve(u + 1);
            for (let t = 0; t < u; t++) {
              const v = W[touched[t] * Gp + j];
              if (Math.abs(v) >= thr) out.push(touched[t], v);
            }
            if (p.bias > 0 && Math.abs(lanes.b[j]) >= thr) out.push(d, lanes.b[j]);
            out.endColumn();
          }
        }
        return out.finish();
      }
      for (let c = 0; c < positives.length; c++) {
        for (let t = 0; t < u; t++) w[touched[t]] = 0;
        y.fill(-1, 0, n);
        const pos = positives[c];
        for (let t = 0; t < pos.length; t++) y[pos[t]] = 1;
        const rng = new Rng((seed + c) >>> 0);
        const b = n === 0 ? 0 : solveLogistic(ip, ix, xv, rows, n, y, xsq, w, alpha, QD, index, p, rng);
        out.reserve(u + 1);
        for (let t = 0; t < u; t++) {
          const j = touched[t];
          const v = w[j];
          if (Math.abs(v) >= thr) out.push(j, v);
        }
        if (p.bias > 0 && Math.abs(b) >= thr) out.push(d, b);
        out.endColumn();
      }
      return out.finish();
    },
  };
}

/**
 * The PRIME network: the shared text encoder, the free-vector bank (one row per group of labels),
 * the centroid bank (one row per label, no gradient) and the LPN. `batchLoss` builds one step's
 * graph: queries q and the pool's label texts e through the encoder, prototypes
 * z = LPN([e, v, c]), cosine similarities S_f = q̂·ẑᵀ and S_i = q̂·êᵀ, and
 *   L = T(S_f) + inter·T(S_i) + dual·T(S_iᵀ) + reg·R(S_f, S_i)
 * with the in-batch target mask Y[i, j] = [pool label j is any positive of query i].
 * Without the LPN (the text-only ablation) the prototype is ê and L = T(S_i) + dual·T(S_iᵀ).
 */
import type { Rng } from "../../core/rng.js";
import { xavierUniform } from "../../nn/init.js";
import type { LayerBuffer } from "../../nn/layers.js";
import { add, embedding, l2NormalizeRows, matmul, scale, transpose } from "../../nn/ops/index.js";
import { noGrad } from "../../nn/tape.js";
import { Tensor, param } from "../../nn/tensor.js";
import { type Bags, BagEncoder } from "./encoder.js";
import { contrastiveLoss, dynamicTripletLoss, primeRegulariser, transposeMask } from "./loss.js";
import { LabelPrototypeNetwork } from "./lpn.js";
import { type PrimeAblation, PRIME_MARGIN_MIN, type PrimeParams } from "./params.js";

/** One step's losses (numbers for reports) and the graph root. */
export interface StepLoss {
  total: Tensor;
  main: number;
  inter: number;
  dual: number;
  reg: number;
}

/** Encoder + LPN + banks; see the module comment. */
export class PrimeNetwork {
  readonly encoder: BagEncoder;
  readonly lpn: LabelPrototypeNetwork | null;
  /** Free vectors [nFree, d] (row-sparse gradient). */
  readonly free: Tensor | null;
  /** Free-vector row of every label. */
  freeOf: Int32Array;
  /** Centroids [L, d] (a buffer, updated without gradient). */
  readonly centroids: Float32Array;

  /** `ablation`: parts switched off for ablation runs (see {@link PrimeAblation}; none by default). */
  constructor(readonly p: PrimeParams, vocabSize: number, readonly L: number, readonly nFree: number, rng: Rng, readonly ablation: PrimeAblation = {}) {
    const d = p.encoder.dim;
    const lpn = !ablation.noLpn;
    this.encoder = new BagEncoder(p.encoder, vocabSize, rng);
    this.lpn = lpn ? new LabelPrototypeNetwork(d, p.lpn, rng) : null;
    this.free = lpn && !ablation.noFreeVectors ? param(xavierUniform([nFree, d], rng).data, [nFree, d], "lpn.free", true) : null;
    this.freeOf = new Int32Array(L);
    this.centroids = new Float32Array(lpn && !ablation.noCentroids ? L * d : 0);
  }

  get dim(): number {
    return this.p.encoder.dim;
  }

  parameters(): Tensor[] {
    return [...this.encoder.parameters(), ...(this.lpn ? this.lpn.parameters() : []), ...(this.free ? [this.free] : [])];
  }

  buffers(): LayerBuffer[] {
    const out = this.encoder.buffers();
    if (this.centroids.length > 0) out.push({ name: "centroids", data: this.centroids });
    return out;
  }

  /** Normalised embeddings [n, d] of bags. */
  embed(b: Bags, training: boolean, rng: Rng): Tensor {
    return l2NormalizeRows(this.encoder.forward(b, training, rng));
  }

  /**
   * Normalised prototypes of `labels` given their normalised text embeddings `e`. `freeRows`
   * defaults to the labels' own free vectors, `centroidRows` (P × d) to their rows of the
   * centroid bank (zeros without a bank).
   */
  prototypes(e: Tensor, labels: Int32Array, training: boolean, rng: Rng, freeRows?: Int32Array, centroidRows?: Float32Array): Tensor {
    if (!this.lpn) return e;
    const d = this.dim, P = labels.length;
    const f = this.free ? embedding(this.free, freeRows ?? Int32Array.from(labels, (l) => this.freeOf[l])) : Tensor.zeros([P, d]);
    const c = Tensor.zeros([P, d]);
    if (centroidRows) c.data.set(centroidRows.subarray(0, P * d));
    else if (this.centroids.length > 0) for (let j = 0; j < P; j++) c.data.set(this.centroids.subarray(labels[j] * d, (labels[j] + 1) * d), j * d);
    return l2NormalizeRows(this.lpn.forward(e, f, c, training, rng));
  }

  /**
   * The loss of a batch: query bags, the pool's label ids and text bags (one sampled positive per
   * query), the 0/1 mask Y (B × P, row-major).
   */
  batchLoss(qBags: Bags, pool: Int32Array, poolBags: Bags, Y: Uint8Array, rng: Rng, warm = false): { loss: StepLoss; q: Tensor } {
    const lp = this.p.loss;
    const ab = this.ablation;
    const opts = { k: lp.negatives, marginMin: ab.fixedMargin ? lp.marginMax : PRIME_MARGIN_MIN, marginMax: lp.marginMax, tau: lp.tau, weightGrad: ab.weightGrad ?? false };
    /** The triplet loss T, or in warm-up epochs the in-batch softmax loss. */
    const T = (S: Tensor, M: Uint8Array): Tensor => {
      if (warm) return contrastiveLoss(S, M, lp.warmupTau);
      const t = dynamicTripletLoss(S, M, opts, rng);
      return lp.softmax > 0 ? add(t, scale(contrastiveLoss(S, M, lp.warmupTau), lp.softmax)) : t;
    };
    const q = this.embed(qBags, true, rng);
    const e = this.embed(poolBags, true, rng);
    const B = q.shape[0], P = e.shape[0];
    const Si = matmul(q, e, false, true);
    const dualT = lp.dual > 0 ? T(transpose(Si), transposeMask(Y, B, P)) : null;
    let total: Tensor;
    let main: number, inter = 0, reg = 0;
    if (this.lpn) {
      const z = this.prototypes(e, pool, true, rng);
      const Sf = matmul(q, z, false, true);
      const tMain = T(Sf, Y);
      main = tMain.item();
      total = tMain;
      if (lp.inter > 0) {
        const t = T(Si, Y);
        inter = t.item();
        total = add(total, scale(t, lp.inter));
      }
      if (lp.reg > 0 && !warm) {
        const r = primeRegulariser(Sf, Si, Y, { k: lp.negatives, mu: lp.regMargin }, rng);
        reg = r.item();
        total = add(total, scale(r, lp.reg));
      }
    } else {
      total = T(Si, Y);
      main = total.item();
    }
    const dual = dualT ? dualT.item() : 0;
    if (dualT) total = add(total, scale(dualT, lp.dual));
    return { loss: { total, main, inter, dual, reg }, q };
  }

  /** EMA centroid update c_l ← β·c_l + (1 − β)·q̂_i for each (query i, its pool label), in order. */
  updateCentroids(q: Float32Array, pool: Int32Array): void {
    if (this.centroids.length === 0 || this.p.lpn.centroids !== "ema") return;
    const d = this.dim, beta = this.p.lpn.beta, c = this.centroids;
    for (let i = 0; i < pool.length; i++) {
      const o = pool[i] * d;
      for (let j = 0; j < d; j++) c[o + j] = beta * c[o + j] + (1 - beta) * q[i * d + j];
    }
  }

  /** Centroids from query embeddings: c_l = normalise(Σ of its positive queries' rows). */
  setCentroids(bank: Float32Array, Y: { rows: number; indptr: Int32Array; indices: Int32Array }): void {
    if (this.centroids.length === 0) return;
    const d = this.dim, c = this.centroids;
    c.fill(0);
    for (let i = 0; i < Y.rows; i++) {
      for (let k = Y.indptr[i]; k < Y.indptr[i + 1]; k++) {
        const o = Y.indices[k] * d;
        for (let j = 0; j < d; j++) c[o + j] += bank[i * d + j];
      }
    }
    for (let l = 0; l < this.L; l++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += c[l * d + j] ** 2;
      if (s > 0) {
        const f = 1 / Math.sqrt(s);
        for (let j = 0; j < d; j++) c[l * d + j] *= f;
      }
    }
  }

  /** Normalised embeddings of many bags, in chunks, without a graph. */
  embedAll(bags: (a: number, b: number) => Bags, n: number, rng: Rng, chunk = 1024): Float32Array {
    const d = this.dim, out = new Float32Array(n * d);
    noGrad(() => {
      for (let a = 0; a < n; a += chunk) {
        const b = Math.min(n, a + chunk);
        out.set(this.embed(bags(a, b), false, rng).data, a * d);
      }
    });
    return out;
  }
}

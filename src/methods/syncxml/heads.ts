/**
 * SyncXML's twin heads on the encoder output h_f, the fused shortlist scoring op and
 * the shortlist itself (§3.4):
 *
 *  - meta head: h_m = GELU(SN-Linear(hd→hd)(Dropout(h_f))); logits = Linear(hd→K)(Dropout_pmeta(h_m + h_f));
 *  - extreme head: h_c = Dropout_pext(GELU(SN-Linear(hd→hd)(Dropout(h_f′))) + h_f′); the score of
 *    label c for query i is ⟨W[c], h_c[i]⟩, computed only for the labels of shortlisted clusters
 *    ({@link clusterScores}); W is a row-sparse table (rows in cluster order) trained with SparseAdam;
 *  - InceptionXML's one-vs-all head: Linear(hd→L)(Dropout_pext(h)).
 */
import { groupBy } from "../../core/csr.js";
import type { Rng } from "../../core/rng.js";
import { alloc } from "../../nn/dtype.js";
import { normalData, xavierUniform, zerosParam } from "../../nn/init.js";
import { Linear, type LayerBuffer } from "../../nn/layers.js";
import { add, dropout, gelu, linear, topk } from "../../nn/ops/index.js";
import { type SpectralNormState, SpectralWeight } from "../../nn/ops/spectral.js";
import { needsGrad, record } from "../../nn/tape.js";
import { param, Tensor } from "../../nn/tensor.js";

/** GELU(SN-Linear(Dropout(x))) + x: the residual hidden layer both SyncXML heads start with. */
export class ResidualSN {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly sn: SpectralNormState;
  private readonly normed: SpectralWeight;
  constructor(readonly dim: number, rng: Rng, readonly name: string) {
    this.weight = xavierUniform([dim, dim], rng, `${name}.weight`);
    this.bias = zerosParam([dim], `${name}.bias`);
    this.normed = new SpectralWeight(this.weight, rng);
    this.sn = this.normed.state;
  }
  forward(x: Tensor, pIn: number, training: boolean, rng: Rng): Tensor {
    const w = this.normed.get(training);
    return add(gelu(linear(dropout(x, pIn, rng, training), w, this.bias)), x);
  }
  parameters(): Tensor[] {
    return [this.weight, this.bias];
  }
  buffers(): LayerBuffer[] {
    return [
      { name: `${this.name}.sn_u`, data: this.sn.u },
      { name: `${this.name}.sn_v`, data: this.sn.v },
    ];
  }
}

/** The meta head over K clusters. */
export class MetaHead {
  readonly hidden: ResidualSN;
  readonly out: Linear;
  constructor(dim: number, readonly K: number, rng: Rng) {
    this.hidden = new ResidualSN(dim, rng, "meta.hidden");
    this.out = new Linear(dim, K, rng, "meta.out");
  }
  forward(hf: Tensor, pIn: number, pMeta: number, training: boolean, rng: Rng): Tensor {
    return this.out.forward(dropout(this.hidden.forward(hf, pIn, training, rng), pMeta, rng, training));
  }
  parameters(): Tensor[] {
    return [...this.hidden.parameters(), ...this.out.parameters()];
  }
  buffers(): LayerBuffer[] {
    return this.hidden.buffers();
  }
}

/**
 * The extreme head: a query transform and the row-sparse label table W (L × hd), its rows in
 * cluster order (row r belongs to label `clusters.labels[r]`).
 */
export class ExtremeHead {
  readonly hidden: ResidualSN;
  readonly table: Tensor;
  constructor(dim: number, readonly L: number, rng: Rng) {
    this.hidden = new ResidualSN(dim, rng, "ext.hidden");
    // N(0, 1/hd): initial scores of order one for O(1) query features
    this.table = param(normalData([L, dim], 1 / Math.sqrt(dim), rng), [L, dim], "ext.labels", true);
  }
  /** h_c = Dropout_pext(GELU(SN-Linear(Dropout(h)))) + h). */
  features(h: Tensor, pIn: number, pExt: number, training: boolean, rng: Rng): Tensor {
    return dropout(this.hidden.forward(h, pIn, training, rng), pExt, rng, training);
  }
  parameters(): Tensor[] {
    return [...this.hidden.parameters(), this.table];
  }
  buffers(): LayerBuffer[] {
    return this.hidden.buffers();
  }
}

/** InceptionXML's full one-vs-all classifier. */
export class OvaHead {
  readonly out: Linear;
  constructor(dim: number, readonly L: number, rng: Rng) {
    this.out = new Linear(dim, L, rng, "ova.out");
  }
  forward(h: Tensor, pExt: number, training: boolean, rng: Rng): Tensor {
    return this.out.forward(dropout(h, pExt, rng, training));
  }
  parameters(): Tensor[] {
    return this.out.parameters();
  }
  buffers(): LayerBuffer[] {
    return [];
  }
}

/**
 * Scores of one cluster's rows [r0, r1) against the queries of pairs byCluster[a..b):
 * y[off[p] + (r − r0)] = ⟨w[r], q[qOff[p] ..]⟩. Tiles of 4 rows × 2 queries (8 independent sums)
 * keep the floating-point pipeline busy; plain loops finish the edges.
 */
function scoreBlock(
  w: Float32Array, q: Float32Array, D: number, r0: number, r1: number,
  byCluster: Int32Array, a: number, b: number, qOff: Int32Array, off: Int32Array, y: Float32Array,
): void {
  let t = a;
  for (; t + 1 < b; t += 2) {
    const p0 = byCluster[t], p1 = byCluster[t + 1];
    const x0 = qOff[p0], x1 = qOff[p1], o0 = off[p0] - r0, o1 = off[p1] - r0;
    let r = r0;
    for (; r + 3 < r1; r += 4) {
      const w0 = r * D, w1 = w0 + D, w2 = w1 + D, w3 = w2 + D;
      let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
      for (let d = 0; d < D; d++) {
        const u = q[x0 + d], v = q[x1 + d];
        const a0 = w[w0 + d], a1 = w[w1 + d], a2 = w[w2 + d], a3 = w[w3 + d];
        s00 += a0 * u; s10 += a1 * u; s20 += a2 * u; s30 += a3 * u;
        s01 += a0 * v; s11 += a1 * v; s21 += a2 * v; s31 += a3 * v;
      }
      y[o0 + r] = s00; y[o0 + r + 1] = s10; y[o0 + r + 2] = s20; y[o0 + r + 3] = s30;
      y[o1 + r] = s01; y[o1 + r + 1] = s11; y[o1 + r + 2] = s21; y[o1 + r + 3] = s31;
    }
    for (; r < r1; r++) {
      const w0 = r * D;
      let s0 = 0, s1 = 0;
      for (let d = 0; d < D; d++) {
        s0 += w[w0 + d] * q[x0 + d];
        s1 += w[w0 + d] * q[x1 + d];
      }
      y[o0 + r] = s0;
      y[o1 + r] = s1;
    }
  }
  if (t < b) {
    const p0 = byCluster[t];
    const x0 = qOff[p0], o0 = off[p0] - r0;
    let r = r0;
    for (; r + 3 < r1; r += 4) {
      const w0 = r * D, w1 = w0 + D, w2 = w1 + D, w3 = w2 + D;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < D; d++) {
        const u = q[x0 + d];
        s0 += w[w0 + d] * u; s1 += w[w1 + d] * u; s2 += w[w2 + d] * u; s3 += w[w3 + d] * u;
      }
      y[o0 + r] = s0; y[o0 + r + 1] = s1; y[o0 + r + 2] = s2; y[o0 + r + 3] = s3;
    }
    for (; r < r1; r++) {
      const w0 = r * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += w[w0 + d] * q[x0 + d];
      y[o0 + r] = s;
    }
  }
}

/**
 * Gradients of {@link scoreBlock}: gw (the cluster's rows, (r1 − r0) × D, zeroed by the caller)
 * += Σ_p g·q_p and gh[q_p] += Σ_r g·w[r], rows in tiles of 4.
 */
function gradBlock(
  w: Float32Array, q: Float32Array, D: number, r0: number, r1: number,
  byCluster: Int32Array, a: number, b: number, qOff: Int32Array, off: Int32Array, g: Float32Array,
  gw: Float32Array, gh: Float32Array | null,
): void {
  for (let t = a; t < b; t++) {
    const p = byCluster[t];
    const x = qOff[p], o = off[p] - r0;
    let r = r0;
    for (; r + 3 < r1; r += 4) {
      const g0 = g[o + r], g1 = g[o + r + 1], g2 = g[o + r + 2], g3 = g[o + r + 3];
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const w0 = r * D, w1 = w0 + D, w2 = w1 + D, w3 = w2 + D;
      const v0 = (r - r0) * D, v1 = v0 + D, v2 = v1 + D, v3 = v2 + D;
      for (let d = 0; d < D; d++) {
        const u = q[x + d];
        gw[v0 + d] += g0 * u; gw[v1 + d] += g1 * u; gw[v2 + d] += g2 * u; gw[v3 + d] += g3 * u;
      }
      if (gh) for (let d = 0; d < D; d++) gh[x + d] += g0 * w[w0 + d] + g1 * w[w1 + d] + g2 * w[w2 + d] + g3 * w[w3 + d];
    }
    for (; r < r1; r++) {
      const gr = g[o + r];
      if (gr === 0) continue;
      const w0 = r * D, v0 = (r - r0) * D;
      for (let d = 0; d < D; d++) gw[v0 + d] += gr * q[x + d];
      if (gh) for (let d = 0; d < D; d++) gh[x + d] += gr * w[w0 + d];
    }
  }
}

/**
 * Scores of the labels of shortlisted clusters, with the label table stored in cluster order
 * (cluster c owns table rows ptr[c] .. ptr[c+1]). Query i shortlists the k clusters
 * sel[i·k .. i·k + k); its candidates are those clusters' rows, in that order, and
 * out[rowPtr[i] + ...] = ⟨table[row], h[i]⟩. The work is grouped by cluster, so each table row
 * is read (and its gradient written) once per batch however many queries share it; the table
 * gets a gradient on those rows only (row-sparse for a `sparseGrad` table), h a dense one.
 */
export function clusterScores(table: Tensor, h: Tensor, sel: Int32Array, k: number, ptr: Int32Array): { scores: Tensor; rowPtr: Int32Array; rows: Int32Array } {
  const D = table.shape[1];
  const K = ptr.length - 1;
  const B = k > 0 ? sel.length / k : 0;
  if (!Number.isInteger(B) || h.rank !== 2 || h.shape[0] !== B || h.shape[1] !== D) throw new RangeError(`clusterScores: h must be [${B}, ${D}], got [${h.shape.join(", ")}]`);
  if (ptr[K] !== table.shape[0]) throw new RangeError(`clusterScores: clusters cover ${ptr[K]} rows, the table has ${table.shape[0]}`);
  // candidate offsets per (query, slot) and the pairs grouped by cluster (counting sort)
  const off = new Int32Array(sel.length);
  const rowPtr = new Int32Array(B + 1);
  let n = 0;
  for (let p = 0; p < sel.length; p++) {
    const c = sel[p];
    if (c < 0 || c >= K) throw new RangeError(`clusterScores: cluster ${c} outside [0, ${K})`);
    off[p] = n;
    n += ptr[c + 1] - ptr[c];
    if ((p + 1) % k === 0) rowPtr[(p + 1) / k] = n;
  }
  const { ptr: cnt, order: byCluster } = groupBy(sel, K);
  const rows = new Int32Array(n);
  for (let p = 0; p < sel.length; p++) {
    const c = sel[p];
    for (let m = 0; m < ptr[c + 1] - ptr[c]; m++) rows[off[p] + m] = ptr[c] + m;
  }
  const out = Tensor.zeros([n]);
  const w = table.data, q = h.data;
  const qOff = new Int32Array(sel.length); // h offset of each pair's query
  for (let p = 0; p < sel.length; p++) qOff[p] = ((p / k) | 0) * D;
  for (let c = 0; c < K; c++) if (cnt[c] < cnt[c + 1]) scoreBlock(w, q, D, ptr[c], ptr[c + 1], byCluster, cnt[c], cnt[c + 1], qOff, off, out.data);
  if (needsGrad(table, h)) {
    record(out, () => {
      const g = out.grad!;
      const gh = h.requiresGrad ? h.gradBuffer() : null;
      let gw = alloc(0);
      for (let c = 0; c < K; c++) {
        const a = cnt[c], b = cnt[c + 1];
        if (a === b) continue;
        const r0 = ptr[c], r1 = ptr[c + 1];
        if (gw.length < (r1 - r0) * D) gw = alloc((r1 - r0) * D);
        gw.fill(0, 0, (r1 - r0) * D);
        gradBlock(w, q, D, r0, r1, byCluster, a, b, qOff, off, g, gw, gh);
        if (table.requiresGrad) for (let r = r0; r < r1; r++) table.addGradRow(r, gw, (r - r0) * D);
      }
    });
  }
  return { scores: out, rowPtr, rows };
}

/** The shortlisted clusters of a batch. */
export interface Shortlist {
  /** Clusters per query. */
  k: number;
  /** B × k cluster ids, best first. */
  clusters: Int32Array;
  /** σ(meta logit) of each (without the teacher-forcing boost). */
  probs: Float32Array;
}

/**
 * Shortlist the top `Ks` clusters of each query by σ(meta logit) (+1 for the query's true
 * clusters when `forced` is given: teacher forcing, so every positive is a candidate).
 */
export function shortlist(metaLogits: Float32Array, B: number, K: number, Ks: number, forced: Int32Array[] | null): Shortlist {
  const sig = alloc(B * K);
  for (let i = 0; i < sig.length; i++) {
    const v = metaLogits[i];
    sig[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }
  const boosted = forced ? sig.slice() : sig;
  if (forced) for (let i = 0; i < B; i++) for (const c of forced[i]) boosted[i * K + c] += 1;
  const top = topk(new Tensor(boosted, [B, K]), Math.min(Ks, K));
  const probs = new Float32Array(top.indices.length);
  for (let i = 0; i < B; i++) for (let t = 0; t < top.k; t++) probs[i * top.k + t] = sig[i * K + top.indices[i * top.k + t]];
  return { k: top.k, clusters: top.indices, probs };
}

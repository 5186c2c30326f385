/**
 * SyncXML's twin heads on the encoder output h_f (spec §3.3), the fused shortlist scoring op and
 * the shortlist itself (§3.4):
 *
 *  - meta head: h_m = GELU(SN-Linear(hd→hd)(Dropout(h_f))); logits = Linear(hd→K)(Dropout_pmeta(h_m + h_f));
 *  - extreme head: h_c = Dropout_pext(GELU(SN-Linear(hd→hd)(Dropout(h_f′))) + h_f′); the score of
 *    label c for query i is ⟨W[c], h_c[i]⟩, computed only for the labels of shortlisted clusters
 *    ({@link clusterScores}); W is a row-sparse table (rows in cluster order) trained with SparseAdam;
 *  - InceptionXML's one-vs-all head: Linear(hd→L)(Dropout_pext(h)).
 */
import type { Rng } from "../../core/rng.js";
import { alloc } from "../../nn/dtype.js";
import { normalData, xavierUniform, zerosParam } from "../../nn/init.js";
import { Linear, type LayerBuffer } from "../../nn/layers.js";
import { add, dropout, gelu, linear, topk } from "../../nn/ops/index.js";
import { spectralNorm, spectralNormState, type SpectralNormState } from "../../nn/ops/spectral.js";
import { needsGrad, record } from "../../nn/tape.js";
import { param, Tensor } from "../../nn/tensor.js";

/** GELU(SN-Linear(Dropout(x))) + x: the residual hidden layer both SyncXML heads start with. */
export class ResidualSN {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly sn: SpectralNormState;
  constructor(readonly dim: number, rng: Rng, readonly name: string) {
    this.weight = xavierUniform([dim, dim], rng, `${name}.weight`);
    this.bias = zerosParam([dim], `${name}.bias`);
    this.sn = spectralNormState(this.weight, rng);
  }
  forward(x: Tensor, pIn: number, training: boolean, rng: Rng): Tensor {
    const w = spectralNorm(this.weight, this.sn, training ? 1 : 0);
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
  const cnt = new Int32Array(K + 1);
  let n = 0;
  for (let p = 0; p < sel.length; p++) {
    const c = sel[p];
    if (c < 0 || c >= K) throw new RangeError(`clusterScores: cluster ${c} outside [0, ${K})`);
    off[p] = n;
    n += ptr[c + 1] - ptr[c];
    cnt[c + 1]++;
    if ((p + 1) % k === 0) rowPtr[(p + 1) / k] = n;
  }
  for (let c = 0; c < K; c++) cnt[c + 1] += cnt[c];
  const byCluster = new Int32Array(sel.length);
  const fill = cnt.slice(0, K);
  for (let p = 0; p < sel.length; p++) byCluster[fill[sel[p]]++] = p;
  const rows = new Int32Array(n);
  for (let p = 0; p < sel.length; p++) {
    const c = sel[p];
    for (let m = 0; m < ptr[c + 1] - ptr[c]; m++) rows[off[p] + m] = ptr[c] + m;
  }
  const out = Tensor.zeros([n]);
  const y = out.data, w = table.data, q = h.data;
  for (let c = 0; c < K; c++) {
    const a = cnt[c], b = cnt[c + 1];
    if (a === b) continue;
    for (let r = ptr[c]; r < ptr[c + 1]; r++) {
      const wo = r * D, m = r - ptr[c];
      for (let t = a; t < b; t++) {
        const p = byCluster[t];
        const qo = ((p / k) | 0) * D;
        let s = 0;
        for (let d = 0; d < D; d++) s += w[wo + d] * q[qo + d];
        y[off[p] + m] = s;
      }
    }
  }
  if (needsGrad(table, h)) {
    record(out, () => {
      const g = out.grad!;
      const gh = h.requiresGrad ? h.gradBuffer() : null;
      const acc = alloc(D);
      for (let c = 0; c < K; c++) {
        const a = cnt[c], b = cnt[c + 1];
        if (a === b) continue;
        for (let r = ptr[c]; r < ptr[c + 1]; r++) {
          const wo = r * D, m = r - ptr[c];
          acc.fill(0);
          let any = false;
          for (let t = a; t < b; t++) {
            const p = byCluster[t];
            const gj = g[off[p] + m];
            if (gj === 0) continue;
            any = true;
            const qo = ((p / k) | 0) * D;
            for (let d = 0; d < D; d++) acc[d] += gj * q[qo + d];
            if (gh) for (let d = 0; d < D; d++) gh[qo + d] += gj * w[wo + d];
          }
          if (any && table.requiresGrad) table.addGradRow(r, acc, 0);
        }
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

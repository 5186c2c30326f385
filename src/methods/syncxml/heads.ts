/**
 * SyncXML's twin heads on the encoder output h_f (spec §3.3), the fused shortlist scoring op and
 * the shortlist itself (§3.4):
 *
 *  - meta head: h_m = GELU(SN-Linear(hd→hd)(Dropout(h_f))); logits = Linear(hd→K)(Dropout_pmeta(h_m + h_f));
 *  - extreme head: h_c = Dropout_pext(GELU(SN-Linear(hd→hd)(Dropout(h_f′))) + h_f′); the score of
 *    label c for query i is ⟨W[c], h_c[i]⟩, computed only for shortlisted labels
 *    ({@link candidateScores}); W is a row-sparse table trained with SparseAdam;
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
import type { LabelClusters } from "./clusters.js";

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

/** The extreme head: a query transform and the row-sparse label table W (L × hd). */
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
 * Scores of variable-length candidate lists: out[j] = ⟨table[cand[j]], h[i]⟩ for
 * rowPtr[i] ≤ j < rowPtr[i+1]. A fused gather + row-wise dot: the table gets a gradient on the
 * candidate rows only (row-sparse for a `sparseGrad` table), h a dense one. Shape [cand.length].
 */
export function candidateScores(table: Tensor, h: Tensor, cand: Int32Array, rowPtr: Int32Array): Tensor {
  const [R, D] = table.shape;
  const B = rowPtr.length - 1;
  if (h.rank !== 2 || h.shape[0] !== B || h.shape[1] !== D) throw new RangeError(`candidateScores: h must be [${B}, ${D}], got [${h.shape.join(", ")}]`);
  if (rowPtr[B] !== cand.length) throw new RangeError(`candidateScores: rowPtr ends at ${rowPtr[B]}, ${cand.length} candidates`);
  const out = Tensor.zeros([cand.length]);
  const y = out.data, w = table.data, q = h.data;
  for (let i = 0; i < B; i++) {
    const qo = i * D;
    for (let j = rowPtr[i]; j < rowPtr[i + 1]; j++) {
      const c = cand[j];
      if (c < 0 || c >= R) throw new RangeError(`candidateScores: label ${c} outside [0, ${R})`);
      const wo = c * D;
      let s = 0;
      for (let k = 0; k < D; k++) s += w[wo + k] * q[qo + k];
      y[j] = s;
    }
  }
  if (needsGrad(table, h)) {
    record(out, () => {
      const g = out.grad!;
      const gh = h.requiresGrad ? h.gradBuffer() : null;
      for (let i = 0; i < B; i++) {
        const qo = i * D;
        for (let j = rowPtr[i]; j < rowPtr[i + 1]; j++) {
          const gj = g[j];
          if (gj === 0) continue;
          const wo = cand[j] * D;
          if (gh) for (let k = 0; k < D; k++) gh[qo + k] += gj * w[wo + k];
          if (table.requiresGrad) table.addGradRow(cand[j], q, qo, gj);
        }
      }
    });
  }
  return out;
}

/** The candidates of a batch: labels of each query's shortlisted clusters. */
export interface Shortlist {
  /** B + 1 offsets into `labels` / `clusterScore`. */
  rowPtr: Int32Array;
  labels: Int32Array;
  /** σ(meta logit) of the candidate's cluster (without the teacher-forcing boost). */
  clusterScore: Float32Array;
}

/**
 * Shortlist the top `Ks` clusters of each query by σ(meta logit) (+1 for the query's true
 * clusters when `forced` is given: teacher forcing, so every positive is a candidate) and expand
 * them into their labels.
 */
export function shortlist(metaLogits: Float32Array, B: number, clusters: LabelClusters, Ks: number, forced: Int32Array[] | null): Shortlist {
  const K = clusters.K;
  const sig = alloc(B * K);
  for (let i = 0; i < sig.length; i++) {
    const v = metaLogits[i];
    sig[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }
  const boosted = forced ? sig.slice() : sig;
  if (forced) for (let i = 0; i < B; i++) for (const c of forced[i]) boosted[i * K + c] += 1;
  const top = topk(new Tensor(boosted, [B, K]), Math.min(Ks, K));
  const k = top.k;
  const { ptr, labels: members } = clusters;
  const rowPtr = new Int32Array(B + 1);
  let n = 0;
  for (let i = 0; i < B; i++) {
    for (let t = 0; t < k; t++) {
      const c = top.indices[i * k + t];
      n += ptr[c + 1] - ptr[c];
    }
    rowPtr[i + 1] = n;
  }
  const labels = new Int32Array(n);
  const clusterScore = new Float32Array(n);
  let p = 0;
  for (let i = 0; i < B; i++) {
    for (let t = 0; t < k; t++) {
      const c = top.indices[i * k + t];
      const s = sig[i * K + c];
      for (let q = ptr[c]; q < ptr[c + 1]; q++) {
        labels[p] = members[q];
        clusterScore[p++] = s;
      }
    }
  }
  return { rowPtr, labels, clusterScore };
}

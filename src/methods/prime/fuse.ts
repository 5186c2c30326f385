/**
 * PRIME's final ranking (spec §7-8): the labels of the prototype search re-scored by the
 * second-stage classifier, joined with the labels of the nearest training queries (ViXML's
 * retrieval-augmented inference, with a smooth maximum over the neighbours holding a label).
 */
import type { Csr } from "../../core/csr.js";
import type { TopK } from "../../search/ann/exact.js";
import type { PredictParams } from "./params.js";

/** Cosine floor c₀ of the neighbour score: every label counts as having one neighbour this close. */
export const NEIGHBOUR_FLOOR = 0.3;

/**
 * Final scores of a block of m queries. Candidates: the c labels of the prototype search (rows of
 * `first`) and the labels of the retrieved training queries (`near`, with their label rows `QY`).
 * Label score: mix · prototype cosine + (1 − mix) · classifier cosine (the prototype cosine alone
 * without a classifier). Neighbour score: τ·ln(e^(c₀/τ) + Σ_{retrieved j holding l} e^(cos_j/τ)).
 * Score = (1 − w) · label score + w · neighbour score; the best k are kept, ties by smaller id.
 */
export function fuse(
  first: TopK, c: number, k: number, lab: { prototypes: Float32Array; classifier: Float32Array | null; mix: number; counts: Int32Array },
  near: TopK | null, QY: Csr | null, o: PredictParams, d: number, q: Float32Array,
): TopK {
  const m = first.ids.length / c, L = lab.prototypes.length / d;
  const kq = near ? near.ids.length / m : 0, w = near ? o.neighbourWeight : 0, tau = o.neighbourTau;
  const ids = new Int32Array(m * k).fill(-1), scores = new Float32Array(m * k).fill(-Infinity);
  const slot = new Int32Array(L).fill(-1);
  const cand: number[] = [], sum: number[] = [], fromFirst: number[] = [];
  const dot = (M: Float32Array, l: number, qo: number): number => {
    let acc = 0;
    for (let t = 0, wo = l * d; t < d; t++) acc += M[wo + t] * q[qo + t];
    return acc;
  };
  for (let i = 0; i < m; i++) {
    const qo = i * d;
    cand.length = sum.length = fromFirst.length = 0;
    for (let j = 0; j < c; j++) {
      const l = first.ids[i * c + j];
      if (l < 0) break;
      slot[l] = cand.length;
      cand.push(l);
      sum.push(0);
      fromFirst.push(first.scores[i * c + j]);
    }
    for (let j = 0; j < kq; j++) {
      const t = near!.ids[i * kq + j];
      if (t < 0) continue;
      const e = Math.exp((near!.scores[i * kq + j] - NEIGHBOUR_FLOOR) / tau); // relative to the floor, no overflow
      for (let p = QY!.indptr[t]; p < QY!.indptr[t + 1]; p++) {
        const l = QY!.indices[p];
        if (slot[l] < 0) {
          slot[l] = cand.length;
          cand.push(l);
          sum.push(0);
          fromFirst.push(NaN);
        }
        sum[slot[l]] += e;
      }
    }
    const s = new Float64Array(cand.length);
    for (let j = 0; j < cand.length; j++) {
      const l = cand[j];
      const pc = Number.isNaN(fromFirst[j]) ? dot(lab.prototypes, l, qo) : fromFirst[j];
      const ls = lab.classifier ? lab.mix * pc + (1 - lab.mix) * dot(lab.classifier, l, qo) : pc;
      // a label without training data can have no neighbour: its label score stands alone
      s[j] = w > 0 && lab.counts[l] > 0 ? (1 - w) * ls + w * (NEIGHBOUR_FLOOR + tau * Math.log1p(sum[j])) : ls;
      slot[l] = -1;
    }
    const order = Array.from({ length: cand.length }, (_, j) => j).sort((a, b) => s[b] - s[a] || cand[a] - cand[b]);
    for (let j = 0; j < k && j < order.length; j++) {
      ids[i * k + j] = cand[order[j]];
      scores[i * k + j] = s[order[j]];
    }
  }
  return { ids, scores };
}

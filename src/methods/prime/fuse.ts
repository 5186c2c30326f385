/**
 * PRIME's final ranking: the labels of the prototype search re-scored by the
 * second-stage classifier, joined with the labels of the nearest training queries (ViXML's
 * retrieval-augmented inference, with a smooth maximum over the neighbours holding a label), by
 * embedding cosine (dense) and by TF-IDF cosine over the model's tokens (lexical).
 */
import type { Csr } from "../../core/csr.js";
import { TopKHeap } from "../../core/topk.js";
import { neighbourVote, smoothMax, type VoteKernel } from "../../retrieval/vote.js";
import type { TopK } from "../../retrieval/exact.js";
import type { PrimePredictParams } from "./params.js";

/** Cosine floor c₀ of the neighbour score: every label counts as having one neighbour this close. */
export const NEIGHBOUR_FLOOR = 0.3;

/**
 * Final scores of a block of m queries. Candidates: the c labels of the prototype search (rows of
 * `first`) and the labels of the retrieved training queries (`near` dense, `lex` lexical, with
 * their label rows `QY`). Label score: mix · prototype cosine + (1 − mix) · classifier cosine (the
 * prototype cosine alone without a classifier). Neighbour score of one channel:
 * τ·ln(e^(c₀/τ) + Σ_{retrieved j holding l} e^(cos_j/τ)). Score = (1 − v) · ((1 − w) · label score
 * + w · dense score) + v · lexical score, w = neighbourWeight, v = lexicalWeight (a channel that is
 * off has weight 0); a label without training data keeps its label score. The best k are kept,
 * ties by smaller id.
 */
export function fuse(
  first: TopK, c: number, k: number, lab: { prototypes: Float32Array; classifier: Float32Array | null; mix: number; counts: Int32Array },
  nb: { near: TopK | null; lex: TopK | null; QY: Csr | null }, o: PrimePredictParams, d: number, q: Float32Array,
): TopK {
  const m = first.ids.length / c, L = lab.prototypes.length / d;
  const { near, lex, QY } = nb;
  if ((near || lex) && !QY) throw new Error("fuse: neighbours need their label rows");
  const kq = near ? near.ids.length / m : 0, w = near ? o.neighbourWeight : 0, tau = o.neighbourTau;
  const kl = lex ? lex.ids.length / m : 0, v = lex ? o.lexicalWeight : 0, tauL = o.lexicalTau;
  const ids = new Int32Array(m * k).fill(-1), scores = new Float32Array(m * k).fill(-Infinity);
  const slot = new Int32Array(L).fill(-1);
  const heap = new TopKHeap(k);
  const kernel: VoteKernel = { kind: "smooth-max", floor: NEIGHBOUR_FLOOR };
  const cand: number[] = [], sum: number[] = [], sumL: number[] = [], fromFirst: number[] = [];
  const dot = (M: Float32Array, l: number, qo: number): number => {
    let acc = 0;
    for (let t = 0, wo = l * d; t < d; t++) acc += M[wo + t] * q[qo + t];
    return acc;
  };
  for (let i = 0; i < m; i++) {
    const qo = i * d;
    cand.length = sum.length = sumL.length = fromFirst.length = 0;
    const add = (l: number, s: number): void => {
      slot[l] = cand.length;
      cand.push(l);
      sum.push(0);
      sumL.push(0);
      fromFirst.push(s);
    };
    for (let j = 0; j < c; j++) {
      const l = first.ids[i * c + j];
      if (l < 0) break;
      add(l, first.scores[i * c + j]);
    }
    // each retrieved query adds e^((cos − c₀)/τ) to its labels' sums (relative to the floor, no overflow)
    const gather = (list: TopK, kk: number, t: number, into: number[]): void =>
      neighbourVote(list, kk, i, QY!, kernel, t, 1, (l, e) => {
        if (slot[l] < 0) add(l, NaN);
        into[slot[l]] += e;
      });
    if (w > 0) gather(near!, kq, tau, sum);
    if (v > 0) gather(lex!, kl, tauL, sumL);
    const s = new Float64Array(cand.length);
    for (let j = 0; j < cand.length; j++) {
      const l = cand[j];
      const pc = Number.isNaN(fromFirst[j]) ? dot(lab.prototypes, l, qo) : fromFirst[j];
      const ls = lab.classifier ? lab.mix * pc + (1 - lab.mix) * dot(lab.classifier, l, qo) : pc;
      // a label without training data can have no neighbour: its label score stands alone
      if (lab.counts[l] > 0) {
        const dense = w > 0 ? (1 - w) * ls + w * smoothMax(sum[j], NEIGHBOUR_FLOOR, tau) : ls;
        s[j] = v > 0 ? (1 - v) * dense + v * smoothMax(sumL[j], NEIGHBOUR_FLOOR, tauL) : dense;
      } else s[j] = ls;
      slot[l] = -1;
    }
    heap.clear();
    for (let j = 0; j < cand.length; j++) heap.push(cand[j], s[j]);
    heap.drainSorted(ids, scores, i * k, k);
  }
  return { ids, scores };
}

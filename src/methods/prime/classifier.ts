/**
 * PRIME's optional second stage: a one-vs-all cosine classifier W [L × d], one row per
 * label, initialised with the label prototypes and trained on the frozen, normalised query
 * embeddings of the training set.
 *
 * Negatives are the labels the prototypes rank highest for the query (its `shortlist` hardest,
 * found once with the exact search), the query's own-text label left out (train.ignoreSelf); the
 * loss is a multi-positive softmax over positives and shortlist at temperature τ:
 *   loss_i = −(1/|P_i|) Σ_{p∈P_i} log softmax_{c ∈ P_i ∪ S_i}(cos(w_c, q_i) / τ)_p
 * (a CPU choice, measured on wordnet against the reference's triplet; see the README). Rows of
 * labels without training positives are never updated: their classifier is their prototype, so
 * zero-shot labels keep the scale of the trained ones. Adam with lazy (touched-rows-only)
 * updates, linear warm-up and decay.
 *
 * The gradient of cos(w, q) = w·q / |w| with respect to w is (q − cos·ŵ) / |w|.
 */
import type { Csr } from "../../core/csr.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import { exactTopK } from "../../retrieval/exact.js";
import type { ClassifierParams } from "./params.js";

/** Candidate labels of every training query: its positives first, then its shortlist negatives. */
export interface Candidates {
  indptr: Int32Array;
  ids: Int32Array;
  /** Positives of query i: ids[indptr[i] .. indptr[i] + npos[i]). */
  npos: Int32Array;
}

/** Positives plus the `k` best-ranked non-positive labels by prototype cosine (the self label excluded). */
export function classifierCandidates(Q: Float32Array, Y: Csr, prototypes: Float32Array, d: number, k: number, selfLabel: Int32Array | null): Candidates {
  const n = Y.rows, L = Y.cols;
  const wide = Math.min(L, k + 8);
  const top = exactTopK(prototypes, L, d, Q, n, wide);
  const indptr = new Int32Array(n + 1), npos = new Int32Array(n);
  const rows: Int32Array[] = [];
  const stamp = new Int32Array(L).fill(-1);
  for (let i = 0; i < n; i++) {
    const out: number[] = [];
    for (let p = Y.indptr[i]; p < Y.indptr[i + 1]; p++) {
      out.push(Y.indices[p]);
      stamp[Y.indices[p]] = i;
    }
    npos[i] = out.length;
    const self = selfLabel ? selfLabel[i] : -1;
    for (let j = 0; j < wide && out.length - npos[i] < k; j++) {
      const l = top.ids[i * wide + j];
      if (l < 0 || stamp[l] === i || l === self) continue;
      out.push(l);
    }
    rows.push(Int32Array.from(out));
    indptr[i + 1] = indptr[i] + out.length;
  }
  const ids = new Int32Array(indptr[n]);
  rows.forEach((r, i) => ids.set(r, indptr[i]));
  return { indptr, ids, npos };
}

/** Loss of one query and d loss / d score of each of its candidates (scores are cosines). */
export function softmaxCandidatesLoss(scores: Float32Array, npos: number, tau: number, grad: Float32Array): number {
  const m = scores.length;
  let mx = -Infinity;
  for (let j = 0; j < m; j++) mx = Math.max(mx, scores[j] / tau);
  let z = 0;
  for (let j = 0; j < m; j++) {
    grad[j] = Math.exp(scores[j] / tau - mx);
    z += grad[j];
  }
  let loss = 0;
  for (let j = 0; j < m; j++) grad[j] /= z; // softmax probabilities
  for (let j = 0; j < npos; j++) {
    loss -= Math.log(Math.max(grad[j], 1e-30)) / npos;
    grad[j] -= 1 / npos;
  }
  for (let j = 0; j < m; j++) grad[j] /= tau;
  return loss;
}

/**
 * Loss of one query q over its candidate labels `ids` (positives first), and its gradient with
 * respect to the rows of W added into G; rows of labels with counts[l] = 0 get none. `onRow` is
 * called for every row that receives gradient. s, g: scratch of at least ids.length.
 */
export function candidateLossGrad(
  W: Float32Array, norms: Float32Array, d: number, q: Float32Array, ids: Int32Array, npos: number, tau: number,
  counts: Int32Array, G: Float32Array, s: Float32Array, g: Float32Array, onRow: (l: number) => void,
): number {
  const m = ids.length, sc = s.subarray(0, m), gr = g.subarray(0, m);
  for (let j = 0; j < m; j++) {
    const wo = ids[j] * d;
    let acc = 0;
    for (let k = 0; k < d; k++) acc += W[wo + k] * q[k];
    sc[j] = acc / norms[ids[j]];
  }
  const loss = softmaxCandidatesLoss(sc, npos, tau, gr);
  for (let j = 0; j < m; j++) {
    const l = ids[j];
    if (counts[l] === 0) continue; // zero-shot labels keep their prototype
    onRow(l);
    const wo = l * d, inv = 1 / norms[l], coef = gr[j] * inv, cs = sc[j] * inv;
    for (let k = 0; k < d; k++) G[wo + k] += coef * (q[k] - cs * W[wo + k]);
  }
  return loss;
}

/** Statistics of one classifier epoch. */
export interface ClassifierEpoch {
  epoch: number;
  loss: number;
  seconds: number;
}

/**
 * Train the classifier; returns W with L2-normalised rows [L × d].
 * Q: normalised query embeddings [n × d] (rows of Y); counts: training positives per label.
 */
export function trainClassifier(
  Q: Float32Array, Y: Csr, prototypes: Float32Array, d: number, counts: Int32Array, selfLabel: Int32Array | null,
  p: ClassifierParams, seed: number, progress: Progress = silentProgress, onEpoch?: (e: ClassifierEpoch) => void,
): Float32Array {
  const n = Y.rows, L = Y.cols;
  const W = prototypes.slice(0, L * d);
  if (p.epochs === 0 || n === 0) return W;
  const t0 = performance.now();
  const cand = classifierCandidates(Q, Y, prototypes, d, p.shortlist, selfLabel);
  progress.log(`classifier: ${p.shortlist} shortlist negatives per query from the prototypes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const norms = new Float32Array(L);
  for (let l = 0; l < L; l++) norms[l] = rowNorm(W, l, d);
  progress.log(`classifier: ${p.epochs} epochs over ${n} queries, ${L} labels`);
  const m1 = new Float32Array(L * d), m2 = new Float32Array(L * d), G = new Float32Array(L * d);
  const touched = new Uint8Array(L), list = new Int32Array(L);
  let nt = 0;
  let maxC = 0;
  for (let i = 0; i < n; i++) maxC = Math.max(maxC, cand.indptr[i + 1] - cand.indptr[i]);
  const s = new Float32Array(maxC), g = new Float32Array(maxC);
  const rng = new Rng(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batches = Math.ceil(n / p.batch), total = p.epochs * batches, warm = Math.min(100, Math.max(1, total >> 3));
  const b1 = 0.9, b2 = 0.999;
  let step = 0;
  for (let e = 0; e < p.epochs; e++) {
    const te = performance.now();
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let lossSum = 0;
    progress.start(`classifier epoch ${e + 1}/${p.epochs}`, n);
    for (let a = 0; a < n; a += p.batch) {
      const end = Math.min(n, a + p.batch);
      nt = 0;
      for (let r = a; r < end; r++) {
        const i = order[r], c0 = cand.indptr[i], c1 = cand.indptr[i + 1];
        lossSum += candidateLossGrad(W, norms, d, Q.subarray(i * d, (i + 1) * d), cand.ids.subarray(c0, c1), cand.npos[i], p.tau, counts, G, s, g, (l) => {
          if (!touched[l]) {
            touched[l] = 1;
            list[nt++] = l;
          }
        });
      }
      step++;
      const lr = p.lr * Math.min(step / warm, Math.max(0, (total - step) / Math.max(1, total - warm)));
      const scale = 1 / (end - a), c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
      for (let t = 0; t < nt; t++) {
        const l = list[t], wo = l * d;
        touched[l] = 0;
        for (let k = wo; k < wo + d; k++) {
          const gk = G[k] * scale;
          G[k] = 0;
          m1[k] = b1 * m1[k] + (1 - b1) * gk;
          m2[k] = b2 * m2[k] + (1 - b2) * gk * gk;
          W[k] -= (lr * (m1[k] / c1)) / (Math.sqrt(m2[k] / c2) + 1e-8);
        }
        norms[l] = rowNorm(W, l, d);
      }
      progress.tick(end - a);
    }
    progress.stop();
    const stats = { epoch: e + 1, loss: lossSum / n, seconds: (performance.now() - te) / 1000 };
    progress.log(`classifier epoch ${e + 1}/${p.epochs}: loss ${stats.loss.toFixed(4)}, ${stats.seconds.toFixed(1)} s`);
    onEpoch?.(stats);
  }
  for (let l = 0; l < L; l++) {
    const inv = 1 / norms[l];
    for (let k = l * d; k < (l + 1) * d; k++) W[k] *= inv;
  }
  return W;
}

export function rowNorm(W: Float32Array, l: number, d: number): number {
  let a = 0;
  for (let k = l * d; k < (l + 1) * d; k++) a += W[k] * W[k];
  return Math.sqrt(a) + 1e-12;
}

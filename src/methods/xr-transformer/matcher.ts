/**
 * Multi-resolution training of the encoder along a label tree (XR-Transformer's matcher):
 * one stage per tree level with at most `maxMatchClusters` nodes, coarse to fine. Stage t trains
 * the encoder and a linear head over the level's K_t nodes on each instance's active set: all
 * nodes at the first stage; afterwards the children of its true parents (TFN) and/or of the
 * parents the previous stage ranks highest for it (MAN), subsampled to `maxActiveLabels`
 * (positives first). The loss is the (weighted) squared hinge, a positive node weighted by the
 * number of the instance's labels under it. The encoder carries over from stage to stage and
 * the head of stage t starts from its parent's row (bootstrapping by inheritance).
 *
 * Determinism: one thread, every draw from Rng(seed + stage), so a seed fixes the result.
 */
import { type Csr, RowSetBuilder } from "../../core/csr.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import { Rng } from "../../core/rng.js";
import { topKIndices } from "../../core/topk.js";
import { gemm } from "../../nn/gemm.js";
import { normalData } from "../../nn/init.js";
import { AdamW, SparseAdam } from "../../nn/optim.js";
import { linearWarmupDecay } from "../../nn/schedule.js";
import { backward } from "../../nn/tape.js";
import { param, type Tensor } from "../../nn/tensor.js";
import { type ChainLevel, type ClusterChain, parentsOf } from "../../tree/chain.js";
import type { XrtEncoder } from "./encoder.js";
import { activeHingeLoss, activeScores } from "./loss.js";
import type { XrtMatcherParams } from "./params.js";

/** Active nodes per instance: CSR over instances, sorted node ids per row. */
export interface NodeSets {
  ptr: Int32Array;
  idx: Int32Array;
}

/** Per level t, the level-t node above every label (the last level maps each label to itself). */
export function labelAncestors(chain: ClusterChain): Int32Array[] {
  const D = chain.length, L = chain[D - 1].nNodes;
  const out: Int32Array[] = new Array(D);
  out[D - 1] = Int32Array.from({ length: L }, (_, l) => l);
  for (let t = D - 1; t > 0; t--) {
    const { ptr, parents } = parentsOf(chain[t]);
    const below = out[t];
    out[t - 1] = Int32Array.from(below, (n) => parents[ptr[n]]);
  }
  return out;
}

/** Y_t (N × K): per instance, its level-t nodes with the number of its labels under each. */
export function levelCounts(Y: Csr, ancestors: Int32Array, K: number): Csr {
  const N = Y.rows, indptr = new Int32Array(N + 1);
  const idx: number[] = [], val: number[] = [];
  const count = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    count.clear();
    for (let k = Y.indptr[i]; k < Y.indptr[i + 1]; k++) {
      const n = ancestors[Y.indices[k]];
      count.set(n, (count.get(n) ?? 0) + 1);
    }
    const nodes = [...count.keys()].sort((a, b) => a - b);
    for (const n of nodes) {
      idx.push(n);
      val.push(count.get(n)!);
    }
    indptr[i + 1] = idx.length;
  }
  return { rows: N, cols: K, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
}

/**
 * Candidate active nodes of level t per instance: the children (in `level`, the chain level of t)
 * of the instance's true parents (`parents`, rows of Y_{t−1}; TFN) and/or of its top predicted
 * parents (`man`, `k` per row; MAN), together with its own positives (rows of `Yt`). With no
 * previous level (`level.nParents` = 1) every node is active.
 */
export function activeCandidates(Yt: Csr, parents: Csr | null, man: Int32Array | null, k: number, level: ChainLevel): NodeSets {
  const N = Yt.rows;
  const rows = new RowSetBuilder(N, level.nNodes);
  const pmark = new Int32Array(level.nParents).fill(-1);
  for (let i = 0; i < N; i++) {
    const addParent = (p: number) => {
      if (pmark[p] === i) return;
      pmark[p] = i;
      for (let c = level.ptr[p]; c < level.ptr[p + 1]; c++) rows.add(level.children[c]);
    };
    if (level.nParents === 1) addParent(0);
    else {
      if (parents) for (let q = parents.indptr[i]; q < parents.indptr[i + 1]; q++) addParent(parents.indices[q]);
      if (man) for (let q = i * k; q < (i + 1) * k; q++) if (man[q] >= 0) addParent(man[q]);
    }
    for (let q = Yt.indptr[i]; q < Yt.indptr[i + 1]; q++) rows.add(Yt.indices[q]);
    rows.endRow();
  }
  return { ptr: rows.ptr, idx: rows.indices() };
}

/** The active slots of a batch: CSR over its rows, positives first, with their counts (0 for negatives). */
export interface ActiveBatch {
  ptr: Int32Array;
  nodes: Int32Array;
  counts: Float32Array;
}

/**
 * Active slots of `rows`: every positive of the row (Y_t), then its other candidates, at most
 * `cap` slots in all when there are more (negatives drawn at random without replacement).
 */
export function sampleActive(rows: ArrayLike<number>, Yt: Csr, cand: NodeSets, cap: number, rng: Rng): ActiveBatch {
  const B = rows.length, ptr = new Int32Array(B + 1);
  const nodes: number[] = [], counts: number[] = [];
  const neg: number[] = [];
  for (let b = 0; b < B; b++) {
    const i = rows[b];
    const p0 = Yt.indptr[i], p1 = Yt.indptr[i + 1];
    for (let q = p0; q < p1; q++) {
      nodes.push(Yt.indices[q]);
      counts.push(Yt.data[q]);
    }
    neg.length = 0;
    let q = p0;
    for (let c = cand.ptr[i]; c < cand.ptr[i + 1]; c++) {
      const n = cand.idx[c];
      while (q < p1 && Yt.indices[q] < n) q++;
      if (q < p1 && Yt.indices[q] === n) continue;
      neg.push(n);
    }
    const room = Math.max(0, cap - (p1 - p0));
    const take = Math.min(room, neg.length);
    if (take < neg.length) {
      for (let j = 0; j < take; j++) {
        const r = j + rng.int(neg.length - j);
        const t = neg[j];
        neg[j] = neg[r];
        neg[r] = t;
      }
    }
    for (let j = 0; j < take; j++) {
      nodes.push(neg[j]);
      counts.push(0);
    }
    ptr[b + 1] = nodes.length;
  }
  return { ptr, nodes: Int32Array.from(nodes), counts: Float32Array.from(counts) };
}

/** A new head table (K × (d+1)): weights N(0, 0.02), bias 0. */
export function randomHead(K: number, d: number, rng: Rng, name: string): Tensor {
  const data = normalData([K, d + 1], 0.02, rng);
  for (let k = 0; k < K; k++) data[k * (d + 1) + d] = 0;
  return param(data, [K, d + 1], name, true);
}

/** Bootstrapping by inheritance: each node of `level` starts from its parent's row of `parentHead`. */
export function inheritHead(parentHead: Tensor, level: ChainLevel, name: string): Tensor {
  const D = parentHead.shape[1], K = level.nNodes;
  const data = new Float32Array(K * D);
  for (let p = 0; p < level.nParents; p++) {
    const src = parentHead.data.subarray(p * D, (p + 1) * D);
    for (let c = level.ptr[p]; c < level.ptr[p + 1]; c++) data.set(src, level.children[c] * D);
  }
  return param(data, [K, D], name, true);
}

/** The `k` highest-scoring nodes of a head for every row of E (n × d), −1 where K < k. */
export function topNodes(E: Float32Array, n: number, head: Tensor, k: number): Int32Array {
  const K = head.shape[0], D = head.shape[1], d = D - 1;
  const W = new Float32Array(K * d);
  for (let j = 0; j < K; j++) W.set(head.data.subarray(j * D, j * D + d), j * d);
  const out = new Int32Array(n * k).fill(-1);
  const chunk = 1024;
  const S = new Float32Array(chunk * K);
  for (let a = 0; a < n; a += chunk) {
    const m = Math.min(chunk, n - a);
    gemm(false, true, m, K, d, E.subarray(a * d, (a + m) * d), W, S);
    for (let r = 0; r < m; r++) {
      const s = S.subarray(r * K, (r + 1) * K);
      for (let j = 0; j < K; j++) s[j] += head.data[j * D + d];
      out.set(topKIndices(s, K, k), (a + r) * k);
    }
  }
  return out;
}

/** What one stage did (for logs and the benchmark's CPU table). */
export interface StageStats {
  level: number;
  nodes: number;
  steps: number;
  meanActive: number;
  loss: number;
  seconds: number;
  cpuSeconds: number;
}

/** Options of {@link trainMatcher}. */
export interface MatcherOptions {
  progress?: Progress;
}

/** The chain levels the stages train: every level with at most maxMatchClusters nodes (the label level only with labelLevel), or only the last of them. */
export function stageLevels(chain: ClusterChain, p: XrtMatcherParams): number[] {
  const levels: number[] = [];
  const last = p.labelLevel ? chain.length : chain.length - 1;
  for (let t = 0; t < last; t++) if (chain[t].nNodes <= p.maxMatchClusters) levels.push(t);
  if (p.resolution === "last" && levels.length > 1) return levels.slice(-1);
  return levels;
}

/** Train `enc` coarse to fine along `chain` on the token documents `docs` with labels Y. Returns per-stage statistics. */
export function trainMatcher(enc: XrtEncoder, docs: readonly Int32Array[], Y: Csr, chain: ClusterChain, p: XrtMatcherParams, o: MatcherOptions = {}): StageStats[] {
  const progress = o.progress ?? silentProgress;
  const levels = stageLevels(chain, p);
  const stats: StageStats[] = [];
  if (levels.length === 0 || p.epochs === 0) {
    progress.log(`matcher: no stage to train (${p.epochs === 0 ? "0 epochs" : `no level of ${chain.map((l) => l.nNodes).join(" → ")} nodes fits max-match-clusters ${p.maxMatchClusters}${p.labelLevel ? "" : " below the label level"}`}); the encoder is the bag of skip-gram vectors`);
    return stats;
  }
  const anc = labelAncestors(chain);
  const d = enc.dim, N = Y.rows;
  let head: Tensor | null = null;
  let prevLevel = -1;
  let man: Int32Array | null = null;
  const dense = enc.parameters().filter((t) => !t.sparseGrad);
  for (const t of levels) {
    const lv = chain[t];
    const rng = new Rng(p.seed * 7919 + t + 1);
    const Yt = levelCounts(Y, anc[t], lv.nNodes);
    const contiguous = prevLevel === t - 1 && head !== null;
    // the head: bootstrapped from the previous stage's when that stage trained the parent level
    if (contiguous && p.bootstrap === "inherit") head = inheritHead(head!, lv, `head.${t}`);
    else head = randomHead(lv.nNodes, d, rng, `head.${t}`);
    const useTfn = p.negatives !== "man" || !contiguous;
    const useMan = p.negatives !== "tfn" && contiguous && man !== null;
    const parents = t > 0 && useTfn ? levelCounts(Y, anc[t - 1], chain[t - 1].nNodes) : null;
    const cand = activeCandidates(Yt, parents, useMan ? man : null, p.onlyTopk, lv);
    const denseOpt = new AdamW(dense, { lr: p.lr, weightDecay: 0, eps: 1e-8 });
    const sparseOpt = new SparseAdam([enc.table, head], { lr: p.sparseLr, eps: 1e-8 });
    const perEpoch = Math.ceil(N / p.batch);
    const total = Math.max(1, perEpoch * p.epochs);
    const schedule = linearWarmupDecay({ peakLr: 1, warmupSteps: Math.max(1, Math.min(p.warmupSteps, total - 1)), totalSteps: total, endLr: 0 });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let lossSum = 0, activeSum = 0, step = 0;
    const order = Int32Array.from({ length: N }, (_, i) => i);
    for (let e = 0; e < p.epochs; e++) {
      rng.shuffle(order);
      progress.start(`matcher level ${t + 1}/${chain.length} (${lv.nNodes} nodes), epoch ${e + 1}/${p.epochs}`, N);
      for (let b = 0; b < perEpoch; b++, step++) {
        const rows = order.subarray(b * p.batch, Math.min(N, (b + 1) * p.batch));
        const act = sampleActive(rows, Yt, cand, p.maxActiveLabels, rng);
        const s = schedule(step).lr;
        denseOpt.lr = s * p.lr;
        sparseOpt.lr = s * p.sparseLr;
        denseOpt.zeroGrad();
        sparseOpt.zeroGrad();
        const emb = enc.forward(enc.bags(Array.from(rows, (r) => docs[r])), true, rng);
        const z = activeScores(emb, head, act.ptr, act.nodes);
        const loss = activeHingeLoss(z, act.ptr, act.counts, p.loss);
        backward(loss);
        denseOpt.step();
        sparseOpt.step();
        lossSum += loss.item();
        activeSum += act.nodes.length / rows.length;
        progress.tick(rows.length);
      }
      progress.stop();
    }
    const cpu = process.cpuUsage(cpu0);
    const st: StageStats = {
      level: t, nodes: lv.nNodes, steps: step, meanActive: activeSum / Math.max(1, step), loss: lossSum / Math.max(1, step),
      seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    stats.push(st);
    progress.log(`matcher level ${t + 1}/${chain.length}: ${lv.nNodes} nodes, ${st.meanActive.toFixed(1)} active per instance, loss ${st.loss.toFixed(4)}, ${st.seconds.toFixed(1)} s`);
    // the next stage's MAN: this stage's top parents for every training instance
    const next = levels[levels.indexOf(t) + 1];
    if (next === t + 1 && p.negatives !== "tfn") man = topNodes(enc.embedAll(docs), N, head, p.onlyTopk);
    prevLevel = t;
  }
  return stats;
}

/**
 * XR-Transformer's ranker: XR-Linear on the concatenation [TF-IDF | α·ê] of an instance's sparse
 * TF-IDF row and its L2-normalised embedding ê, each row rescaled to unit norm, over refined trees
 * built by PIFA on those features. Feature ids: TF-IDF columns first (0..F−1), the embedding after
 * them (F..F+d−1). `features` "tfidf" keeps only the first block (XR-Linear), "embedding" only the
 * second (ids 0..d−1).
 */
import type { Csr } from "../../core/csr.js";
import { TopKHeap } from "../../core/topk.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import type { SolverParams } from "../../linear/params.js";
import { createTrainPool, type NegativeScheme, pifaOnPool, trainChain } from "../../linear/train-chain.js";
import { BeamSearcher, type LevelWeights, type Ranked, type SearchLookup } from "../../search/beam.js";
import { type Combiner, combineRankings } from "../../search/combine.js";
import { postProcessor, type PostProcessorName } from "../../search/postprocess.js";
import { buildLabelTree } from "../../tree/build.js";
import type { ClusterChain } from "../../tree/chain.js";
import type { XrtRankerParams } from "./params.js";

export type RankerFeatures = XrtRankerParams["features"];

/** Number of ranker features for F TF-IDF columns and embedding width d. */
export function rankerDim(features: RankerFeatures, F: number, d: number): number {
  return features === "tfidf" ? F : features === "embedding" ? d : F + d;
}

/**
 * The ranker rows of n instances: TF-IDF rows `X` (unit or zero norm) and L2-normalised
 * embeddings `E` (n × d), each output row [x | α·ê] divided by its norm.
 */
export function concatFeatures(X: Csr, E: Float32Array, d: number, alpha: number, features: RankerFeatures): Csr {
  const n = X.rows, F = X.cols;
  const useX = features !== "embedding", useE = features !== "tfidf";
  const a = features === "embedding" ? 1 : alpha;
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + (useX ? X.indptr[i + 1] - X.indptr[i] : 0) + (useE ? d : 0);
  const indices = new Int32Array(indptr[n]), data = new Float32Array(indptr[n]);
  const off = features === "embedding" ? 0 : F;
  for (let i = 0; i < n; i++) {
    let o = indptr[i], s = 0;
    if (useX) {
      for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++, o++) {
        indices[o] = X.indices[k];
        data[o] = X.data[k];
        s += X.data[k] * X.data[k];
      }
    }
    if (useE) {
      for (let j = 0; j < d; j++, o++) {
        const v = a * E[i * d + j];
        indices[o] = off + j;
        data[o] = v;
        s += v * v;
      }
    }
    if (s > 0 && Math.abs(s - 1) > 1e-7) {
      const f = 1 / Math.sqrt(s);
      for (let k = indptr[i]; k < indptr[i + 1]; k++) data[k] *= f;
    }
  }
  return { rows: n, cols: rankerDim(features, F, d), indptr, indices, data };
}

/** One refined tree with its per-level weights. */
export interface RankerTree {
  chain: ClusterChain;
  weights: LevelWeights[];
  /** The search's lookup structures, when the load built them (on two threads: search/tree-load.ts). */
  lookup?: SearchLookup;
}

export interface RankerTrainOptions {
  threads: number;
  seed: number;
  postProcessor: PostProcessorName;
  progress?: Progress;
}

/**
 * The first level of a refined tree trained with matcher-aware negatives (chain.length: none).
 * "last": the label level only, as the reference ranker, and only when its parent level has more
 * nodes than the beam that routes the instances: a beam as wide as the parent level sends every
 * instance to every parent, so each label would be trained on all instances (one-vs-all, not
 * matcher-aware; on held-out debian-debtags, whose refined trees have 8 parents above the labels,
 * that lowered P@3 and P@5 by 0.3 for 4 times the ranker's CPU). "all": every level below the
 * first, as XR-Linear's train.negatives.
 */
export function manFromLevel(chain: ClusterChain, p: Pick<XrtRankerParams, "negatives" | "manLevels" | "manBeam">): number {
  if (p.negatives === "tfn") return chain.length;
  if (p.manLevels === "all") return 1;
  const last = chain.length - 1;
  return last >= 1 && chain[last].nParents > p.manBeam ? last : chain.length;
}

/** Build `p.trees` refined trees on (Xc, Y) and train XR-Linear on each. */
export async function trainRanker(Xc: Csr, Y: Csr, p: XrtRankerParams, solver: SolverParams, o: RankerTrainOptions): Promise<RankerTree[]> {
  const progress = o.progress ?? silentProgress;
  const pool = createTrainPool(Xc, o.threads);
  const trees: RankerTree[] = [];
  try {
    const Z = await pifaOnPool(pool, Xc, Y);
    for (let i = 0; i < p.trees; i++) {
      progress.log(`ranker tree ${i + 1}/${p.trees}: clustering ${Y.cols} labels on ${Xc.cols} features`);
      const chain = buildLabelTree(Xc, Y, { nrSplits: p.nrSplits, maxLeafSize: p.maxLeafSize, kmeansMaxIter: 20, seed: o.seed + i }, Z);
      const weights = await trainChain(Xc, Y, chain, {
        solver,
        negatives: p.negatives as NegativeScheme,
        threads: o.threads,
        pool,
        seed: o.seed + i,
        beamSize: p.manBeam,
        manFromLevel: manFromLevel(chain, p),
        post: postProcessor(o.postProcessor),
        progress,
      });
      trees.push({ chain, weights });
    }
  } finally {
    await pool?.close();
  }
  return trees;
}

/** Beam search over every tree for one ranker row, scores combined. */
export class RankerSearch {
  private readonly searchers: BeamSearcher[];
  constructor(trees: RankerTree[], dim: number, bias: number, private readonly combine: Combiner) {
    this.searchers = trees.map((t) => new BeamSearcher(t.chain, t.weights, dim, bias, {}, t.lookup));
  }

  search(idx: Int32Array, val: Float32Array, q0: number, q1: number, beamSize: number, topK: number, post: PostProcessorName): Ranked {
    const several = this.searchers.length > 1;
    return combineRankings(this.lists(idx, val, q0, q1, beamSize, several ? 2 * topK : topK, post), this.combine, topK);
  }

  /** {@link search} for rows [r0, r1) of X, searched together (`BeamSearcher.searchRows`: the same answers). */
  searchRows(X: Csr, r0: number, r1: number, beamSize: number, topK: number, post: PostProcessorName): Ranked[] {
    const several = this.searchers.length > 1;
    const lists = this.listsRows(X, r0, r1, beamSize, several ? 2 * topK : topK, post);
    return lists.map((l) => combineRankings(l, this.combine, topK));
  }

  /** {@link lists} for rows [r0, r1) of X: per row, each tree's own top `k`. */
  listsRows(X: Csr, r0: number, r1: number, beamSize: number, k: number, post: PostProcessorName): Ranked[][] {
    const pp = postProcessor(post);
    const byTree = this.searchers.map((s) => s.searchRows(X, r0, r1, { beamSize, topK: k, post: pp }));
    return Array.from({ length: r1 - r0 }, (_, q) => byTree.map((t) => t[q]));
  }

  /** Each tree's own top `k` for one ranker row (to combine with other trees' lists). */
  lists(idx: Int32Array, val: Float32Array, q0: number, q1: number, beamSize: number, k: number, post: PostProcessorName): Ranked[] {
    const pp = postProcessor(post);
    return this.searchers.map((s) => s.search(idx, val, q0, q1, { beamSize, topK: k, post: pp }));
  }
}

/**
 * Score-level fusion of two ranked lists of one query: (1 − w)·a + w·b over their union (a label
 * absent from a list scores 0 there), the best `topK`; ties go to the lower label id.
 */
export function fuseRankings(a: Ranked, b: Ranked, w: number, topK: number): Ranked {
  const acc = new Map<number, number>();
  for (let i = 0; i < a.labels.length; i++) acc.set(a.labels[i], (1 - w) * a.scores[i]);
  for (let i = 0; i < b.labels.length; i++) acc.set(b.labels[i], (acc.get(b.labels[i]) ?? 0) + w * b.scores[i]);
  const heap = new TopKHeap(Math.min(topK, acc.size));
  for (const [label, s] of acc) heap.push(label, s);
  const labels = new Int32Array(heap.size), scores = new Float64Array(heap.size);
  heap.drainSorted(labels, scores, 0, 0);
  return { labels, scores: Float32Array.from(scores) };
}

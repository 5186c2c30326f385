import { TopKHeap } from "../core/topk.js";
import type { Ranked } from "./beam.js";

export const COMBINERS = ["mean", "rank", "softmax"] as const;
export type Combiner = (typeof COMBINERS)[number];

/**
 * Combine the ranked lists of several trees for one query into one list of topK.
 * - mean: average of post-processed scores over all trees (a label absent from a tree's list counts 0);
 * - rank: average of 1 / (rank + 1) over trees (absent = 0);
 * - softmax: average over trees of softmax(scores / temperature) within each tree's list.
 * Ties are broken by lower label id.
 */
export function combineRankings(lists: Ranked[], how: Combiner, topK: number, temperature = 0.1): Ranked {
  if (lists.length === 1) return truncate(lists[0], topK);
  const acc = new Map<number, number>();
  for (const r of lists) {
    let weights: Float64Array;
    if (how === "mean") weights = Float64Array.from(r.scores);
    else if (how === "rank") weights = Float64Array.from(r.labels, (_, i) => 1 / (i + 1));
    else {
      const m = r.scores.length > 0 ? r.scores[0] : 0;
      weights = Float64Array.from(r.scores, (s) => Math.exp((s - m) / temperature));
      const z = weights.reduce((a, b) => a + b, 0);
      for (let i = 0; i < weights.length; i++) weights[i] /= z || 1;
    }
    for (let i = 0; i < r.labels.length; i++) acc.set(r.labels[i], (acc.get(r.labels[i]) ?? 0) + weights[i]);
  }
  const heap = new TopKHeap(Math.min(topK, acc.size));
  for (const [label, sum] of acc) heap.push(label, sum);
  const labels = new Int32Array(heap.size), sums = new Float64Array(heap.size);
  heap.drainSorted(labels, sums, 0, 0);
  const n = lists.length;
  return { labels, scores: Float32Array.from(sums, (x) => x / n) };
}

function truncate(r: Ranked, k: number): Ranked {
  return r.labels.length <= k ? r : { labels: r.labels.slice(0, k), scores: r.scores.slice(0, k) };
}

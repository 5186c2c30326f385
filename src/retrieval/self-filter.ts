/**
 * The reciprocal-pair filter for data sets where a query can itself be a label (WordNet synsets,
 * LF-* pages): a label whose text is the query's own text is dropped from the query's ranking
 * (the Extreme Classification Repository removes such pairs from LF-* test sets and from
 * predictions, as the LF benchmarks do). Texts match after collapsing white space and trimming.
 */
import type { Ranked } from "../search/beam.js";

/** Collapse runs of white space and trim. */
export function normText(t: string): string {
  return t.replace(/\s+/g, " ").trim();
}

/** Label ids by normalised label text (labels without text are left out). */
export function labelsByText(labelTexts: readonly string[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  labelTexts.forEach((t, l) => {
    const k = normText(t);
    if (k === "") return;
    const list = m.get(k);
    if (list) list.push(l);
    else m.set(k, [l]);
  });
  return m;
}

/** Drop from `r` the labels whose text equals `query`, keeping at most `k` entries. */
export function dropSelf(r: Ranked, query: string, byText: Map<string, number[]>, k: number): Ranked {
  const self = byText.get(normText(query));
  if (!self) return r.labels.length > k ? { labels: r.labels.slice(0, k), scores: r.scores.slice(0, k) } : r;
  const labels: number[] = [], scores: number[] = [];
  for (let j = 0; j < r.labels.length && labels.length < k; j++) {
    if (self.includes(r.labels[j])) continue;
    labels.push(r.labels[j]);
    scores.push(r.scores[j]);
  }
  return { labels: Int32Array.from(labels), scores: Float32Array.from(scores) };
}

/**
 * Channels fused with XR-Linear's tree scores:
 *
 * - the neighbour vote: the query's k nearest training texts (cosine of the model's own TF-IDF
 *   rows, without the features of more than 5 % of the texts) pass a softmax of their similarities, sim/τ, on to their labels; a label's fused score is
 *   (1 − w)·tree + w·vote;
 * - the label-text channel: labels with no training instance (their rankers never saw a positive)
 *   score β·cos(query, label text), the label text vectorised by the model's own vectorizer, so a
 *   label never seen in training is returned when its text matches the query.
 *
 * Both are switched and weighted by the `fusion` params section; `auto` lets training choose on
 * a validation split (see auto.ts).
 */
import { type Csr, csrFromRows, transpose } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import type { Schema, ParamsOf } from "../../core/params.js";
import { TopKHeap } from "../../core/topk.js";
import type { TypedArray } from "../../model/format.js";
import { LexicalIndex } from "../../retrieval/lexical.js";
import { neighbourVote } from "../../retrieval/vote.js";
import type { Ranked } from "../../search/beam.js";

const SWITCH = ["auto", "on", "off"] as const;

export const FUSION_SCHEMA = {
  vote: {
    type: "string",
    default: "auto",
    choices: SWITCH,
    help: "nearest-neighbour vote fused with the trees (text data): auto chooses vote-weight and vote-tau on a validation split of the training data and keeps the vote only where its gain there exceeds 2.5 standard errors of the per-query difference, checked with trees and neighbours from all the rows outside that split; on uses the given weight; off: trees only",
  },
  voteWeight: { type: "number", default: 0.3, min: 0, max: 1, help: "w in (1 − w)·tree + w·vote" },
  voteK: { type: "number", default: 10, min: 1, max: 200, integer: true, help: "training texts that vote for a query" },
  voteTau: { type: "number", default: 0.1, min: 0.001, help: "temperature τ of the softmax over the neighbours' cosine similarities" },
  labelTexts: {
    type: "string",
    default: "auto",
    choices: SWITCH,
    help: "labels with no training instance score label-text-weight × cos(query, label text) (text data with a labels.txt of label texts): auto chooses the weight on a validation split, keeping P@1/3/5 there within 0.1 (or two queries' worth of P@1 on a small split); on uses the given weight; off: never",
  },
  labelTextWeight: { type: "number", default: 0.3, min: 0, help: "β: weight of the label-text cosine of a label with no training instance" },
  pifaLabelTexts: {
    type: "boolean",
    default: false,
    help: "cluster labels on their PIFA centroid concatenated with their own text's TF-IDF (PECOS's pifa_lf_concat), so labels with few or no instances sit with labels of similar text (text data with label texts)",
  },
} as const satisfies Schema;
export type FusionParams = ParamsOf<typeof FUSION_SCHEMA>;

/** The nearest training texts of a query and the labels they vote for. */
export class NeighbourChannel {
  readonly index: LexicalIndex;
  private heap: TopKHeap;
  private ids: Int32Array;
  private sims: Float32Array;

  constructor(
    /** Posting lists of the training rows (feature → rows, weights). */
    readonly postings: { indptr: Int32Array; rows: Int32Array; weights: Float32Array },
    /** Labels of every training row (CSR pattern). */
    readonly labelsOf: { indptr: Int32Array; indices: Int32Array },
    readonly nRows: number,
    readonly k: number,
    readonly tau: number,
  ) {
    if (labelsOf.indptr.length !== nRows + 1) throw new XmcError(`neighbour vote: ${labelsOf.indptr.length - 1} label rows for ${nRows} training rows`);
    this.index = new LexicalIndex(nRows, postings.indptr, postings.rows, postings.weights);
    this.heap = new TopKHeap(k);
    this.ids = new Int32Array(k);
    this.sims = new Float32Array(k);
  }

  /**
   * From the training feature rows X (L2-normalised) and their labels Y. Features in more than
   * 5 % of the rows (and at least 50) are left out of the index: they weigh little in a TF-IDF
   * cosine and their long posting lists would dominate the cost of a query.
   */
  static build(X: Csr, Y: Csr, k: number, tau: number): NeighbourChannel {
    const t = dropLongPostings(transpose(X), Math.max(50, Math.floor(0.05 * X.rows)));
    return new NeighbourChannel({ indptr: t.indptr, rows: t.indices, weights: t.data }, { indptr: Y.indptr, indices: Y.indices }, X.rows, k, tau);
  }

  /** Calls add(label, vote) for the labels of the query's neighbours (the votes of a query sum to 1). */
  vote(qIdx: ArrayLike<number>, qVal: ArrayLike<number>, a: number, b: number, add: (label: number, weight: number) => void): void {
    this.index.searchVector(qIdx, qVal, a, b, this.heap, this.ids, this.sims, 0, this.k);
    neighbourVote({ ids: this.ids, scores: this.sims }, this.k, 0, this.labelsOf, { kind: "softmax" }, this.tau, 1, add);
  }

  arrays(): Record<string, TypedArray> {
    return { "vote.ptr": this.postings.indptr, "vote.rows": this.postings.rows, "vote.w": this.postings.weights, "vote.yptr": this.labelsOf.indptr, "vote.y": this.labelsOf.indices };
  }

  static fromArrays(a: Record<string, TypedArray | undefined>, nRows: number, k: number, tau: number, src: string): NeighbourChannel {
    const need = (n: string) => {
      if (!a[n]) throw new XmcError(`${src}: model array "${n}" is missing`);
      return a[n];
    };
    return new NeighbourChannel(
      { indptr: need("vote.ptr") as Int32Array, rows: need("vote.rows") as Int32Array, weights: need("vote.w") as Float32Array },
      { indptr: need("vote.yptr") as Int32Array, indices: need("vote.y") as Int32Array },
      nRows, k, tau,
    );
  }
}

/** Posting lists (rows of the transposed matrix) longer than maxLen emptied. */
function dropLongPostings(t: Csr, maxLen: number): Csr {
  const indptr = new Int32Array(t.rows + 1);
  for (let r = 0; r < t.rows; r++) {
    const len = t.indptr[r + 1] - t.indptr[r];
    indptr[r + 1] = indptr[r] + (len <= maxLen ? len : 0);
  }
  if (indptr[t.rows] === t.indptr[t.rows]) return t;
  const indices = new Int32Array(indptr[t.rows]), data = new Float32Array(indptr[t.rows]);
  for (let r = 0; r < t.rows; r++) {
    if (indptr[r + 1] === indptr[r]) continue;
    indices.set(t.indices.subarray(t.indptr[r], t.indptr[r + 1]), indptr[r]);
    data.set(t.data.subarray(t.indptr[r], t.indptr[r + 1]), indptr[r]);
  }
  return { rows: t.rows, cols: t.cols, indptr, indices, data };
}

/** Label texts of the labels with no training instance, searchable by a query's features. */
export class LabelTextChannel {
  readonly index: LexicalIndex;
  private heap: TopKHeap;
  private ids: Int32Array;
  private sims: Float32Array;

  constructor(
    /** The label id of each indexed text. */
    readonly labels: Int32Array,
    readonly postings: { indptr: Int32Array; rows: Int32Array; weights: Float32Array },
    readonly k: number,
  ) {
    this.index = new LexicalIndex(labels.length, postings.indptr, postings.rows, postings.weights);
    this.heap = new TopKHeap(k);
    this.ids = new Int32Array(k);
    this.sims = new Float32Array(k);
  }

  /**
   * Index the texts of the labels whose training count is 0 (and whose text is not empty);
   * `vectorize` maps texts to L2-normalised rows of the model's feature space (dim columns).
   * Null when no such label has a text.
   */
  static build(labelTexts: readonly string[], counts: Int32Array, dim: number, vectorize: (texts: string[]) => Csr, k: number): LabelTextChannel | null {
    const labels: number[] = [];
    for (let l = 0; l < counts.length; l++) if (counts[l] === 0 && (labelTexts[l] ?? "").trim() !== "") labels.push(l);
    if (labels.length === 0) return null;
    const T = vectorize(labels.map((l) => labelTexts[l]));
    const rows: Int32Array[] = [], vals: Float32Array[] = [];
    for (let r = 0; r < T.rows; r++) {
      const a = T.indptr[r], b = T.indptr[r + 1];
      let n = a;
      while (n < b && T.indices[n] < dim) n++;
      rows.push(T.indices.slice(a, n));
      vals.push(T.data.slice(a, n));
    }
    const t = transpose(csrFromRows(dim, rows, vals));
    return new LabelTextChannel(Int32Array.from(labels), { indptr: t.indptr, rows: t.indices, weights: t.data }, k);
  }

  /** Calls add(label, cosine) for the best-matching label texts of a query. */
  match(qIdx: ArrayLike<number>, qVal: ArrayLike<number>, a: number, b: number, add: (label: number, cos: number) => void): void {
    this.index.searchVector(qIdx, qVal, a, b, this.heap, this.ids, this.sims, 0, this.k);
    for (let j = 0; j < this.k; j++) if (this.ids[j] >= 0) add(this.labels[this.ids[j]], this.sims[j]);
  }

  arrays(): Record<string, TypedArray> {
    return { "labelText.labels": this.labels, "labelText.ptr": this.postings.indptr, "labelText.rows": this.postings.rows, "labelText.w": this.postings.weights };
  }

  static fromArrays(a: Record<string, TypedArray | undefined>, k: number, src: string): LabelTextChannel {
    const need = (n: string) => {
      if (!a[n]) throw new XmcError(`${src}: model array "${n}" is missing`);
      return a[n];
    };
    return new LabelTextChannel(need("labelText.labels") as Int32Array, { indptr: need("labelText.ptr") as Int32Array, rows: need("labelText.rows") as Int32Array, weights: need("labelText.w") as Float32Array }, k);
  }
}

/** The channels a model fuses with its trees, with their weights. */
export interface Channels {
  vote: NeighbourChannel | null;
  voteWeight: number;
  labelText: LabelTextChannel | null;
  labelTextWeight: number;
}

export const NO_CHANNELS: Channels = Object.freeze({ vote: null, voteWeight: 0, labelText: null, labelTextWeight: 0 });

/** Whether any channel changes the trees' ranking. */
export function fuses(c: Channels): boolean {
  return (c.vote !== null && c.voteWeight > 0) || (c.labelText !== null && c.labelTextWeight > 0);
}

/**
 * Fuse one query's tree ranking with the channels: (1 − w)·tree + w·vote for every label, plus
 * β·cos for matched label texts; the best topK, ties by lower label id.
 */
export function fuseQuery(tree: Ranked, c: Channels, qIdx: ArrayLike<number>, qVal: ArrayLike<number>, a: number, b: number, topK: number): Ranked {
  const acc = new Map<number, number>();
  const wt = c.vote && c.voteWeight > 0 ? 1 - c.voteWeight : 1;
  for (let i = 0; i < tree.labels.length; i++) acc.set(tree.labels[i], wt * tree.scores[i]);
  const add = (l: number, v: number) => acc.set(l, (acc.get(l) ?? 0) + v);
  if (c.vote && c.voteWeight > 0) {
    const w = c.voteWeight;
    c.vote.vote(qIdx, qVal, a, b, (l, v) => add(l, w * v));
  }
  if (c.labelText && c.labelTextWeight > 0) {
    const beta = c.labelTextWeight;
    c.labelText.match(qIdx, qVal, a, b, (l, cos) => add(l, beta * cos));
  }
  const heap = new TopKHeap(Math.min(topK, acc.size));
  for (const [l, s] of acc) heap.push(l, s, -l);
  const labels = new Int32Array(heap.size), scores = new Float64Array(heap.size);
  heap.drainSorted(labels, scores, 0, 0);
  return { labels, scores: Float32Array.from(scores) };
}

/**
 * Looking inside an XR-Linear model: tree shapes, where a label sits and what its ranker
 * weighs, and which features of a query made a returned label score.
 */
import { XmcError } from "../../core/errors.js";
import type { Dataset } from "../../data/dataset.js";
import type { LevelWeights } from "../../search/beam.js";
import type { ChainLevel } from "../../tree/chain.js";
import type { FeatureContribution, InspectInfo } from "../method.js";
import type { XRLinearModel } from "./model.js";

/** What `explain` attributes (help text). */
export const XRLINEAR_EXPLAIN_HELP =
  "the largest positive terms w_f·x_f of the label's own ranker at the leaf level of the tree, x being the query's features and w the label's weights, averaged over the trees of an ensemble";

/** One edge of a level: the parent node and the child's position within the parent's children. */
interface Edge {
  parent: number;
  pos: number;
}

/** Every edge leading to `node` at this level (one in a strict tree; more with label copies). */
function edgesTo(level: ChainLevel, node: number): Edge[] {
  const out: Edge[] = [];
  for (let p = 0; p < level.nParents; p++) {
    for (let e = level.ptr[p]; e < level.ptr[p + 1]; e++) if (level.children[e] === node) out.push({ parent: p, pos: e - level.ptr[p] });
  }
  return out;
}

/** The weight vector of one edge as (feature, weight) pairs, the bias (feature `dim`) left out. */
function edgeWeights(W: LevelWeights, edge: Edge, dim: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let r = W.chunkPtr[edge.parent]; r < W.chunkPtr[edge.parent + 1]; r++) {
    const f = W.rowFeat[r];
    if (f >= dim) continue;
    for (let q = W.rowPtr[r]; q < W.rowPtr[r + 1]; q++) if (W.entChild[q] === edge.pos) out.set(f, W.entVal[q]);
  }
  return out;
}

/** Feature id → readable name: the TF-IDF vocabulary entry for text models, the id otherwise. */
function featureNamer(m: XRLinearModel): (f: number) => string {
  const names = m.vectorizer ? m.vectorizer.featureNames() : null;
  return (f) => (names && f < names.length ? names[f] : String(f));
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}

function top(acc: Map<number, number>, n: number, name: (f: number) => string, positiveOnly: boolean): FeatureContribution[] {
  return [...acc.entries()]
    .filter(([, w]) => !positiveOnly || w > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, n)
    .map(([f, w]) => ({ feature: name(f), weight: round(w) }));
}

/** Depth and nodes per level of every tree, the feature space, calibration. */
export function inspectXRLinear(m: XRLinearModel): InspectInfo {
  return {
    features: m.dim,
    text: m.vectorizer ? { vectorizers: m.vectorizer.parts.length, vocabulary: m.vectorizer.nFeatures } : null,
    calibrated: m.calibrated,
    trees: m.trees.map((t) => ({
      depth: t.chain.length,
      levelSizes: t.chain.map((lv) => lv.nNodes),
      // label copies from disentanglement: leaf edges beyond one per label
      labelCopies: t.chain[t.chain.length - 1].children.length - m.nLabels,
      nonzeroWeights: t.weights.reduce((s, w) => s + w.entVal.length, 0),
    })),
    fusion: {
      vote: m.channels.vote ? { weight: m.channels.voteWeight, k: m.channels.vote.k, tau: m.channels.vote.tau } : "off",
      labelTexts: m.channels.labelText ? { weight: m.channels.labelTextWeight, labels: m.channels.labelText.labels.length } : "off",
    },
    // how the "auto" settings were chosen on a validation split (null: given, or feature data)
    autoSettings: m.selection,
  };
}

/** The label's paths from the top level to its leaf (node ids per level), training count and top-weighted features. */
export function inspectXRLinearLabel(m: XRLinearModel, label: string, topFeatures: number): InspectInfo {
  const id = m.labelNames.indexOf(label);
  if (id < 0) throw new XmcError(`--label: the model has no label "${label}" (${m.nLabels} labels)`);
  const name = featureNamer(m);
  const paths: { tree: number; nodes: number[] }[] = [];
  const acc = new Map<number, number>();
  let nEdges = 0;
  m.trees.forEach((tree, ti) => {
    const D = tree.chain.length;
    for (const leaf of edgesTo(tree.chain[D - 1], id)) {
      const nodes = [id];
      let node = leaf.parent;
      for (let t = D - 2; t >= 0; t--) {
        nodes.unshift(node);
        node = t > 0 ? edgesTo(tree.chain[t], node)[0].parent : 0;
      }
      paths.push({ tree: ti, nodes });
      for (const [f, w] of edgeWeights(tree.weights[D - 1], leaf, m.dim)) acc.set(f, (acc.get(f) ?? 0) + w);
      nEdges++;
    }
  });
  for (const [f, w] of acc) acc.set(f, w / Math.max(1, nEdges));
  return { label, id, trainCount: m.trainLabelCounts[id], paths, topFeatures: top(acc, topFeatures, name, false) };
}

/**
 * For every point and every returned label, the features with the largest w_f·x_f in the
 * label's leaf ranker (with label copies, the copy whose ranker scores highest), averaged over
 * trees; only positive terms are listed.
 */
export function explainXRLinear(m: XRLinearModel, data: Dataset, ranked: readonly { labels: Int32Array }[], topFeatures: number): FeatureContribution[][][] {
  const X = m.featurize(data);
  const name = featureNamer(m);
  const cache = m.trees.map(() => new Map<number, { edges: Edge[]; weights: Map<number, number>[] }>());
  const leafOf = (ti: number, l: number) => {
    let c = cache[ti].get(l);
    if (!c) {
      const tree = m.trees[ti];
      const D = tree.chain.length;
      const edges = edgesTo(tree.chain[D - 1], l);
      c = { edges, weights: edges.map((e) => edgeWeights(tree.weights[D - 1], e, m.dim)) };
      cache[ti].set(l, c);
    }
    return c;
  };
  return ranked.map((r, i) => {
    const q0 = X.indptr[i], q1 = X.indptr[i + 1];
    return Array.from(r.labels, (l) => {
      const acc = new Map<number, number>();
      m.trees.forEach((_, ti) => {
        const { weights } = leafOf(ti, l);
        let best: Map<number, number> | null = null, bestScore = -Infinity;
        for (const w of weights) {
          const terms = new Map<number, number>();
          let s = 0;
          for (let q = q0; q < q1; q++) {
            const wf = w.get(X.indices[q]);
            if (wf === undefined) continue;
            const v = wf * X.data[q];
            terms.set(X.indices[q], v);
            s += v;
          }
          if (s > bestScore) [best, bestScore] = [terms, s];
        }
        if (best) for (const [f, v] of best) acc.set(f, (acc.get(f) ?? 0) + v / m.trees.length);
      });
      return top(acc, topFeatures, name, true);
    });
  });
}

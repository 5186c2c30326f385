/**
 * Meta-labels of SyncXML: a partition of the labels into K clusters from xmc's label tree
 * machinery — PIFA label embeddings over TF-IDF bags of words of the training texts (optionally
 * with each label's own text as one more pseudo-instance of that label, which gives labels
 * without training positives a sensible place), then balanced hierarchical spherical 2-means
 * (`balancedKMeansCodes`) down to clusters of at most ⌈L/K⌉ labels (K becomes the tree's power
 * of two). Reference: ECLARE-style tree of `data/eclare_tree.py`; the label-graph
 * smoothing of the reference is not done.
 */
import { type Csr, csrFromRows, groupBy } from "../../core/csr.js";
import { pifa } from "../../tree/pifa.js";
import { balancedKMeansCodes } from "../../tree/kmeans.js";

/** A partition of L labels into K clusters, as a cluster → labels CSR. */
export interface LabelClusters {
  /** Number of clusters. */
  K: number;
  /** K + 1 offsets into `labels`. */
  ptr: Int32Array;
  /** Label ids grouped by cluster (sorted within a cluster). */
  labels: Int32Array;
  /** Cluster of every label. */
  clusterOf: Int32Array;
}

/** Options of {@link buildLabelClusters}. */
export interface ClusterOptions {
  /** Wanted number of clusters (0: L / clusterSize). */
  clusters: number;
  clusterSize: number;
  maxIter: number;
  seed: number;
}

/** Clusters from a label → cluster code array. */
export function clustersFromCodes(codes: Int32Array, K: number): LabelClusters {
  const { ptr, order } = groupBy(codes, K);
  return { K, ptr, labels: order, clusterOf: codes.slice() };
}

/** L2-normalised TF-IDF bags of words (idf = ln(N/df) + 1 over `docs`) of token-id sequences (ids < 0 skipped). */
function tfidfBags(docs: readonly Int32Array[], V: number, idfDocs: readonly Int32Array[]): Csr {
  const df = new Float64Array(V);
  const mark = new Int32Array(V).fill(-1);
  idfDocs.forEach((d, i) => {
    for (const w of d) if (w >= 0 && mark[w] !== i) {
      mark[w] = i;
      df[w]++;
    }
  });
  const N = Math.max(1, idfDocs.length);
  const idx: number[][] = [], val: number[][] = [];
  for (const d of docs) {
    const tf = new Map<number, number>();
    for (const w of d) if (w >= 0) tf.set(w, (tf.get(w) ?? 0) + 1);
    const ii: number[] = [], vv: number[] = [];
    let s = 0;
    for (const [w, c] of tf) {
      const v = c * (Math.log(N / Math.max(1, df[w])) + 1);
      ii.push(w);
      vv.push(v);
      s += v * v;
    }
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    idx.push(ii);
    val.push(vv.map((v) => v * f));
  }
  return csrFromRows(V, idx, val);
}

/**
 * Cluster the L labels of `Y` (N × L) given the training texts as token-id sequences and,
 * optionally, each label's text (null entries or a null list: none).
 */
export function buildLabelClusters(
  docs: readonly Int32Array[], Y: Csr, vocabSize: number, labelDocs: readonly (Int32Array | null)[] | null, o: ClusterOptions,
): LabelClusters {
  const L = Y.cols;
  const want = o.clusters > 0 ? o.clusters : Math.max(1, Math.round(L / o.clusterSize));
  let maxLeafSize = Math.max(1, Math.ceil(L / want));
  while (maxLeafSize < L && 2 ** Math.ceil(Math.log2(L / maxLeafSize)) > L) maxLeafSize++; // at least one label per leaf
  // label texts become extra pseudo-instances, each carrying its one label
  const extraDocs: Int32Array[] = [], extraLabels: number[][] = [];
  if (labelDocs) labelDocs.forEach((d, l) => {
    if (d && d.some((w) => w >= 0)) {
      extraDocs.push(d);
      extraLabels.push([l]);
    }
  });
  const allDocs = extraDocs.length ? [...docs, ...extraDocs] : docs;
  const X = tfidfBags(allDocs, vocabSize, docs);
  let Yx = Y;
  if (extraDocs.length) {
    const rows: number[][] = [];
    for (let i = 0; i < Y.rows; i++) rows.push(Array.from(Y.indices.subarray(Y.indptr[i], Y.indptr[i + 1])));
    Yx = csrFromRows(L, [...rows, ...extraLabels]);
  }
  const Z = pifa(X, Yx);
  const { codes, nLeaves } = balancedKMeansCodes(Z, { maxLeafSize, maxIter: o.maxIter, seed: o.seed });
  return clustersFromCodes(codes, nLeaves);
}

import { type Csr, transposePattern } from "../core/csr.js";
import type { ChainLevel } from "./chain.js";

/**
 * Label disentanglement (Liu et al., NeurIPS 2021): let a label live in up to λ leaf
 * clusters, chosen by where the matcher sends the label's training instances.
 *
 * `counts` is A = Yᵀ·M as label → (cluster, count) lists: how many training instances of
 * label l the matcher's beam routes to leaf cluster k. All non-zero entries are walked by
 * count descending (ties: label, then cluster ascending); a label takes a cluster while
 * it has fewer than λ. A label's first cluster may differ from its k-means cluster. Labels
 * never reached keep their original cluster. With `maxClusterSize` > 0 an entry whose cluster
 * already holds that many labels is skipped (the label may take its next cluster): the reference
 * leaves sizes unconstrained, and a few clusters then gather thousands of labels, whose training
 * sets dominate the retraining cost. Returns the new bottom level (clusters → labels, a label
 * possibly under several clusters).
 */
export function assignLabelCopies(
  counts: { ptr: Int32Array; cluster: Int32Array; count: Int32Array },
  original: ChainLevel,
  lambda: number,
  maxClusterSize = 0,
): ChainLevel {
  const L = original.nNodes;
  const K = original.nParents;
  const n = counts.ptr[L];
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const labelOf = new Int32Array(n);
  for (let l = 0; l < L; l++) for (let q = counts.ptr[l]; q < counts.ptr[l + 1]; q++) labelOf[q] = l;
  order.sort((a, b) => counts.count[b] - counts.count[a] || labelOf[a] - labelOf[b] || counts.cluster[a] - counts.cluster[b]);
  const taken = new Int32Array(L);
  const size = new Int32Array(K);
  const cap = maxClusterSize > 0 ? maxClusterSize : Infinity;
  const pairs: [number, number][] = []; // (cluster, label)
  for (const q of order) {
    const l = labelOf[q], k = counts.cluster[q];
    if (taken[l] >= lambda || size[k] >= cap) continue;
    taken[l]++;
    size[k]++;
    pairs.push([k, l]);
  }
  for (let k = 0; k < K; k++) {
    for (let e = original.ptr[k]; e < original.ptr[k + 1]; e++) {
      const l = original.children[e];
      if (taken[l] === 0) {
        taken[l] = 1;
        pairs.push([k, l]);
      }
    }
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ptr = new Int32Array(K + 1);
  const children = new Int32Array(pairs.length);
  pairs.forEach(([k, l], i) => {
    ptr[k + 1]++;
    children[i] = l;
  });
  for (let k = 0; k < K; k++) ptr[k + 1] += ptr[k];
  return { nNodes: L, nParents: K, ptr, children };
}

/**
 * A = Yᵀ·M: for each label, the clusters its training instances are matched to, with counts.
 * `matched[i]` lists the leaf clusters the matcher returns for training instance i.
 */
export function matchCounts(Y: Csr, matched: Int32Array[], nClusters: number): { ptr: Int32Array; cluster: Int32Array; count: Int32Array } {
  const L = Y.cols;
  // label → instances
  const { ptr: lp, idx: inst } = transposePattern(Y.indptr, Y.indices, Y.rows, L);
  const acc = new Int32Array(nClusters);
  const touched: number[] = [];
  const ptr = new Int32Array(L + 1);
  const cl: number[] = [];
  const ct: number[] = [];
  for (let l = 0; l < L; l++) {
    for (let q = lp[l]; q < lp[l + 1]; q++) {
      for (const k of matched[inst[q]]) {
        if (acc[k] === 0) touched.push(k);
        acc[k]++;
      }
    }
    touched.sort((a, b) => a - b);
    for (const k of touched) {
      cl.push(k);
      ct.push(acc[k]);
      acc[k] = 0;
    }
    touched.length = 0;
    ptr[l + 1] = cl.length;
  }
  return { ptr, cluster: Int32Array.from(cl), count: Int32Array.from(ct) };
}

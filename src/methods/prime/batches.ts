/**
 * PRIME's batches: one positive per query drawn with probability ∝ the labels' inverse
 * propensities (tail labels favoured), and NGAME-style clustered batch orders: balanced spherical
 * 2-means of the stale query embeddings into clusters of `size` queries, the clusters shuffled and
 * concatenated, then cut into consecutive batches, so each batch holds similar queries and its
 * in-batch negatives are hard. `curriculumSize` doubles the cluster size as training goes on.
 */
import { XmcError } from "../../core/errors.js";
import { type Csr, groupBy } from "../../core/csr.js";
import { Rng } from "../../core/rng.js";
import { balancedKMeansCodes } from "../../tree/kmeans.js";
import type { BatchesParams } from "./params.js";

/** Draw one positive of each query ∝ `weight` (e.g. inverse propensity); queries are rows of Y. */
export function samplePositive(Y: Csr, row: number, weight: Float64Array, rng: Rng): number {
  const a = Y.indptr[row], b = Y.indptr[row + 1];
  if (b - a === 1) return Y.indices[a];
  let total = 0;
  for (let j = a; j < b; j++) total += weight[Y.indices[j]];
  let u = rng.next() * total;
  for (let j = a; j < b; j++) {
    u -= weight[Y.indices[j]];
    if (u < 0) return Y.indices[j];
  }
  return Y.indices[b - 1];
}

/** The cluster size of epoch `epoch` (0-based), or 0 for random batches. */
export function curriculumSize(p: BatchesParams, epoch: number): number {
  if (epoch < p.clusterFrom) return 0;
  const doublings = p.doubleEvery > 0 ? Math.floor((epoch - p.clusterFrom) / p.doubleEvery) : 0;
  return Math.min(p.maxClusterSize, p.clusterSize * 2 ** Math.min(30, doublings));
}

/** Whether epoch `epoch` re-clusters (the first clustered epoch, then every reclusterEvery). */
export function reclustersAt(p: BatchesParams, epoch: number): boolean {
  if (epoch < p.clusterFrom) return false;
  const size = curriculumSize(p, epoch);
  return (epoch - p.clusterFrom) % p.reclusterEvery === 0 || size !== curriculumSize(p, epoch - 1);
}

/** Clusters (a query → cluster code array) of N × d embeddings into groups of about `size`. */
export function clusterQueries(bank: Float32Array, N: number, d: number, size: number, seed: number): Int32Array {
  if (N < 2 || size >= N) return new Int32Array(N);
  const indptr = new Int32Array(N + 1);
  const indices = new Int32Array(N * d);
  for (let i = 0; i < N; i++) {
    indptr[i + 1] = (i + 1) * d;
    for (let j = 0; j < d; j++) indices[i * d + j] = j;
  }
  const Z: Csr = { rows: N, cols: d, indptr, indices, data: bank.subarray(0, N * d) };
  return balancedKMeansCodes(Z, { maxLeafSize: Math.max(1, size), maxIter: 10, seed }).codes;
}

/**
 * An epoch's query order: a random permutation (codes null), or the clusters in random order
 * with their members shuffled within each cluster.
 */
export function batchOrder(N: number, codes: Int32Array | null, rng: Rng): Int32Array {
  const order = new Int32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  if (!codes) {
    rng.shuffle(order);
    return order;
  }
  if (codes.length !== N) throw new XmcError(`batchOrder: ${codes.length} cluster codes for ${N} queries`);
  let K = 0;
  for (const c of codes) K = Math.max(K, c + 1);
  const { ptr, order: grouped } = groupBy(codes, K);
  const perm = new Int32Array(K);
  for (let k = 0; k < K; k++) perm[k] = k;
  rng.shuffle(perm);
  let o = 0;
  for (const k of perm) {
    const members = grouped.slice(ptr[k], ptr[k + 1]);
    rng.shuffle(members);
    order.set(members, o);
    o += members.length;
  }
  return order;
}

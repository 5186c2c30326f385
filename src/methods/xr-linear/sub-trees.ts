/**
 * The sub-tree recipe of XR-Linear (`train.subTrees` = K > 1, as in PECOS's distributed
 * XR-Linear): a meta-tree splits the labels into K groups by balanced spherical 2-means on
 * their PIFA embeddings (log2 K binary splits, so K is a power of two) and its levels are
 * trained as usual; then every group gets an independent sub-tree, clustered and trained on
 * the rows routed to it only. The sub-models are stitched into one ordinary tree (same
 * file format, same beam search). The same functions serve the single-machine trainer and
 * the distributed one, so both give the same model.
 */
import { type Csr, groupBy, RowSetBuilder, selectRows, transposePattern } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import type { LevelWeights } from "../../linear/level-weights.js";
import { trainChain, type NegativeScheme } from "../../linear/train-chain.js";
import { searchEveryRow } from "../../search/beam.js";
import { postProcessor } from "../../search/postprocess.js";
import { chainFromCodes, type ChainLevel, type ClusterChain } from "../../tree/chain.js";
import { balancedKMeansCodes } from "../../tree/kmeans.js";
import { pifa } from "../../tree/pifa.js";
import type { XRLinearParams } from "./params.js";
import { memberLabelCopies, memberPost, memberSolverParams, memberTreeParams, type TreeModel, type TreeTrainOptions } from "./train.js";

/** The trained top of one tree and how its labels and rows are split among the sub-trees. */
export interface MetaTree {
  /** Levels over the K groups (the last level has K nodes). */
  chain: ClusterChain;
  weights: LevelWeights[];
  /** Per group, its global label ids (ascending). */
  groupLabels: Int32Array[];
  /** Per group, the training rows routed to it (ascending). */
  groupRows: Int32Array[];
  /** Depth of the binary 2-means inside every sub-tree (each has 2^subDepth leaf clusters). */
  subDepth: number;
}

/** One sub-tree, over its group's labels numbered 0..n-1 (ascending global id order). */
export interface SubTreeModel {
  chain: ClusterChain;
  weights: LevelWeights[];
}

/** Everything one sub-tree's training depends on besides (X, Y) restricted to its rows and labels. */
export interface SubTreeSpec {
  /** Ensemble member. */
  tree: number;
  group: number;
  subDepth: number;
  /** Training rows of the whole problem (the N of node-size cost scaling). */
  nTrain: number;
}

/** Throw when the sub-tree recipe cannot apply to these params and this many labels. */
export function checkSubTrees(p: XRLinearParams, nLabels: number): void {
  const K = p.train.subTrees;
  if ((K & (K - 1)) !== 0) throw new XmcError(`train.subTrees: must be a power of two (the meta-tree makes log2 K binary splits), got ${K}`);
  for (let i = 0; i < p.ensemble.trees; i++) {
    if (memberLabelCopies(p, i) > 1) throw new XmcError(`train.subTrees: does not combine with label copies (disentangle.labelCopies > 1 in tree ${i + 1})`);
  }
  if (nLabels < 2 * K) throw new XmcError(`train.subTrees: ${K} sub-trees need at least ${2 * K} labels, the data has ${nLabels}`);
}

/** The clustering seed of sub-tree g of ensemble member i. */
function subSeed(p: XRLinearParams, i: number, g: number): number {
  return ((memberTreeParams(p, i).seed + 1) * 1_000_003 + 7919 * (g + 1)) >>> 0;
}

/** The levels above the K groups: groups merged B at a time up to a single root. */
function metaChain(K: number, B: number): ClusterChain {
  return chainFromCodes(Int32Array.from({ length: K }, (_, g) => g), K, B).slice(0, -1);
}

/** Rows × groups: row i is positive for group g when it has a label of g. */
function groupTargets(Y: Csr, groupOf: Int32Array, K: number): Csr {
  const rows = new RowSetBuilder(Y.rows, K);
  for (let i = 0; i < Y.rows; i++) {
    for (let q = Y.indptr[i]; q < Y.indptr[i + 1]; q++) rows.add(groupOf[Y.indices[q]]);
    rows.endRow();
  }
  const indices = rows.indices();
  return { rows: Y.rows, cols: K, indptr: rows.ptr, indices, data: new Float32Array(indices.length).fill(1) };
}

/**
 * Split the labels of ensemble member i into K groups, train the meta levels over the groups
 * and route the training rows: a group gets the rows having one of its labels, and with
 * matcher-aware negatives (man, tfn+man) also the rows the trained meta levels send to it.
 */
export async function trainMetaTree(X: Csr, Y: Csr, p: XRLinearParams, i: number, o: TreeTrainOptions): Promise<MetaTree> {
  const K = p.train.subTrees;
  const L = Y.cols;
  checkSubTrees(p, L);
  const tp = memberTreeParams(p, i);
  o.progress.log(`tree ${i + 1}/${p.ensemble.trees}: meta-tree over ${K} sub-trees of ${L} labels`);
  const Z = o.embedding ?? pifa(X, Y);
  const { codes, nLeaves } = balancedKMeansCodes(Z, { maxLeafSize: Math.ceil(L / K), maxIter: tp.kmeansMaxIter, seed: tp.seed, emptyLabels: tp.emptyLabels });
  if (nLeaves !== K) throw new Error(`meta-tree: ${nLeaves} groups instead of ${K}`);
  const byGroup = groupBy(codes, K);
  const groupLabels = Array.from({ length: K }, (_, g) => byGroup.order.slice(byGroup.ptr[g], byGroup.ptr[g + 1]).sort());
  let nMax = 0;
  let nMin = L;
  for (const s of groupLabels) {
    nMax = Math.max(nMax, s.length);
    nMin = Math.min(nMin, s.length);
  }
  const subDepth = nMax <= tp.maxLeafSize ? 0 : Math.ceil(Math.log2(nMax / tp.maxLeafSize));
  if (nMin < 2 ** subDepth) throw new XmcError(`train.subTrees: a group of ${nMin} labels cannot hold ${2 ** subDepth} leaf clusters; use fewer sub-trees or a larger tree.maxLeafSize`);
  const chain = metaChain(K, tp.nrSplits);
  const Yg = groupTargets(Y, codes, K);
  const post = postProcessor(memberPost(p, i));
  const weights = await trainChain(X, Yg, chain, {
    solver: memberSolverParams(p, i),
    negatives: p.train.negatives as NegativeScheme,
    threads: o.threads,
    pool: o.pool,
    seed: tp.seed,
    beamSize: p.train.manBeam,
    post,
    solverKind: o.solverKind,
    progress: o.progress,
  });
  // rows positive for each group, and those the meta levels send there
  const pos = transposePattern(Yg.indptr, Yg.indices, Y.rows, K);
  const sets: Int32Array[] = Array.from({ length: K }, (_, g) => pos.idx.slice(pos.ptr[g], pos.ptr[g + 1]));
  if (p.train.negatives !== "tfn") {
    const reached = searchEveryRow(X, chain, weights, p.solver.bias, { levels: chain.length, beam: p.train.manBeam, post }, o.progress);
    const ptr = new Int32Array(X.rows + 1);
    for (let r = 0; r < X.rows; r++) ptr[r + 1] = ptr[r] + reached[r].length;
    const idx = new Int32Array(ptr[X.rows]);
    for (let r = 0; r < X.rows; r++) idx.set(reached[r], ptr[r]);
    const man = transposePattern(ptr, idx, X.rows, K);
    for (let g = 0; g < K; g++) sets[g] = unionSorted(sets[g], man.idx.subarray(man.ptr[g], man.ptr[g + 1]));
  }
  return { chain, weights, groupLabels, groupRows: sets, subDepth };
}

function unionSorted(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out[n++] = a[i++];
    else if (i >= a.length || b[j] < a[i]) out[n++] = b[j++];
    else {
      out[n++] = a[i++];
      j++;
    }
  }
  return out.slice(0, n);
}

/** (X, Y) restricted to a sub-tree: its rows, and its labels renumbered 0..n-1. */
export function subProblem(X: Csr, Y: Csr, rows: Int32Array, labels: Int32Array): { X: Csr; Y: Csr } {
  const local = new Map<number, number>();
  labels.forEach((l, k) => local.set(l, k));
  const indptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const start = idx.length;
    for (let q = Y.indptr[i]; q < Y.indptr[i + 1]; q++) {
      const k = local.get(Y.indices[q]);
      if (k !== undefined) idx.push(k);
    }
    const seg = idx.slice(start).sort((a, b) => a - b);
    for (let k = 0; k < seg.length; k++) idx[start + k] = seg[k];
    indptr[r + 1] = idx.length;
  }
  const indices = Int32Array.from(idx);
  return { X: selectRows(X, rows), Y: { rows: rows.length, cols: labels.length, indptr, indices, data: new Float32Array(indices.length).fill(1) } };
}

/**
 * Cluster and train one sub-tree on its rows (Xs) and labels (Ys): 2^subDepth leaf clusters by
 * balanced 2-means on PIFA embeddings, merged B at a time as in an ordinary tree, every level
 * trained as usual. With node-size cost scaling, N stays the whole problem's row count.
 */
export async function trainSubTree(Xs: Csr, Ys: Csr, p: XRLinearParams, s: SubTreeSpec, o: Omit<TreeTrainOptions, "pool" | "embedding">): Promise<SubTreeModel> {
  const tp = memberTreeParams(p, s.tree);
  const n = Ys.cols;
  const leaves = 2 ** s.subDepth;
  const seed = subSeed(p, s.tree, s.group);
  let codes: Int32Array;
  let nLeaves: number;
  if (leaves === 1) {
    codes = new Int32Array(n);
    nLeaves = 1;
  } else {
    ({ codes, nLeaves } = balancedKMeansCodes(pifa(Xs, Ys), { maxLeafSize: Math.ceil(n / leaves), maxIter: tp.kmeansMaxIter, seed, emptyLabels: tp.emptyLabels }));
    if (nLeaves !== leaves) throw new Error(`sub-tree ${s.group}: ${nLeaves} leaf clusters instead of ${leaves}`);
  }
  const chain = chainFromCodes(codes, nLeaves, tp.nrSplits);
  let solver = memberSolverParams(p, s.tree);
  // nodeSolverParams scales by (rows of Xs) / n; the whole problem has nTrain rows
  if (solver.costScaling !== "none" && Xs.rows > 0 && Xs.rows < s.nTrain) {
    const f = s.nTrain / Xs.rows;
    solver = { ...solver, Cp: solver.Cp * f, Cn: solver.Cn * f };
  }
  const weights = await trainChain(Xs, Ys, chain, {
    solver,
    negatives: p.train.negatives as NegativeScheme,
    threads: o.threads,
    seed,
    beamSize: p.train.manBeam,
    post: postProcessor(memberPost(p, s.tree)),
    solverKind: o.solverKind,
    progress: o.progress,
  });
  return { chain, weights };
}

/** Join the meta levels and the K sub-trees (same depth) into one tree over all labels. */
export function stitchSubTrees(meta: MetaTree, subs: SubTreeModel[], nLabels: number): TreeModel {
  const K = meta.groupLabels.length;
  if (subs.length !== K) throw new Error(`stitch: ${subs.length} sub-trees for ${K} groups`);
  const S = subs[0].chain.length;
  for (const s of subs) if (s.chain.length !== S || s.weights.length !== S) throw new XmcError("sub-trees differ in depth; they cannot be joined");
  const chain: ClusterChain = [...meta.chain];
  const weights: LevelWeights[] = [...meta.weights];
  for (let t = 0; t < S; t++) {
    const last = t === S - 1;
    const levels = subs.map((s) => s.chain[t]);
    let nParents = 0, nNodes = 0, nEdges = 0;
    for (const lv of levels) {
      nParents += lv.nParents;
      nNodes += lv.nNodes;
      nEdges += lv.children.length;
    }
    const ptr = new Int32Array(nParents + 1);
    const children = new Int32Array(nEdges);
    let pOff = 0, nOff = 0, eOff = 0;
    levels.forEach((lv, g) => {
      for (let q = 0; q < lv.nParents; q++) ptr[pOff + q + 1] = eOff + lv.ptr[q + 1];
      for (let e = 0; e < lv.children.length; e++) children[eOff + e] = last ? meta.groupLabels[g][lv.children[e]] : nOff + lv.children[e];
      pOff += lv.nParents;
      nOff += lv.nNodes;
      eOff += lv.children.length;
    });
    const level: ChainLevel = { nNodes: last ? nLabels : nNodes, nParents, ptr, children };
    chain.push(level);
    weights.push(concatWeights(subs.map((s) => s.weights[t])));
  }
  return { chain, weights };
}

/** Concatenate per-parent chunked weights (parents in order). */
function concatWeights(ws: LevelWeights[]): LevelWeights {
  let nParents = 0, nRows = 0, nEnt = 0;
  let wide = false;
  for (const w of ws) {
    nParents += w.chunkPtr.length - 1;
    nRows += w.rowFeat.length;
    nEnt += w.entVal.length;
    if (w.entChild instanceof Int32Array) wide = true;
  }
  const chunkPtr = new Int32Array(nParents + 1);
  const rowFeat = new Int32Array(nRows);
  const rowPtr = new Int32Array(nRows + 1);
  const entChild = wide ? new Int32Array(nEnt) : new Uint16Array(nEnt);
  const entVal = new Float32Array(nEnt);
  let p = 0, r = 0, e = 0;
  for (const w of ws) {
    const np = w.chunkPtr.length - 1;
    for (let q = 0; q < np; q++) chunkPtr[p + q + 1] = r + w.chunkPtr[q + 1];
    rowFeat.set(w.rowFeat, r);
    const nr = w.rowFeat.length;
    for (let q = 0; q < nr; q++) rowPtr[r + q + 1] = e + w.rowPtr[q + 1] - w.rowPtr[0];
    const ne = w.entVal.length;
    entChild.set(w.entChild.subarray(w.rowPtr[0], w.rowPtr[0] + ne), e);
    entVal.set(w.entVal, e);
    p += np;
    r += nr;
    e += ne;
  }
  return { chunkPtr, rowFeat, rowPtr, entChild, entVal };
}

/** Ensemble member i by the sub-tree recipe, every sub-tree trained here in turn. */
export async function trainTreeBySubTrees(X: Csr, Y: Csr, p: XRLinearParams, i: number, o: TreeTrainOptions): Promise<TreeModel> {
  const meta = await trainMetaTree(X, Y, p, i, o);
  const K = meta.groupLabels.length;
  const subs: SubTreeModel[] = [];
  for (let g = 0; g < K; g++) {
    const sub = subProblem(X, Y, meta.groupRows[g], meta.groupLabels[g]);
    o.progress.log(`tree ${i + 1}: sub-tree ${g + 1}/${K} (${sub.Y.cols} labels, ${sub.X.rows} rows)`);
    subs.push(await trainSubTree(sub.X, sub.Y, p, { tree: i, group: g, subDepth: meta.subDepth, nTrain: X.rows }, o));
  }
  return stitchSubTrees(meta, subs, Y.cols);
}

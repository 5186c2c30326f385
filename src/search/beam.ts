import type { Csr } from "../core/csr.js";
import { type Progress, silentProgress } from "../core/progress.js";
import { TopKHeap } from "../core/topk.js";
import type { ChainLevel, ClusterChain } from "../tree/chain.js";
import type { PostProcessor } from "./postprocess.js";
import { modelArray } from "../core/alloc.js";

/**
 * The weights of one tree level in the layout prediction wants: one chunk per parent
 * (PECOS's chunked layout). A chunk lists the sorted feature ids that are non-zero for
 * any of the parent's children and, per feature, (child position, weight) entries.
 * Child positions index the parent's slice of `ChainLevel.children`, so weights belong
 * to tree edges: a label copied under two parents (disentanglement) has two weight vectors.
 * The bias weight is stored under feature id `dim` (the query's implicit constant feature).
 */
export interface LevelWeights {
  /** nParents + 1 offsets into rowFeat. */
  chunkPtr: Int32Array;
  /** Feature id of each chunk row (sorted within a chunk); `dim` = bias. */
  rowFeat: Int32Array;
  /** rowFeat.length + 1 offsets into entChild / entVal. */
  rowPtr: Int32Array;
  /**
   * Child position within its parent's children slice: 16-bit when every parent has < 65,536
   * children (as trained), 8-bit as loaded from a model file where every parent has ≤ 256.
   */
  entChild: Int32Array | Uint16Array | Uint8Array;
  entVal: Float32Array;
}

/** A ranked list: node (or label) ids with scores, best first. */
export interface Ranked {
  labels: Int32Array;
  scores: Float32Array;
}

export interface BeamOptions {
  beamSize: number;
  topK: number;
  post: PostProcessor;
  /** Stop after this many levels (for matcher-aware negatives); default all. */
  levels?: number;
}

/**
 * Beam search down a cluster chain for one query (sorted sparse features).
 * Per level: prolongate the kept parents to their children, score only those children
 * with the parent's weight chunk, transform and combine with the parent score, keep the
 * top beamSize (topK at the last level).
 */
export class BeamSearcher {
  private acc: Float64Array;
  private candNode: Int32Array;
  private candScore: Float64Array;
  private candTie: Float64Array;
  /** The beam of the current and the next level (node, score, tie-breaker), swapped level by level. */
  private beamNode = [new Int32Array(16), new Int32Array(16)];
  private beamScore = [new Float64Array(16), new Float64Array(16)];
  private beamTie = [new Float64Array(16), new Float64Array(16)];
  private sel = new Int32Array(16);
  /** The child-slot ranges of the beam's parents on a level scored whole, ascending (see scoreLevel). */
  private rangeLo = new Int32Array(16);
  private rangeHi = new Int32Array(16);
  private heap = new TopKHeap(0);
  /**
   * Per level with few parents: the whole level's weights by feature (see {@link LevelIndex}), used
   * when the beam holds enough of the level's parents (see WHOLE_LEVEL_COVER): the top levels of
   * the tree, which every query and the disentanglement matching visit.
   */
  private whole: (LevelIndex | null)[];
  /** The scores of the beam's children on a level scored whole (by child slot). */
  private levelAcc: Float64Array;
  /**
   * Per level: the row directory of every chunk (see {@link RowDirectory}), or null to search the
   * chunks; undefined until first needed on a level indexed whole (only a narrow beam needs it there).
   */
  private dirs: (RowDirectory | null | undefined)[];
  private rowsPerBucket: number;
  /** Per query feature: its bucket's first row and end, then its row's entries (see scoreByDirectory). */
  private rowAt = new Int32Array(64);
  private rowEnd = new Int32Array(64);
  /** Per query feature (and the bias): the next entry of its run in a level scored whole, the run's end, the value. */
  private runAt = new Int32Array(64);
  private runEnd = new Int32Array(64);
  private runVal = new Float64Array(64);
  /** searchRows (during a call): the raw scores of a level's chunk-scored (row, parent) pairs, each pair's start in them (at row · beam + slot), and the current row's first pair. */
  private batchRaw = new Float64Array(0);
  private batchAt = new Int32Array(0);
  private batchBase = 0;

  constructor(
    private chain: ClusterChain,
    private weights: LevelWeights[],
    /** Feature dimension d; the bias weight is stored under feature id d. */
    private dim: number,
    private bias: number,
    o: SearcherLayout = {},
    /** The lookup structures, when built beforehand (e.g. on another thread) with the same layout. */
    lookup: SearchLookup = searchLookup(chain, weights, dim, o),
  ) {
    this.rowsPerBucket = o.rowsPerBucket ?? ROWS_PER_BUCKET;
    let maxChildren = 1;
    let maxSlots = 0;
    for (const lv of chain) {
      for (let p = 0; p < lv.nParents; p++) maxChildren = Math.max(maxChildren, lv.ptr[p + 1] - lv.ptr[p]);
    }
    this.acc = new Float64Array(maxChildren);
    this.candNode = new Int32Array(0);
    this.candScore = new Float64Array(0);
    this.candTie = new Float64Array(0);
    this.whole = lookup.whole;
    this.dirs = lookup.dirs;
    this.whole.forEach((ix, t) => {
      if (ix !== null) maxSlots = Math.max(maxSlots, chain[t].children.length);
    });
    this.levelAcc = new Float64Array(maxSlots);
  }

  /** The lookup structures this searcher reads (those given to it, or built by it). */
  get lookup(): SearchLookup {
    return { whole: this.whole, dirs: this.dirs };
  }

  private ensure(n: number): void {
    if (this.candNode.length < n) {
      this.candNode = new Int32Array(n);
      this.candScore = new Float64Array(n);
      this.candTie = new Float64Array(n);
    }
  }

  private ensureBeam(k: number): void {
    if (this.sel.length >= k) return;
    const n = Math.max(k, 2 * this.sel.length);
    this.sel = new Int32Array(n);
    this.rangeLo = new Int32Array(n);
    this.rangeHi = new Int32Array(n);
    for (let b = 0; b < 2; b++) {
      const node = new Int32Array(n), score = new Float64Array(n), tie = new Float64Array(n);
      node.set(this.beamNode[b]);
      score.set(this.beamScore[b]);
      tie.set(this.beamTie[b]);
      this.beamNode[b] = node;
      this.beamScore[b] = score;
      this.beamTie[b] = tie;
    }
  }

  private directory(t: number): RowDirectory | null {
    return this.rowsPerBucket > 0 ? rowDirectory(this.weights[t], this.chain[t].nParents, this.dim, this.rowsPerBucket) : null;
  }

  /** Level t's whole-level index when a beam of `width` parents scores it whole (see WHOLE_LEVEL_COVER), else null. */
  private wholeFor(t: number, width: number): LevelIndex | null {
    const ix = this.whole[t];
    return ix !== null && WHOLE_LEVEL_COVER * width >= this.chain[t].nParents ? ix : null;
  }

  /** Raw scores w·x + bias·b of the children of parent p at level t, written to this.acc[0..m); qIdx[q0, q1) sorted and < dim. */
  scoreChildren(t: number, p: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): number {
    const lv = this.chain[t];
    const W = this.weights[t];
    const m = lv.ptr[p + 1] - lv.ptr[p];
    const acc = this.acc;
    acc.fill(0, 0, m);
    const rf = W.rowFeat;
    const lo = W.chunkPtr[p];
    const r1 = W.chunkPtr[p + 1];
    if (lo >= r1) return m;
    const dir = this.dirs[t] === undefined ? (this.dirs[t] = this.directory(t)) : this.dirs[t];
    if (dir !== null) {
      this.scoreByDirectory(W, dir, p, r1, qIdx, qVal, q0, q1);
    } else {
      this.scoreBySearch(W, lo, r1, qIdx, qVal, q0, q1);
    }
    if (this.bias > 0 && rf[r1 - 1] === this.dim) {
      for (let e = W.rowPtr[r1 - 1]; e < W.rowPtr[r1]; e++) acc[W.entChild[e]] += this.bias * W.entVal[e];
    }
    return m;
  }

  /**
   * Raw scores of the children of the beam's parents `nodes[0, width)` on level t
   * (this.levelAcc[slot], slots as in `ChainLevel.children`; other slots hold no meaning) from
   * the level's feature index: one lookup per query feature instead of one per feature and
   * parent. Within a feature the entries ascend by slot, so a long run of entries is read only
   * inside the parents' slot ranges, found by galloping search (at 100K labels the third level's
   * runs average 470 entries, of which a beam of 10 of its 64 parents needs about a sixth).
   * Each slot sums its terms in the same order as {@link scoreChildren}, so the scores are equal to the bit.
   */
  private scoreLevel(t: number, ix: LevelIndex, nodes: Int32Array, width: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): void {
    const lv = this.chain[t];
    // the parents' slot ranges, ascending, adjacent ones merged; only their slots are cleared and read
    const lo = this.rangeLo, hi = this.rangeHi;
    let nr = 0;
    for (let i = 0; i < width; i++) {
      const a = lv.ptr[nodes[i]], b = lv.ptr[nodes[i] + 1];
      let j = nr++;
      while (j > 0 && lo[j - 1] > a) {
        lo[j] = lo[j - 1];
        hi[j] = hi[j - 1];
        j--;
      }
      lo[j] = a;
      hi[j] = b;
    }
    let m = 0;
    for (let r = 1; r < nr; r++) {
      if (lo[r] === hi[m]) hi[m] = hi[r];
      else {
        m++;
        lo[m] = lo[r];
        hi[m] = hi[r];
      }
    }
    nr = nr > 0 ? m + 1 : 0;
    for (let r = 0; r < nr; r++) this.levelAcc.fill(0, lo[r], hi[r]);
    // each query feature's run of entries (the bias's last); the loads are independent of each other
    const fp = ix.featPtr;
    const n = q1 - q0 + 1;
    if (this.runAt.length < n) {
      this.runAt = new Int32Array(n);
      this.runEnd = new Int32Array(n);
      this.runVal = new Float64Array(n);
    }
    const at = this.runAt, atEnd = this.runEnd, val = this.runVal;
    let nRuns = 0;
    for (let k = q0; k < q1; k++, nRuns++) {
      at[nRuns] = fp[qIdx[k]];
      atEnd[nRuns] = fp[qIdx[k] + 1];
      val[nRuns] = qVal[k];
    }
    if (this.bias > 0) {
      at[nRuns] = fp[this.dim];
      atEnd[nRuns] = fp[this.dim + 1];
      val[nRuns++] = this.bias;
    }
    // range by range, every feature's entries in the range: one feature's search does not wait on
    // the one before (the processor overlaps their cache misses); a slot still sums its terms in
    // feature order, the bias last
    const acc = this.levelAcc, es = ix.entSlot, ev = ix.entVal;
    for (let r = 0; r < nr; r++) {
      const a = lo[r], b = hi[r];
      for (let i = 0; i < nRuns; i++) {
        let e = at[i];
        const end = atEnd[i];
        if (e >= end) continue;
        if (end - e > SCAN_RUN) e = gallop(es, e, end, a);
        else while (e < end && es[e] < a) e++;
        const v = val[i];
        for (; e < end && es[e] < b; e++) acc[es[e]] += v * ev[e];
        at[i] = e;
      }
    }
  }

  /**
   * Accumulate the rows of chunk p (ending at r1) that match query features, found through the
   * chunk's row directory. The work runs in passes over the query's features: every bucket start,
   * then every feature's row and its entries' range, then the entries. The loads of one pass do not depend on each
   * other, so the processor keeps many cache misses in flight (one feature at a time, each load
   * waited on the one before: the leaf level of a 100K-label model is a few hundred MB).
   */
  private scoreByDirectory(W: LevelWeights, d: RowDirectory, p: number, r1: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): void {
    const rf = W.rowFeat, rp = W.rowPtr, ec = W.entChild, ev = W.entVal;
    const acc = this.acc;
    const tab = d.first;
    const off = d.ptr[p];
    const shift = d.shift[p];
    const nb = d.ptr[p + 1] - off - 1;
    if (this.rowAt.length < q1 - q0) {
      this.rowAt = new Int32Array(q1 - q0);
      this.rowEnd = new Int32Array(q1 - q0);
    }
    const at = this.rowAt, atEnd = this.rowEnd;
    // pass 1: each feature's bucket
    let n = 0;
    for (let k = q0; k < q1; k++, n++) {
      const j = qIdx[k] >> shift;
      if (j >= nb) break;
      at[n] = tab[off + j];
      atEnd[n] = tab[off + j + 1];
    }
    // pass 2: each feature's row in its bucket, and that row's entries (none: an empty range)
    for (let i = 0; i < n; i++) {
      const f = qIdx[q0 + i];
      let r = at[i];
      const end = atEnd[i];
      while (r < end && rf[r] < f) r++;
      if (r < end && rf[r] === f) {
        at[i] = rp[r];
        atEnd[i] = rp[r + 1];
      } else atEnd[i] = at[i] = 0;
    }
    // pass 3: the rows' entries, in feature order
    for (let i = 0; i < n; i++) {
      const v = qVal[q0 + i];
      for (let e = at[i], end = atEnd[i]; e < end; e++) acc[ec[e]] += v * ev[e];
    }
  }

  /** Accumulate the chunk rows [lo, r1) that match query features, found by galloping search. */
  private scoreBySearch(W: LevelWeights, lo: number, r1: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): void {
    const rf = W.rowFeat;
    const acc = this.acc;
    for (let k = q0; k < q1 && lo < r1; k++) {
      const f = qIdx[k];
      lo = gallop(rf, lo, r1, f);
      if (lo < r1 && rf[lo] === f) {
        const v = qVal[k];
        for (let e = W.rowPtr[lo]; e < W.rowPtr[lo + 1]; e++) acc[W.entChild[e]] += v * W.entVal[e];
        lo++;
      }
    }
  }

  /** Search for row `row` of X (features ≥ dim are ignored). */
  searchRow(X: Csr, row: number, opts: BeamOptions): Ranked {
    return this.search(X.indices, X.data, X.indptr[row], X.indptr[row + 1], opts);
  }

  /** Search for the sorted sparse query qIdx/qVal[q0, q1) (features ≥ dim are ignored). */
  search(qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number, opts: BeamOptions): Ranked {
    while (q1 > q0 && qIdx[q1 - 1] >= this.dim) q1--;
    const depth = opts.levels ?? this.chain.length;
    const post = opts.post;
    this.ensureBeam(Math.max(1, opts.beamSize, opts.topK));
    // the beam: nodes, combined scores and tie-breakers (the sum of raw scores along the path:
    // saturating transforms such as l3-hinge map every raw score >= 1 to exactly 1, so many paths would tie)
    this.beamNode[0][0] = 0;
    this.beamScore[0][0] = post.rootScore;
    this.beamTie[0][0] = 0;
    let cur = 0;
    let width = 1;
    for (let t = 0; t < depth; t++) {
      const ix = this.wholeFor(t, width);
      if (ix !== null) this.scoreLevel(t, ix, this.beamNode[cur], width, qIdx, qVal, q0, q1);
      width = this.selectLevel(t, cur, width, t === depth - 1 ? opts.topK : opts.beamSize, post, ix !== null ? FROM_LEVEL : SCORE_NOW, qIdx, qVal, q0, q1);
      cur = 1 - cur;
    }
    return this.ranked(cur, width);
  }

  /**
   * Beam-search rows [r0, r1) of X together, level by level. On the levels scored chunk by chunk
   * the (row, beam parent) pairs are scored parent by parent, so that a chunk's weights come from
   * memory once for all the rows that reach it instead of once per row; each row's candidates are
   * then chosen as {@link search} chooses them (the same code, on the same raw scores, in the same
   * order), so every row's answer is the one `search` gives. The parents `search` skips (those
   * whose children cannot enter the beam) are scored here too, and passed over all the same.
   */
  searchRows(X: Csr, r0: number, r1: number, opts: BeamOptions): Ranked[] {
    const Q = r1 - r0;
    // a few rows (a server's request) gain nothing from a batch and would pay its bookkeeping
    // (a single row took 0.34-0.39 ms in a batch against 0.31 alone at 100K labels)
    if (Q < FEW_ROWS) return Array.from({ length: Math.max(0, Q) }, (_, q) => this.searchRow(X, r0 + q, opts));
    const depth = opts.levels ?? this.chain.length;
    const post = opts.post;
    const B = Math.max(1, opts.beamSize, opts.topK);
    this.ensureBeam(B);
    // per row: where its features end (features ≥ dim dropped), its beam and the beam's width
    const qEnd = new Int32Array(Q);
    const bNode = new Int32Array(Q * B), bScore = new Float64Array(Q * B), bTie = new Float64Array(Q * B), bWidth = new Int32Array(Q);
    for (let q = 0; q < Q; q++) {
      const s = X.indptr[r0 + q];
      let e = X.indptr[r0 + q + 1];
      while (e > s && X.indices[e - 1] >= this.dim) e--;
      qEnd[q] = e;
      bScore[q * B] = post.rootScore;
      bWidth[q] = 1;
    }
    // per (row, beam slot) pair scored by chunk: where its raw scores start in `raw` (-1: none)
    const pairAt = new Int32Array(Q * B);
    this.batchAt = pairAt;
    for (let t = 0; t < depth; t++) {
      const lv = this.chain[t];
      // the chunk-scored pairs, grouped by parent (a counting sort), and their places in `raw`
      const perParent = new Int32Array(lv.nParents + 1);
      let total = 0;
      let nPairs = 0;
      pairAt.fill(-1);
      for (let q = 0; q < Q; q++) {
        if (this.wholeFor(t, bWidth[q]) !== null) continue;
        for (let i = 0; i < bWidth[q]; i++) {
          const p = bNode[q * B + i];
          pairAt[q * B + i] = total;
          total += lv.ptr[p + 1] - lv.ptr[p];
          perParent[p + 1]++;
          nPairs++;
        }
      }
      for (let p = 0; p < lv.nParents; p++) perParent[p + 1] += perParent[p];
      const order = new Int32Array(nPairs);
      for (let pair = 0; pair < Q * B; pair++) if (pairAt[pair] >= 0) order[perParent[bNode[pair]]++] = pair;
      if (this.batchRaw.length < total) this.batchRaw = new Float64Array(total);
      const raw = this.batchRaw;
      for (let j = 0; j < nPairs; j++) {
        const pair = order[j];
        const q = (pair / B) | 0;
        const m = this.scoreChildren(t, bNode[pair], X.indices, X.data, X.indptr[r0 + q], qEnd[q]);
        const acc = this.acc;
        for (let c = 0, o = pairAt[pair]; c < m; c++) raw[o + c] = acc[c];
      }
      // each row's choice, as in search
      const keep = t === depth - 1 ? opts.topK : opts.beamSize;
      for (let q = 0; q < Q; q++) {
        const w = bWidth[q];
        this.beamNode[0].set(bNode.subarray(q * B, q * B + w));
        this.beamScore[0].set(bScore.subarray(q * B, q * B + w));
        this.beamTie[0].set(bTie.subarray(q * B, q * B + w));
        const q0 = X.indptr[r0 + q];
        let from = FROM_BATCH;
        const ix = this.wholeFor(t, w);
        if (ix !== null) {
          this.scoreLevel(t, ix, this.beamNode[0], w, X.indices, X.data, q0, qEnd[q]);
          from = FROM_LEVEL;
        } else this.batchBase = q * B;
        const k = this.selectLevel(t, 0, w, keep, post, from, X.indices, X.data, q0, qEnd[q]);
        bNode.set(this.beamNode[1].subarray(0, k), q * B);
        bScore.set(this.beamScore[1].subarray(0, k), q * B);
        bTie.set(this.beamTie[1].subarray(0, k), q * B);
        bWidth[q] = k;
      }
    }
    // not kept between calls: a batch of 4,096 rows takes tens of MB at the leaf level
    this.batchRaw = new Float64Array(0);
    this.batchAt = new Int32Array(0);
    const out: Ranked[] = new Array(Q);
    for (let q = 0; q < Q; q++) {
      const w = bWidth[q];
      this.beamNode[0].set(bNode.subarray(q * B, q * B + w));
      this.beamScore[0].set(bScore.subarray(q * B, q * B + w));
      out[q] = this.ranked(0, w);
    }
    return out;
  }

  /**
   * One level of the search: the children of the beam `this.beam*[cur][0, width)` scored, the best
   * `keep` of them written to the beam `1 − cur`; returns their number. The children's raw scores
   * come from the level scored whole (FROM_LEVEL: this.levelAcc by slot), from a chunk scored
   * here, parent by parent (SCORE_NOW), or from a batch scored before (FROM_BATCH: this.batchRaw
   * from this.batchAt[this.batchBase + i] for beam parent i).
   */
  private selectLevel(t: number, cur: number, width: number, keep: number, post: PostProcessor, from: number, qIdx: Int32Array, qVal: Float32Array, q0: number, q1: number): number {
    const lv = this.chain[t];
    const nodes = this.beamNode[cur], scores = this.beamScore[cur], ties = this.beamTie[cur];
    let total = 0;
    for (let i = 0; i < width; i++) total += lv.ptr[nodes[i] + 1] - lv.ptr[nodes[i]];
    this.ensure(total);
    const cn = this.candNode;
    const cs = this.candScore;
    const ct = this.candTie;
    const k = Math.max(0, Math.min(keep, total));
    const heap = this.heap;
    heap.reset(k);
    // candidate n is child n of the level's beam, in order, whether scored or skipped
    let n = 0;
    for (let i = 0; i < width; i++) {
      const p = nodes[i];
      const base = lv.ptr[p];
      const parent = t === 0 ? post.rootScore : scores[i];
      // no child of p can beat the worst candidate kept (a child's score is at most
      // combine(maxTransform, parent)): its chunk is not even looked up
      if (heap.excludes(post.combine(post.maxTransform, parent))) {
        n += lv.ptr[p + 1] - base;
        continue;
      }
      // a level scored whole holds parent p's children at slots base.., a chunk scored here at 0..
      let acc: Float64Array, a0: number, m: number;
      if (from === FROM_LEVEL) {
        acc = this.levelAcc;
        a0 = base;
        m = lv.ptr[p + 1] - base;
      } else if (from === SCORE_NOW) {
        m = this.scoreChildren(t, p, qIdx, qVal, q0, q1);
        acc = this.acc;
        a0 = 0;
      } else {
        acc = this.batchRaw;
        a0 = this.batchAt[this.batchBase + i];
        m = lv.ptr[p + 1] - base;
      }
      // the largest raw score of a child of p found to score below the heap's worst: since the
      // transform and the combiner are monotone and the worst only rises, a child whose raw score
      // is at most this cannot enter either and is passed over without its transform (an exp)
      let below = -Infinity;
      for (let c = 0; c < m; c++, n++) {
        const raw = acc[a0 + c];
        if (raw <= below) continue;
        const sc = post.combine(post.transform(raw), parent);
        if (heap.excludes(sc)) {
          below = raw;
          continue;
        }
        cn[n] = lv.children[base + c];
        ct[n] = ties[i] + raw;
        cs[n] = sc;
        heap.push(n, sc, ct[n]);
      }
    }
    const sel = this.sel;
    heap.drainSorted(sel, null, 0, 0);
    const nx = 1 - cur;
    const nNodes = this.beamNode[nx], nScores = this.beamScore[nx], nTies = this.beamTie[nx];
    for (let i = 0; i < k; i++) {
      nNodes[i] = cn[sel[i]];
      nScores[i] = cs[sel[i]];
      nTies[i] = ct[sel[i]];
    }
    return k;
  }

  /** The ranked answer of the beam `cur` (width labels). */
  private ranked(cur: number, width: number): Ranked {
    let labels: Int32Array = this.beamNode[cur].slice(0, width);
    let out: Float64Array = this.beamScore[cur].subarray(0, width);
    // merge duplicates (a label reached through several parents keeps its best score)
    if (hasDuplicates(labels)) ({ labels, scores: out } = mergeMax(labels, out));
    // score thresholds are applied to the final ranking (applyThreshold in finishRanking)
    return { labels, scores: Float32Array.from(out) };
  }
}

/**
 * Rows searched together by a batch prediction ({@link BeamSearcher.searchRows}). Measured on the
 * 100K two-tree model (20,000 test rows, one thread): 0.30-0.32 ms per row one by one, 0.25 in
 * batches of 512, 0.22-0.23 of 1,024, 0.19-0.21 of 4,096.
 */
export const SEARCH_BATCH_ROWS = 4096;

/** {@link BeamSearcher.searchRows} searches fewer rows than this one by one. */
const FEW_ROWS = 16;

/** Where {@link BeamSearcher.selectLevel} takes the children's raw scores from. */
const FROM_LEVEL = 0;
const SCORE_NOW = 1;
const FROM_BATCH = 2;

/**
 * Beam-search every row of X through the first `levels` levels of the tree, keeping `beam` nodes
 * per level: the nodes of level `levels` − 1 each row reaches, ascending. Used for the
 * matcher-aware negatives of linear training and for the matching of label disentanglement.
 */
export function searchEveryRow(
  X: Csr, chain: ClusterChain, weights: LevelWeights[], bias: number, o: { levels: number; beam: number; post: PostProcessor }, progress: Progress = silentProgress,
): Int32Array[] {
  const s = new BeamSearcher(chain, weights, X.cols, bias);
  const opts: BeamOptions = { beamSize: o.beam, topK: o.beam, post: o.post, levels: o.levels };
  const out: Int32Array[] = new Array(X.rows);
  progress.start("match training set", X.rows);
  for (let a = 0; a < X.rows; a += SEARCH_BATCH_ROWS) {
    const b = Math.min(X.rows, a + SEARCH_BATCH_ROWS);
    const found = s.searchRows(X, a, b, opts);
    for (let i = a; i < b; i++) out[i] = found[i - a].labels.sort();
    progress.tick(b - a);
  }
  progress.stop();
  return out;
}

/** How a searcher lays out its lookup structures (built at load, never stored). */
export interface SearcherLayout {
  /** Levels with at most this many parents get a whole-level feature index; 0: none. */
  wholeLevelParents?: number;
  /** Rows per bucket of the chunks' row directories; 0 searches the chunks instead. */
  rowsPerBucket?: number;
}

/**
 * What a searcher builds from a tree's weights at load: per level, the whole-level feature index
 * (or null) and the chunks' row directories (null: the chunks are searched; undefined: built when
 * first needed, on levels indexed whole). Plain typed arrays, so they can be built on another
 * thread and transferred.
 */
export interface SearchLookup {
  whole: (LevelIndex | null)[];
  dirs: (RowDirectory | null | undefined)[];
}

/** Build the lookup structures of a tree (see {@link SearchLookup}). */
export function searchLookup(chain: ClusterChain, weights: LevelWeights[], dim: number, o: SearcherLayout = {}): SearchLookup {
  const wholeParents = o.wholeLevelParents ?? WHOLE_LEVEL_PARENTS;
  const rowsPerBucket = o.rowsPerBucket ?? ROWS_PER_BUCKET;
  const whole = weights.map((W, t) => {
    if (chain[t].nParents > wholeParents || chain[t].children.length > WHOLE_LEVEL_SLOTS || W.entVal.length > WHOLE_LEVEL_ENTRIES) return null;
    return levelIndex(W, chain[t], dim);
  });
  const dirs = weights.map((W, t) => (whole[t] !== null ? undefined : rowsPerBucket > 0 ? rowDirectory(W, chain[t].nParents, dim, rowsPerBucket) : null));
  return { whole, dirs };
}

/** Levels with at most this many parents are indexed whole. */
const WHOLE_LEVEL_PARENTS = 64;
/**
 * A level is scored whole when the beam holds at least 1/8 of its parents: scanning a feature's
 * entries is sequential and cheap, while looking a feature up in a chunk costs a few cache misses
 * per parent. Measured at 100K labels (the third level, 64 parents of 1,024 nodes), scoring it
 * whole took a two-tree query from 730-740 to 585-635 CPU µs; the leaf level (1,024 parents of
 * 100K labels) scored whole took 2,160 µs.
 */
const WHOLE_LEVEL_COVER = 8;
/**
 * Largest level (weight entries) indexed whole: the index repeats the level's entries (6 bytes
 * each) and is built at load. At 1M labels the third level (64 parents, 28.8M entries) scored
 * whole took a two-tree query from 996-1,021 to 786-815 CPU µs, but cost 173 MB and 1.1-1.4 s of
 * load per tree; the second (4 parents, 15.1M entries) stays within the limit.
 */
const WHOLE_LEVEL_ENTRIES = 1 << 24;
/** The rest of a run of a whole level's index entries (one feature's) is scanned up to a slot range when it holds at most this many entries, else searched. */
const SCAN_RUN = 16;
/** Largest level (child slots) indexed whole: a slot is stored in 16 bits. */
const WHOLE_LEVEL_SLOTS = 1 << 16;

/**
 * A whole level's weights ordered by feature: the entries of feature f (bias: f = dim) are
 * [featPtr[f], featPtr[f + 1]), each naming its child slot (the index into `ChainLevel.children`,
 * i.e. the tree edge) and weight; within a feature, slots ascend.
 */
interface LevelIndex {
  featPtr: Int32Array;
  /** Child slots fit 16 bits: levels with more than WHOLE_LEVEL_SLOTS nodes are not indexed. */
  entSlot: Uint16Array;
  entVal: Float32Array;
}

function levelIndex(W: LevelWeights, lv: ChainLevel, dim: number): LevelIndex {
  const nEnt = W.entVal.length;
  const nParents = lv.nParents;
  const rf = W.rowFeat, rp = W.rowPtr, ec = W.entChild, ev = W.entVal;
  const featPtr = modelArray(Int32Array, dim + 2);
  const entSlot = modelArray(Uint16Array, nEnt);
  const entVal = modelArray(Float32Array, nEnt);
  // a merge of the parents' chunks (each sorted by feature), parents in order so that the slots
  // of one feature ascend: the reads and writes run along the arrays (a scatter by feature would
  // miss the cache on nearly every weight of a large level)
  const cur = W.chunkPtr.slice(0, nParents);
  const end = W.chunkPtr.subarray(1, nParents + 1);
  let at = 0;
  for (let f = 0; f <= dim; f++) {
    featPtr[f] = at;
    for (let p = 0; p < nParents; p++) {
      const r = cur[p];
      if (r < end[p] && rf[r] === f) {
        const base = lv.ptr[p];
        for (let e = rp[r]; e < rp[r + 1]; e++) {
          entSlot[at] = base + ec[e];
          entVal[at++] = ev[e];
        }
        cur[p] = r + 1;
      }
    }
  }
  featPtr[dim + 1] = at;
  return { featPtr, entSlot, entVal };
}

/**
 * A bucket index over the sorted feature ids of every chunk of a level: chunk p's features are cut
 * into buckets of 2^shift[p] ids (about ROWS_PER_BUCKET rows each), and first[ptr[p] + j] is the first
 * row of the chunk whose feature is ≥ j·2^shift[p] (ptr[p+1] − ptr[p] − 1 buckets, the last entry ends the
 * chunk). Looking a feature up reads two entries and scans a bucket: a few reads in place of a
 * binary search. Built at load, never stored.
 */
interface RowDirectory {
  ptr: Int32Array;
  shift: Uint8Array;
  first: Int32Array;
}

/** Rows per bucket of a row directory (0: none, chunks are searched). */
const ROWS_PER_BUCKET = 4;

function rowDirectory(W: LevelWeights, nParents: number, dim: number, rowsPerBucket: number): RowDirectory {
  const ptr = modelArray(Int32Array, nParents + 1);
  const shift = modelArray(Uint8Array, nParents);
  const ids = dim + 1; // the bias row has id dim
  for (let p = 0; p < nParents; p++) {
    const rows = W.chunkPtr[p + 1] - W.chunkPtr[p];
    let s = 0;
    // the fewest buckets of 2^s ids with about rowsPerBucket rows each (ids spread evenly)
    while (s < 30 && (ids >> (s + 1)) * rowsPerBucket >= rows) s++;
    shift[p] = s;
    const nb = rows === 0 ? 0 : (dim >> s) + 1;
    ptr[p + 1] = ptr[p] + nb + 1;
  }
  const first = modelArray(Int32Array, ptr[nParents]);
  const rf = W.rowFeat;
  for (let p = 0; p < nParents; p++) {
    const off = ptr[p];
    const nb = ptr[p + 1] - off - 1;
    const s = shift[p];
    let r = W.chunkPtr[p];
    const r1 = W.chunkPtr[p + 1];
    for (let j = 0; j < nb; j++) {
      const lo = j << s;
      while (r < r1 && rf[r] < lo) r++;
      first[off + j] = r;
    }
    first[off + nb] = r1;
  }
  return { ptr, shift, first };
}

/** The first index in [from, end) whose value is ≥ x in the ascending a[from, end) (end if none), by galloping search from `from`. */
function gallop(a: Int32Array | Uint16Array, from: number, end: number, x: number): number {
  if (from >= end || a[from] >= x) return from;
  // a[from] < x: double the step until a probe reaches x, then bisect the last step
  let below = from;
  let step = 1;
  let probe = from + 1;
  while (probe < end && a[probe] < x) {
    below = probe;
    step <<= 1;
    probe = below + step;
  }
  let l = below + 1;
  let h = Math.min(probe, end);
  while (l < h) {
    const mid = (l + h) >> 1;
    if (a[mid] < x) l = mid + 1;
    else h = mid;
  }
  return l;
}

function hasDuplicates(a: Int32Array): boolean {
  if (a.length < 2) return false;
  const seen = new Set<number>();
  for (const x of a) {
    if (seen.has(x)) return true;
    seen.add(x);
  }
  return false;
}

function mergeMax(labels: Int32Array, scores: Float64Array): { labels: Int32Array; scores: Float64Array } {
  const best = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const prev = best.get(labels[i]);
    if (prev === undefined || scores[i] > prev) best.set(labels[i], scores[i]);
  }
  const items = [...best.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { labels: Int32Array.from(items.map((x) => x[0])), scores: Float64Array.from(items.map((x) => x[1])) };
}

import type { ChainLevel } from "../tree/chain.js";

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
  /** Child position within its parent's children slice. */
  entChild: Int32Array;
  entVal: Float32Array;
}

/** Edge-major weights: column e = edge e (position e of level.children), rows = feature ids. */
export interface EdgeWeights {
  colptr: Int32Array;
  rows: Int32Array;
  values: Float32Array;
}

/** Convert per-edge weight columns into the chunked per-parent layout. */
export function chunkLevel(level: ChainLevel, W: EdgeWeights): LevelWeights {
  const nParents = level.nParents;
  const chunkPtr = new Int32Array(nParents + 1);
  const rowFeats: number[] = [];
  const rowPtr: number[] = [0];
  const entChild: number[] = [];
  const entVal: number[] = [];
  for (let p = 0; p < nParents; p++) {
    const e0 = level.ptr[p];
    const e1 = level.ptr[p + 1];
    // gather (feature, child, value) triples of this parent, sort by feature then child
    const trip: number[] = [];
    for (let e = e0; e < e1; e++) {
      for (let q = W.colptr[e]; q < W.colptr[e + 1]; q++) trip.push(q);
    }
    const child = (q: number): number => {
      // edge of entry q: binary search in colptr over [e0, e1)
      let lo = e0;
      let hi = e1 - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (W.colptr[mid] <= q) lo = mid;
        else hi = mid - 1;
      }
      return lo - e0;
    };
    const withChild = trip.map((q) => [W.rows[q], child(q), W.values[q]] as const);
    withChild.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let last = -1;
    for (const [f, c, v] of withChild) {
      if (f !== last) {
        if (last !== -1) rowPtr.push(entChild.length);
        rowFeats.push(f);
        last = f;
      }
      entChild.push(c);
      entVal.push(v);
    }
    if (last !== -1) rowPtr.push(entChild.length);
    chunkPtr[p + 1] = rowFeats.length;
  }
  return {
    chunkPtr,
    rowFeat: Int32Array.from(rowFeats),
    rowPtr: Int32Array.from(rowPtr),
    entChild: Int32Array.from(entChild),
    entVal: Float32Array.from(entVal),
  };
}

/** Number of stored weights. */
export function levelNnz(w: LevelWeights): number {
  return w.entVal.length;
}

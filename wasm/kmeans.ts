// AssemblyScript kernel for the label-tree 2-means (src/tree/kmeans.ts): the scoring pass
// score[k] = <c, z_S[k]> over the rows S of a CSR matrix Z, and the centroid update between passes.
// Twin of the plain-TS loops in SplitWorkspace.split: the same f64 operations in the same order, so
// the scores (and so the tree) are bit-identical. Built with the options in asconfig.json; JS owns
// the memory and passes byte offsets.
//
// Layout: indptr i32[rows+1], indices i32[nnz], data f32[nnz], c, c1, c2 f64[cols], S i32[n],
// out f64[n], feats i32[cols], mark u8[cols] (zero between calls), inLeft u8[n], moved i32[n].

export function scoreRows(indptr: usize, indices: usize, data: usize, c: usize, S: usize, n: i32, out: usize): void {
  for (let k = 0; k < n; k++) {
    const row = load<i32>(S + (<usize>k << 2));
    const a = load<i32>(indptr + (<usize>row << 2));
    const b = load<i32>(indptr + (<usize>row << 2), 4);
    let sc: f64 = 0;
    for (let q = a; q < b; q++) {
      const f = load<i32>(indices + (<usize>q << 2));
      sc += <f64>load<f32>(data + (<usize>q << 2)) * load<f64>(c + (<usize>f << 3));
    }
    store<f64>(out + (<usize>k << 3), sc);
  }
}

/**
 * The features of the rows S[0, n) in first-seen order into feats (returns their count), with c
 * zeroed on them; mark is zero on entry and on exit.
 */
export function nodeFeatures(indptr: usize, indices: usize, S: usize, n: i32, mark: usize, feats: usize, c: usize): i32 {
  let u = 0;
  for (let k = 0; k < n; k++) {
    const row = load<i32>(S + (<usize>k << 2));
    const b = load<i32>(indptr + (<usize>row << 2), 4);
    for (let q = load<i32>(indptr + (<usize>row << 2)); q < b; q++) {
      const f = load<i32>(indices + (<usize>q << 2));
      if (load<u8>(mark + <usize>f) == 0) {
        store<u8>(mark + <usize>f, 1);
        store<i32>(feats + (<usize>u << 2), f);
        u++;
      }
    }
  }
  for (let t = 0; t < u; t++) {
    const f = load<i32>(feats + (<usize>t << 2));
    store<u8>(mark + <usize>f, 0);
    store<f64>(c + (<usize>f << 3), 0);
  }
  return u;
}

// @ts-ignore: decorator
@inline
function addRow(indptr: usize, indices: usize, data: usize, row: i32, scale: f64, out: usize): void {
  const b = load<i32>(indptr + (<usize>row << 2), 4);
  for (let q = load<i32>(indptr + (<usize>row << 2)); q < b; q++) {
    const p = out + (<usize>load<i32>(indices + (<usize>q << 2)) << 3);
    store<f64>(p, load<f64>(p) + scale * <f64>load<f32>(data + (<usize>q << 2)));
  }
}

/**
 * The centroid update after a pass: the side sums c1 (right rows) and c2 (left rows), built from
 * every row after the first pass (first != 0) and otherwise changed by the nMoved moved positions
 * only, then c = c1/|c1| - c2/|c2| on the node's features.
 */
export function updateCentroid(
  indptr: usize, indices: usize, data: usize, S: usize, n: i32, inLeft: usize, moved: usize, nMoved: i32,
  first: i32, feats: usize, u: i32, c1: usize, c2: usize, c: usize,
): void {
  if (first != 0) {
    for (let t = 0; t < u; t++) {
      const o = <usize>load<i32>(feats + (<usize>t << 2)) << 3;
      store<f64>(c1 + o, 0);
      store<f64>(c2 + o, 0);
    }
    for (let k = 0; k < n; k++) addRow(indptr, indices, data, load<i32>(S + (<usize>k << 2)), 1, load<u8>(inLeft + <usize>k) != 0 ? c2 : c1);
  } else {
    for (let m = 0; m < nMoved; m++) {
      const k = load<i32>(moved + (<usize>m << 2));
      const row = load<i32>(S + (<usize>k << 2));
      const left = load<u8>(inLeft + <usize>k) != 0;
      addRow(indptr, indices, data, row, 1, left ? c2 : c1);
      addRow(indptr, indices, data, row, -1, left ? c1 : c2);
    }
  }
  let n1: f64 = 0;
  let n2: f64 = 0;
  for (let t = 0; t < u; t++) {
    const o = <usize>load<i32>(feats + (<usize>t << 2)) << 3;
    const a = load<f64>(c1 + o);
    const b = load<f64>(c2 + o);
    n1 += a * a;
    n2 += b * b;
  }
  const i1: f64 = n1 > 0 ? 1 / Math.sqrt(n1) : 0;
  const i2: f64 = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
  for (let t = 0; t < u; t++) {
    const o = <usize>load<i32>(feats + (<usize>t << 2)) << 3;
    store<f64>(c + o, load<f64>(c1 + o) * i1 - load<f64>(c2 + o) * i2);
  }
}

/** First free byte above the static data. */
export function heapBase(): usize {
  return __heap_base;
}

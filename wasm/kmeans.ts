// AssemblyScript kernel for the label-tree 2-means (src/tree/kmeans.ts): the scoring pass
// score[k] = <c, z_S[k]> over the rows S of a CSR matrix Z. Twin of the plain-TS loop in
// SplitWorkspace.split: the same sequential f64 sum in the same order, so the scores (and so the
// tree) are bit-identical. Built with the options in asconfig.json; JS owns the memory and
// passes byte offsets.
//
// Layout: indptr i32[rows+1], indices i32[nnz], data f32[nnz], c f64[cols], S i32[n], out f64[n].

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

/** First free byte above the static data. */
export function heapBase(): usize {
  return __heap_base;
}

// AssemblyScript kernel for exact single-query search (src/retrieval/scan-wasm.ts): the scores
// out[i] = <items[i], q> of one query against n row-major float32 items of dimension d, with
// f32x4 SIMD and two accumulators. The items stay resident in the module's memory between calls
// (copied once per index), so a query costs one pass over them and no copy. JS owns the memory
// and passes byte offsets; items and q must be 16-byte aligned.

export function scoreAll(items: usize, n: i32, d: i32, q: usize, out: usize): void {
  const d8 = d & ~7;
  const d4 = d & ~3;
  const rowBytes = <usize>d << 2;
  let row = items;
  for (let i = 0; i < n; i++) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let j = 0;
    for (; j < d8; j += 8) {
      const o = <usize>j << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(row + o), v128.load(q + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(row + o, 16), v128.load(q + o, 16)));
    }
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(row + o), v128.load(q + o)));
    }
    const a = f32x4.add(a0, a1);
    let s: f32 = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3));
    for (; j < d; j++) s += load<f32>(row + (<usize>j << 2)) * load<f32>(q + (<usize>j << 2));
    store<f32>(out + (<usize>i << 2), s);
    row += rowBytes;
  }
}

/** First free byte above the static data. */
export function heapBase(): usize {
  return __heap_base;
}

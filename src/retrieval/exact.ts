/**
 * Exact maximum-inner-product top-k (cosine similarity when rows are L2-normalised).
 *
 * {@link exactTopK} scores a block of queries against a block of items with the engine's GEMM
 * (WebAssembly SIMD kernel for large products) into a scratch buffer and keeps one bounded
 * min-heap per query; one to three queries take a plain dot-product loop instead (the GEMM
 * kernel wants at least four rows, and the copy into wasm memory would dominate).
 *
 * Result layout: `ids` and `scores` are m×k row-major, each row sorted by score descending, ties
 * by smaller id. When there are fewer than k items the rows are padded with id -1 and score
 * -Infinity, so the shape is always m×k.
 */
import { XmcError } from "../core/errors.js";
import { TopKHeap } from "../core/topk.js";
import { gemm } from "../nn/gemm.js";
import { createResidentScan, type ResidentScan } from "./scan-wasm.js";

/** m×k neighbour ids (-1 = padding) and their scores (-Infinity = padding), rows sorted best first. */
export interface TopK {
  ids: Int32Array;
  scores: Float32Array;
}

/** Inner product of row `a` of `A` (offset aOff) and row of `B` at offset bOff, length d. */
export function dotAt(A: Float32Array, aOff: number, B: Float32Array, bOff: number, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += A[aOff + j] * B[bOff + j];
    s1 += A[aOff + j + 1] * B[bOff + j + 1];
    s2 += A[aOff + j + 2] * B[bOff + j + 2];
    s3 += A[aOff + j + 3] * B[bOff + j + 3];
  }
  for (; j < d; j++) s0 += A[aOff + j] * B[bOff + j];
  return s0 + s1 + (s2 + s3);
}

function check(items: Float32Array, n: number, d: number, queries: Float32Array, m: number, k: number): void {
  for (const [name, v] of [["n", n], ["d", d], ["m", m], ["k", k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new XmcError(`exactTopK: ${name} must be a non-negative integer, got ${v}`);
  }
  if (items.length < n * d) throw new XmcError(`exactTopK: items has ${items.length} values, need n×d = ${n * d}`);
  if (queries.length < m * d) throw new XmcError(`exactTopK: queries has ${queries.length} values, need m×d = ${m * d}`);
}

/** Query rows per GEMM block and item rows per GEMM block (scratch = QB×IB floats = 256 KiB). */
const QB = 64;
const IB = 1024;

/**
 * Exact top-k by inner product of each of the m query rows against the n item rows (both
 * row-major with d columns). Returns m×k arrays (see the module comment for order and padding).
 */
export function exactTopK(items: Float32Array, n: number, d: number, queries: Float32Array, m: number, k: number): TopK {
  check(items, n, d, queries, m, k);
  const ids = new Int32Array(m * k);
  const scores = new Float32Array(m * k);
  if (m === 0 || k === 0) return { ids, scores };
  if (m < 4) {
    const heap = new TopKHeap(k);
    for (let q = 0; q < m; q++) {
      singleInto(items, n, d, queries, q * d, heap);
      heap.drainSorted(ids, scores, q * k, k);
    }
    return { ids, scores };
  }
  const heaps: TopKHeap[] = [];
  for (let q = 0; q < Math.min(QB, m); q++) heaps.push(new TopKHeap(k));
  const scratch = new Float32Array(QB * IB);
  for (let q0 = 0; q0 < m; q0 += QB) {
    const qb = Math.min(QB, m - q0);
    for (let i0 = 0; i0 < n; i0 += IB) {
      const ib = Math.min(IB, n - i0);
      // scratch (qb×ib) = Q[q0:q0+qb] · I[i0:i0+ib]ᵀ
      gemm(false, true, qb, ib, d, queries.subarray(q0 * d, (q0 + qb) * d), items.subarray(i0 * d, (i0 + ib) * d), scratch);
      for (let q = 0; q < qb; q++) {
        const h = heaps[q];
        const row = q * ib;
        for (let j = 0; j < ib; j++) {
          const s = scratch[row + j];
          // cheap reject before the call: a full heap only takes scores >= its worst
          if (h.size === k && s < h.scores[0]) continue;
          h.push(i0 + j, s);
        }
      }
    }
    for (let q = 0; q < qb; q++) heaps[q].drainSorted(ids, scores, (q0 + q) * k, k);
  }
  return { ids, scores };
}

/** Single-query fast path: dot-product loop over the items into `heap` (which it clears first). */
function singleInto(items: Float32Array, n: number, d: number, query: Float32Array, qOff: number, heap: TopKHeap): void {
  heap.clear();
  const k = heap.k;
  for (let i = 0, off = 0; i < n; i++, off += d) {
    const s = Math.fround(dotAt(query, qOff, items, off, d));
    if (heap.size === k && s < heap.scores[0]) continue;
    heap.push(i, s);
  }
}

/**
 * Exact search over a fixed set of items, for repeated queries (a model's training queries or
 * prototypes). Batches go to {@link exactTopK}; one to three queries scan the items with the
 * WebAssembly SIMD kernel, the items copied into wasm memory once, on the first such query
 * (plain TypeScript when the kernel is unavailable). The items must not change afterwards.
 * Scores are float32 sums in another order than the batch path's, so near-ties may rank differently.
 */
export class ExactIndex {
  private resident: ResidentScan | null | undefined;
  private heap: TopKHeap | null = null;
  private static made = new WeakMap<Float32Array, ExactIndex>();

  constructor(readonly items: Float32Array, readonly n: number, readonly d: number) {
    check(items, n, d, new Float32Array(0), 0, 0);
  }

  /** The index over `items`, one per array (made on first use, dropped with the array). */
  static of(items: Float32Array, n: number, d: number): ExactIndex {
    let e = ExactIndex.made.get(items);
    if (!e || e.n !== n || e.d !== d) {
      e = new ExactIndex(items, n, d);
      ExactIndex.made.set(items, e);
    }
    return e;
  }

  /** Top-k of each of the m query rows (m×d, row-major); layout as {@link exactTopK}. */
  search(queries: Float32Array, m: number, k: number): TopK {
    if (m >= 4 || m === 0 || k === 0) return exactTopK(this.items, this.n, this.d, queries, m, k);
    check(this.items, this.n, this.d, queries, m, k);
    if (this.resident === undefined) this.resident = createResidentScan(this.items, this.n, this.d);
    if (this.resident === null) return exactTopK(this.items, this.n, this.d, queries, m, k);
    if (this.heap === null || this.heap.k !== k) this.heap = new TopKHeap(k);
    const heap = this.heap;
    const ids = new Int32Array(m * k);
    const scores = new Float32Array(m * k);
    for (let q = 0; q < m; q++) {
      const s = this.resident.score(queries, q * this.d);
      heap.clear();
      for (let i = 0; i < this.n; i++) {
        const v = s[i];
        if (heap.size === k && v < heap.scores[0]) continue;
        heap.push(i, v);
      }
      heap.drainSorted(ids, scores, q * k, k);
    }
    return { ids, scores };
  }
}

/** Exact top-k of one query vector (length d): the fast path of {@link exactTopK} with m = 1. */
export function exactTopK1(items: Float32Array, n: number, d: number, query: Float32Array, k: number): TopK {
  return exactTopK(items, n, d, query, 1, k);
}

/**
 * Plain-loop oracle for tests: every score in float64 as Σ q·x, a full sort by (score desc, id asc),
 * same output layout as {@link exactTopK}.
 */
export function exactTopKNaive(items: Float32Array, n: number, d: number, queries: Float32Array, m: number, k: number): TopK {
  check(items, n, d, queries, m, k);
  const ids = new Int32Array(m * k).fill(-1);
  const scores = new Float32Array(m * k).fill(-Infinity);
  const order = Array.from({ length: n }, (_, i) => i);
  const sc = new Float64Array(n);
  for (let q = 0; q < m; q++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += queries[q * d + j] * items[i * d + j];
      sc[i] = Math.fround(s);
    }
    order.sort((a, b) => sc[b] - sc[a] || a - b);
    for (let j = 0; j < Math.min(k, n); j++) {
      ids[q * k + j] = order[j];
      scores[q * k + j] = sc[order[j]];
    }
  }
  return { ids, scores };
}

/** Scale each of the n rows (d columns) of `a` to unit L2 norm in place; all-zero rows stay zero. */
export function normalizeRows(a: Float32Array, n: number, d: number): Float32Array {
  for (let i = 0, off = 0; i < n; i++, off += d) {
    const s = Math.sqrt(dotAt(a, off, a, off, d));
    if (s > 0) for (let j = 0; j < d; j++) a[off + j] /= s;
  }
  return a;
}

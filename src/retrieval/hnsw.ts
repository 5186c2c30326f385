/**
 * Hierarchical Navigable Small World graph (Malkov & Yashunin, 2018) for maximum inner product
 * over L2-normalised vectors (so inner product = cosine similarity; rows are used as given, not
 * normalised here).
 *
 * Storage is flat typed arrays: node levels, and per layer l one Int32Array of fixed-stride
 * neighbour lists `[count, id_1, ..., id_Mmax]` (Mmax = 2M on layer 0, M above). Layer 0 holds
 * every node at its id; a node of level L sits on layers 1..L at its rank among the nodes of level
 * ≥ l (derived from the levels, so it need not be stored). The vectors are referenced, not copied.
 *
 * Construction inserts nodes in id order with levels drawn from the seeded {@link Rng}
 * (⌊-ln U · 1/ln M⌋), greedy descent through the upper layers, a beam search of width
 * efConstruction per layer, and the paper's neighbour-selection heuristic (Algorithm 4, without
 * extending or keeping pruned candidates) both for a new node's links and for shrinking an
 * overflowing list. Same vectors + same params ⇒ the same graph and the same search results.
 * The visited set is a generation-stamped Int32Array; searches allocate only their output.
 */
import { XmcError } from "../core/errors.js";
import { parseParams, type ParamsOf, type Schema } from "../core/params.js";
import { silentProgress, type Progress } from "../core/progress.js";
import { Rng } from "../core/rng.js";
import { TopKHeap } from "../core/topk.js";
import { dotAt, type TopK } from "./exact.js";

/** Parameters of an {@link HnswIndex}. */
export const HNSW_SCHEMA = {
  M: { type: "number", default: 16, min: 2, max: 1024, integer: true, help: "links per node on the upper layers (2M on layer 0)" },
  efConstruction: { type: "number", default: 200, min: 1, integer: true, help: "beam width while inserting nodes (larger: better graph, slower build)" },
  efSearch: { type: "number", default: 64, min: 1, integer: true, help: "default beam width of a query (raised to k when smaller)" },
  seed: { type: "number", default: 1, min: 0, integer: true, help: "seed of the level draws" },
} as const satisfies Schema;

export type HnswParams = ParamsOf<typeof HNSW_SCHEMA>;

/** Validate user input (an object, possibly partial) into full HNSW parameters; unknown fields are rejected. */
export function parseHnswParams(input: unknown, where = "hnsw"): HnswParams {
  return parseParams(HNSW_SCHEMA, input, where);
}

/** JSON-serialisable description of an index; with {@link HnswIndex.toArrays} and the vectors it restores the index. */
export interface HnswMeta {
  kind: "hnsw";
  n: number;
  d: number;
  params: HnswParams;
  /** Entry point (a node on the top layer), -1 when empty. */
  entry: number;
  /** Top layer, -1 when empty. */
  maxLevel: number;
}

/** Highest level a node may draw (levels are stored in a Uint8Array). */
const MAX_LEVEL = 31;

/** Growable binary max-heap of (score, id) pairs: the candidate queue of a layer search. */
class MaxHeap {
  ids = new Int32Array(64);
  scores = new Float32Array(64);
  size = 0;
  push(id: number, score: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2), sc = new Float32Array(this.size * 2);
      ids.set(this.ids);
      sc.set(this.scores);
      this.ids = ids;
      this.scores = sc;
    }
    const s = this.scores, ids = this.ids;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (s[p] >= score) break;
      s[i] = s[p];
      ids[i] = ids[p];
      i = p;
    }
    s[i] = score;
    ids[i] = id;
  }
  /** Remove the best pair; read it from `topId`/`topScore` before calling. */
  pop(): void {
    const s = this.scores, ids = this.ids;
    const n = --this.size;
    if (n === 0) return;
    const score = s[n], id = ids[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && s[c + 1] > s[c]) c++;
      if (s[c] <= score) break;
      s[i] = s[c];
      ids[i] = ids[c];
      i = c;
    }
    s[i] = score;
    ids[i] = id;
  }
}

/** A navigable small-world graph over n normalised vectors of dimension d, searched by inner product. */
export class HnswIndex {
  /** Links per layer: stride (Mmax_l + 1) records `[count, ids...]`, record r = node of rank r on that layer. */
  private readonly links: Int32Array[];
  /** Per layer l ≥ 1: rank of each node on that layer, -1 when absent (slots[0] is unused: identity). */
  private readonly slots: Int32Array[];
  private readonly strides: number[];
  private entry: number;
  private maxLevel: number;

  // search scratch (reused; an index is not re-entrant)
  private readonly visited: Int32Array;
  private stamp = 0;
  private readonly cand = new MaxHeap();
  private readonly heaps = new Map<number, TopKHeap>();
  private resIds = new Int32Array(0);
  private resScores = new Float32Array(0);

  private constructor(
    /** The n×d row-major vectors (referenced, not copied). */
    readonly vectors: Float32Array,
    readonly n: number,
    readonly d: number,
    readonly params: HnswParams,
    /** Level of each node. */
    private readonly levels: Uint8Array,
    links: Int32Array[] | null,
    entry: number,
    maxLevel: number,
  ) {
    this.entry = entry;
    this.maxLevel = maxLevel;
    const layers = maxLevel + 1;
    this.strides = [];
    this.slots = [new Int32Array(0)];
    const counts = [n];
    for (let l = 1; l < layers; l++) {
      const slot = new Int32Array(n).fill(-1);
      let c = 0;
      for (let i = 0; i < n; i++) if (levels[i] >= l) slot[i] = c++;
      this.slots.push(slot);
      counts.push(c);
    }
    for (let l = 0; l < layers; l++) this.strides.push((l === 0 ? 2 * params.M : params.M) + 1);
    if (links) {
      for (let l = 0; l < layers; l++) {
        const want = counts[l] * this.strides[l];
        if (!links[l] || links[l].length !== want) throw new XmcError(`hnsw: links${l} has ${links[l]?.length ?? 0} values, expected ${want}`);
      }
      this.links = links;
    } else {
      this.links = counts.map((c, l) => new Int32Array(c * this.strides[l]));
    }
    this.visited = new Int32Array(n);
  }

  /**
   * Build an index over the n rows (d columns, row-major, L2-normalised) of `vectors`.
   * `params` is validated with {@link parseHnswParams} (partial objects get defaults).
   */
  static build(vectors: Float32Array, n: number, d: number, params?: unknown, progress: Progress = silentProgress): HnswIndex {
    const p = parseHnswParams(params);
    checkShape(vectors, n, d);
    const rng = new Rng(p.seed);
    const mL = 1 / Math.log(p.M);
    const levels = new Uint8Array(n);
    let top = -1;
    for (let i = 0; i < n; i++) {
      const lv = Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - rng.next()) * mL));
      levels[i] = lv;
      if (lv > top) top = lv;
    }
    const index = new HnswIndex(vectors, n, d, p, levels, null, -1, top);
    index.maxLevel = -1; // grows as nodes are inserted
    progress.start("HNSW build", n);
    for (let i = 0; i < n; i++) {
      index.insert(i);
      if ((i & 255) === 255) progress.tick(256);
    }
    progress.tick(n & 255);
    progress.stop();
    return index;
  }

  /** Restore an index from {@link meta} and {@link toArrays} output over the same vectors. */
  static fromArrays(vectors: Float32Array, meta: HnswMeta, arrays: Record<string, Int32Array | Float32Array>): HnswIndex {
    if (!meta || meta.kind !== "hnsw") throw new XmcError(`hnsw: meta is not an HNSW index description`);
    const { n, d } = meta;
    checkShape(vectors, n, d);
    const p = parseHnswParams(meta.params, "hnsw.params");
    const lv = arrays.levels;
    if (!(lv instanceof Int32Array) || lv.length !== n) throw new XmcError(`hnsw: levels must be an Int32Array of length ${n}`);
    const levels = new Uint8Array(n);
    let top = -1;
    for (let i = 0; i < n; i++) {
      if (lv[i] < 0 || lv[i] > MAX_LEVEL) throw new XmcError(`hnsw: level of node ${i} out of range: ${lv[i]}`);
      levels[i] = lv[i];
      if (lv[i] > top) top = lv[i];
    }
    if (top !== meta.maxLevel) throw new XmcError(`hnsw: maxLevel ${meta.maxLevel} does not match the levels (${top})`);
    if (n > 0 && !(Number.isInteger(meta.entry) && meta.entry >= 0 && meta.entry < n && levels[meta.entry] === top)) {
      throw new XmcError(`hnsw: bad entry point ${meta.entry}`);
    }
    const links: Int32Array[] = [];
    for (let l = 0; l <= top; l++) {
      const a = arrays[`links${l}`];
      if (!(a instanceof Int32Array)) throw new XmcError(`hnsw: links${l} missing or not an Int32Array`);
      links.push(a);
    }
    const index = new HnswIndex(vectors, n, d, p, levels, links, n > 0 ? meta.entry : -1, top);
    index.checkLinks();
    return index;
  }

  /** The JSON part of the serialised index. */
  meta(): HnswMeta {
    return { kind: "hnsw", n: this.n, d: this.d, params: { ...this.params }, entry: this.entry, maxLevel: this.maxLevel };
  }

  /** The binary part of the serialised index: `levels` and `links0..links{maxLevel}` (views, not copies). */
  toArrays(): Record<string, Int32Array | Float32Array> {
    const out: Record<string, Int32Array | Float32Array> = { levels: Int32Array.from(this.levels) };
    this.links.forEach((a, l) => (out[`links${l}`] = a));
    return out;
  }

  /** Number of layers and mean out-degree of layer 0 (for reports). */
  stats(): { layers: number; meanDegree0: number } {
    const s = this.strides[0] ?? 1;
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += this.links[0][i * s];
    return { layers: this.maxLevel + 1, meanDegree0: this.n ? sum / this.n : 0 };
  }

  /**
   * The approximate k nearest vectors to `query` (length d) by inner product: ids and scores
   * best first, padded with -1 / -Infinity when fewer than k are found. `ef` (default
   * params.efSearch) is the beam width, raised to k when smaller.
   */
  search(query: Float32Array, k: number, ef?: number): TopK {
    if (query.length < this.d) throw new XmcError(`hnsw.search: query has ${query.length} values, need d = ${this.d}`);
    const ids = new Int32Array(k).fill(-1);
    const scores = new Float32Array(k).fill(-Infinity);
    this.searchInto(query, 0, k, ef, ids, scores, 0);
    return { ids, scores };
  }

  /** {@link search} for each of the m rows of `queries` (m×d): m×k ids and scores. */
  searchBatch(queries: Float32Array, m: number, k: number, ef?: number): TopK {
    if (queries.length < m * this.d) throw new XmcError(`hnsw.searchBatch: queries has ${queries.length} values, need m×d = ${m * this.d}`);
    const ids = new Int32Array(m * k).fill(-1);
    const scores = new Float32Array(m * k).fill(-Infinity);
    for (let q = 0; q < m; q++) this.searchInto(queries, q * this.d, k, ef, ids, scores, q * k);
    return { ids, scores };
  }

  private searchInto(query: Float32Array, qOff: number, k: number, ef: number | undefined, ids: Int32Array, scores: Float32Array, off: number): void {
    if (!Number.isInteger(k) || k < 0) throw new XmcError(`hnsw.search: k must be a non-negative integer, got ${k}`);
    const e = ef ?? this.params.efSearch;
    if (!Number.isInteger(e) || e < 1) throw new XmcError(`hnsw.search: ef must be a positive integer, got ${ef}`);
    if (this.entry < 0 || k === 0) return;
    let cur = this.entry;
    let curS = this.sim(query, qOff, cur);
    for (let l = this.maxLevel; l >= 1; l--) {
      cur = this.greedy(query, qOff, cur, curS, l);
      curS = this.sim(query, qOff, cur);
    }
    this.ensureRes(1);
    this.resIds[0] = cur;
    const cnt = this.searchLayer(query, qOff, this.resIds, 1, Math.max(e, k), 0);
    const take = Math.min(k, cnt);
    ids.set(this.resIds.subarray(0, take), off);
    scores.set(this.resScores.subarray(0, take), off);
  }

  private sim(q: Float32Array, qOff: number, node: number): number {
    return Math.fround(dotAt(q, qOff, this.vectors, node * this.d, this.d));
  }

  private ensureRes(size: number): void {
    if (this.resIds.length >= size) return;
    this.resIds = new Int32Array(size);
    this.resScores = new Float32Array(size);
  }

  /** Greedy walk on layer l from `cur` to a local maximum of the similarity; returns the node. */
  private greedy(q: Float32Array, qOff: number, cur: number, curS: number, l: number): number {
    const links = this.links[l], stride = this.strides[l], slot = this.slots[l];
    for (let changed = true; changed; ) {
      changed = false;
      const base = (l === 0 ? cur : slot[cur]) * stride;
      const cnt = links[base];
      for (let j = 1; j <= cnt; j++) {
        const e = links[base + j];
        const s = this.sim(q, qOff, e);
        if (s > curS) {
          curS = s;
          cur = e;
          changed = true;
        }
      }
    }
    return cur;
  }

  /**
   * Beam search of width ef on layer l from the `epCount` entry points in `eps` (Algorithm 2).
   * Writes the found nodes best first into resIds/resScores (which may alias `eps`) and returns how many.
   */
  private searchLayer(q: Float32Array, qOff: number, eps: Int32Array, epCount: number, ef: number, l: number): number {
    if (++this.stamp === 0x7fffffff) {
      this.visited.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp, visited = this.visited;
    const links = this.links[l], stride = this.strides[l], slot = this.slots[l];
    const C = this.cand;
    C.size = 0;
    let W = this.heaps.get(ef);
    if (!W) this.heaps.set(ef, (W = new TopKHeap(ef)));
    W.clear();
    for (let i = 0; i < epCount; i++) {
      const e = eps[i];
      if (visited[e] === stamp) continue;
      visited[e] = stamp;
      const s = this.sim(q, qOff, e);
      C.push(e, s);
      W.push(e, s);
    }
    while (C.size > 0) {
      const c = C.ids[0], cs = C.scores[0];
      if (W.size >= ef && cs < W.scores[0]) break;
      C.pop();
      const base = (l === 0 ? c : slot[c]) * stride;
      const cnt = links[base];
      for (let j = 1; j <= cnt; j++) {
        const e = links[base + j];
        if (visited[e] === stamp) continue;
        visited[e] = stamp;
        const s = this.sim(q, qOff, e);
        if (W.size < ef || s > W.scores[0]) {
          C.push(e, s);
          W.push(e, s);
        }
      }
    }
    const cnt = W.size;
    this.ensureRes(Math.max(cnt, ef));
    W.drainSorted(this.resIds, this.resScores, 0, cnt);
    return cnt;
  }

  /**
   * Neighbour-selection heuristic (Algorithm 4): walk the candidates (sorted best first by
   * similarity to the base node) and keep one when it is more similar to the base than to every
   * neighbour kept so far, up to `M`. Writes into `out`, returns the count.
   */
  private selectHeuristic(candIds: Int32Array, candS: Float32Array, cnt: number, M: number, out: Int32Array): number {
    const V = this.vectors, d = this.d;
    let kept = 0;
    for (let i = 0; i < cnt && kept < M; i++) {
      const c = candIds[i], cs = candS[i], co = c * d;
      let good = true;
      for (let j = 0; j < kept; j++) {
        if (Math.fround(dotAt(V, co, V, out[j] * d, d)) > cs) {
          good = false;
          break;
        }
      }
      if (good) out[kept++] = c;
    }
    return kept;
  }

  // insertion scratch
  private sel = new Int32Array(0);
  private eps = new Int32Array(0);
  private prIds = new Int32Array(0);
  private prS = new Float32Array(0);

  /** Insert node q (its level already drawn) into the graph (Algorithm 1). */
  private insert(q: number): void {
    const lq = this.levels[q];
    const { M, efConstruction } = this.params;
    if (this.entry < 0) {
      this.entry = q;
      this.maxLevel = lq;
      return;
    }
    if (this.sel.length < 2 * M + 1) {
      this.sel = new Int32Array(2 * M + 1);
      this.prIds = new Int32Array(2 * M + 1);
      this.prS = new Float32Array(2 * M + 1);
    }
    const V = this.vectors, qOff = q * this.d;
    let cur = this.entry;
    for (let l = this.maxLevel; l > lq; l--) cur = this.greedy(V, qOff, cur, this.sim(V, qOff, cur), l);
    if (this.eps.length < efConstruction) this.eps = new Int32Array(efConstruction);
    this.eps[0] = cur;
    let epCount = 1;
    for (let l = Math.min(lq, this.maxLevel); l >= 0; l--) {
      const cnt = this.searchLayer(V, qOff, this.eps, epCount, efConstruction, l);
      const kept = this.selectHeuristic(this.resIds, this.resScores, cnt, M, this.sel);
      const links = this.links[l], stride = this.strides[l];
      const base = (l === 0 ? q : this.slots[l][q]) * stride;
      links[base] = kept;
      links.set(this.sel.subarray(0, kept), base + 1);
      this.eps.set(this.resIds.subarray(0, cnt));
      epCount = cnt;
      for (let j = 1; j <= kept; j++) this.connect(links[base + j], q, l);
    }
    if (lq > this.maxLevel) {
      this.entry = q;
      this.maxLevel = lq;
    }
  }

  /** Add the link e → q on layer l; an overflowing list is shrunk with the heuristic. */
  private connect(e: number, q: number, l: number): void {
    const links = this.links[l], stride = this.strides[l], Mmax = stride - 1;
    const base = (l === 0 ? e : this.slots[l][e]) * stride;
    const cnt = links[base];
    if (cnt < Mmax) {
      links[base + 1 + cnt] = q;
      links[base] = cnt + 1;
      return;
    }
    // candidates: current neighbours + q, scored against e, sorted best first (ties by id)
    const ids = this.prIds, sc = this.prS, V = this.vectors, eOff = e * this.d;
    let m = 0;
    for (let j = 0; j <= cnt; j++) {
      const c = j < cnt ? links[base + 1 + j] : q;
      const s = this.sim(V, eOff, c);
      let i = m++;
      while (i > 0 && (sc[i - 1] < s || (sc[i - 1] === s && ids[i - 1] > c))) {
        sc[i] = sc[i - 1];
        ids[i] = ids[i - 1];
        i--;
      }
      sc[i] = s;
      ids[i] = c;
    }
    const kept = this.selectHeuristic(ids, sc, m, Mmax, this.sel);
    links[base] = kept;
    links.set(this.sel.subarray(0, kept), base + 1);
  }

  /** Validate restored link lists: counts within the stride, ids of nodes present on the layer. */
  private checkLinks(): void {
    for (let l = 0; l < this.links.length; l++) {
      const a = this.links[l], stride = this.strides[l], slot = this.slots[l];
      for (let base = 0; base < a.length; base += stride) {
        const cnt = a[base];
        if (cnt < 0 || cnt >= stride) throw new XmcError(`hnsw: links${l}: bad neighbour count ${cnt}`);
        for (let j = 1; j <= cnt; j++) {
          const e = a[base + j];
          if (!(e >= 0 && e < this.n) || (l > 0 && slot[e] < 0)) throw new XmcError(`hnsw: links${l}: bad neighbour id ${e}`);
        }
      }
    }
  }
}

function checkShape(vectors: Float32Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 0) throw new XmcError(`hnsw: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new XmcError(`hnsw: d must be a positive integer, got ${d}`);
  if (!(vectors instanceof Float32Array) || vectors.length < n * d) throw new XmcError(`hnsw: vectors must be a Float32Array of at least n×d = ${n * d} values`);
}

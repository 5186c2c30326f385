/**
 * The WebAssembly group solver: the AssemblyScript kernel `wasm/dcd.ts`, compiled by
 * `scripts/build-wasm.mjs` to `dist/wasm/dcd.wasm`, driven from here. JS owns the wasm memory
 * and lays it out with a bump allocator: X (CSR) and the dense w are copied in once per
 * solver, per-group buffers are allocated above them and released by resetting the bump
 * pointer at the start of the next group. Any `memory.grow` detaches views, so views are
 * created on demand right before each copy and never kept.
 */
import { readFileSync } from "node:fs";
import type { Csr } from "../core/csr.js";
import { BlockBuilder, checkGroup, laneStride } from "./dcd.js";
import type { SolverParams } from "./params.js";
import { type GroupSolver, SOLVER_LANES, type WeightBlock } from "./types.js";

/** Where the build puts the kernel, relative to this file once compiled (dist/src/linear/wasm.js). */
const WASM_URL = new URL("../../wasm/dcd.wasm", import.meta.url);
const PAGE = 65536;
const MAX_PAGES = 65536; // wasm32: 4 GiB
/**
 * Groups whose rows hold at most this many non-zeros are copied into a compact block before
 * solving (see `localizeGroup` in wasm/dcd.ts): up to 8 MB per solver. At 100K labels this covers
 * the third and leaf levels, whose many small groups the copy speeds up (one tree: 166-183 -> 137-148
 * CPU s, identical model); the top levels' groups are tens of MB, where the copy gained nothing.
 */
const LOCAL_MAX_ENTRIES = 1 << 20;

/** Solver options for tests: the size limit of the compact group copy (0: never copy). */
export interface WasmSolverOptions {
  localMaxEntries?: number;
}

interface DcdExports {
  prepareGroup(ip: number, ix: number, xv: number, d: number, rows: number, n: number, mark: number, touched: number, xsq: number, rec: number): number;
  trainChild(
    rec: number, ix: number, xv: number, d: number, n: number, xsq: number, touched: number, u: number,
    w: number, y: number, index: number, pos: number, npos: number,
    Cp: number, Cn: number, bias: number, eps: number, maxIter: number, seed: number, threshold: number,
    outIdx: number, outVal: number, local: number,
  ): number;
  laneRecordBytes(Gp: number): number;
  initLanes(rec: number, xsq: number, n: number, Gp: number, G: number, lrec: number): void;
  startLanes(n: number, G: number, index: number, lanes: number, delta: number, Gp: number, seed: number, st: number): void;
  passLanes(
    lrec: number, ix: number, xv: number, n: number, W: number, Gp: number, G: number,
    index: number, lanes: number, dots: number, delta: number,
    Cp: number, Cn: number, bias: number, eps: number, maxIter: number, st: number,
  ): number;
  laneCounts(W: number, Gp: number, G: number, touched: number, u: number, local: number, lanes: number, bias: number, threshold: number, counts: number): number;
  laneWeights(
    W: number, Gp: number, G: number, touched: number, u: number, local: number, d: number, lanes: number, bias: number, threshold: number,
    outIdx: number, outVal: number, at: number,
  ): void;
  clearLanes(W: number, Gp: number, touched: number, u: number, local: number): void;
  localizeGroup(rec: number, ix: number, xv: number, n: number, touched: number, u: number, map: number, lix: number, lxv: number): void;
  heapBase(): number;
}

let cachedModule: WebAssembly.Module | null = null;

/** Compile (once per process) the DCD kernel. Throws when the binary is missing or invalid. */
export function loadDcdModule(): WebAssembly.Module {
  if (!cachedModule) cachedModule = new WebAssembly.Module(readFileSync(WASM_URL));
  return cachedModule;
}

/** Bump allocator over an imported wasm memory. */
class Arena {
  private top: number;
  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = base;
  }
  /** Reserve `bytes` (8-byte aligned), growing the memory when needed; returns the byte offset. */
  alloc(bytes: number): number {
    const p = (this.top + 7) & ~7;
    const end = p + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`wasm solver: needs ${end} bytes, more than the 4 GiB of wasm32 memory`);
      this.memory.grow(pages);
    }
    this.top = end;
    return p;
  }
  get position(): number {
    return this.top;
  }
  /** Release everything allocated after `pos`. */
  resetTo(pos: number): void {
    this.top = pos;
  }
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, len);
  }
  i8(ptr: number, len: number): Int8Array {
    return new Int8Array(this.memory.buffer, ptr, len);
  }
  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }
}

/** A GroupSolver running the wasm kernel; same results as `createJsSolver` (bit-identical weights). */
export function createWasmSolver(X: Csr, o: WasmSolverOptions = {}): GroupSolver {
  const localMax = o.localMaxEntries ?? LOCAL_MAX_ENTRIES;
  const module = loadDcdModule();
  const d = X.cols;
  const nz = X.indptr[X.rows];
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  const instance = new WebAssembly.Instance(module, { env: { memory, log: Math.log, exp: Math.exp } });
  const k = instance.exports as unknown as DcdExports;
  const arena = new Arena(memory, k.heapBase());

  // fixed region: X, w (f64[d]), mark (u8[d], zero), touched (i32[d]), map (i32[d], scratch)
  const ip = arena.alloc(4 * (X.rows + 1));
  const ix = arena.alloc(4 * nz);
  const xv = arena.alloc(4 * nz);
  const w = arena.alloc(8 * d);
  const mark = arena.alloc(d);
  const touched = arena.alloc(4 * d);
  const map = arena.alloc(4 * d);
  arena.i32(ip, X.rows + 1).set(X.indptr.subarray(0, X.rows + 1));
  arena.i32(ix, nz).set(X.indices.subarray(0, nz));
  arena.f32(xv, nz).set(X.data.subarray(0, nz));
  new Uint8Array(memory.buffer, mark, d).fill(0);
  const groupBase = arena.position;
  let live: { arena: Arena; k: DcdExports } | null = { arena, k };

  return {
    trainGroup(rows: Int32Array, positives: Int32Array[], p: SolverParams, seed: number): WeightBlock {
      if (!live) throw new Error("wasm solver: used after dispose()");
      const { arena, k } = live;
      checkGroup(X, rows, positives);
      const n = rows.length;
      arena.resetTo(groupBase);
      const rowsP = arena.alloc(4 * n);
      const xsq = arena.alloc(8 * n);
      const rec = arena.alloc(32 * n); // per-position records, see wasm/dcd.ts
      arena.i32(rowsP, n).set(rows);
      const u = k.prepareGroup(ip, ix, xv, d, rowsP, n, mark, touched, xsq, rec);
      // a small group's rows are solved from a compact copy (w in its first u entries)
      let gnz = 0;
      for (let q = 0; q < n; q++) gnz += X.indptr[rows[q] + 1] - X.indptr[rows[q]];
      const local = gnz <= localMax ? 1 : 0;
      let gix = ix, gxv = xv;
      if (local) {
        gix = arena.alloc(4 * gnz);
        gxv = arena.alloc(4 * gnz);
        k.localizeGroup(rec, ix, xv, n, touched, u, map, gix, gxv);
      }

      const outIdx = arena.alloc(4 * (u + 1));
      const outVal = arena.alloc(4 * (u + 1));
      const C = positives.length;
      const out = new BlockBuilder(C);
      if (p.loss !== "logistic") {
        // blocks of SOLVER_LANES children solved together (passLanes in wasm/dcd.ts)
        const GpMax = laneStride(Math.min(SOLVER_LANES, C));
        const W = GpMax === 1 && !local ? w : arena.alloc(8 * (local ? u : d) * GpMax);
        const lrec = arena.alloc(n * k.laneRecordBytes(GpMax) + 64);
        const lrec64 = (lrec + 63) & ~63; // records on cache lines
        const index = arena.alloc(4 * n);
        const lanes = arena.alloc(48 * GpMax);
        const dots = arena.alloc(8 * GpMax);
        const delta = arena.alloc(8 * GpMax);
        const st = arena.alloc(12);
        const counts = arena.alloc(4 * GpMax);
        for (let c0 = 0; c0 < C; c0 += SOLVER_LANES) {
          const G = Math.min(SOLVER_LANES, C - c0);
          const Gp = laneStride(G);
          k.clearLanes(W, Gp, touched, u, local);
          k.initLanes(rec, xsq, n, Gp, G, lrec64);
          const LS = k.laneRecordBytes(Gp);
          const yv = arena.i8(lrec64, n * LS);
          for (let j = 0; j < G; j++) {
            const pos = positives[c0 + j];
            for (let t = 0; t < pos.length; t++) yv[pos[t] * LS + 24 + 8 * Gp + j] = 1; // y, see initLanes
          }
          // one call per pass (see startLanes in wasm/dcd.ts)
          k.startLanes(n, G, index, lanes, delta, Gp, (seed + c0) >>> 0, st);
          while (k.passLanes(lrec64, gix, gxv, n, W, Gp, G, index, lanes, dots, delta, p.Cp, p.Cn, p.bias, p.eps, p.maxIter, st) > 0);
          // the block's pruned weights, counted, then written lane after lane into buffers of that size
          const total = k.laneCounts(W, Gp, G, touched, u, local, lanes, p.bias, p.threshold, counts);
          const mark = arena.position;
          const laneIdx = arena.alloc(4 * total);
          const laneVal = arena.alloc(4 * total);
          const cnt = arena.i32(counts, G);
          const start = new Int32Array(G + 1);
          for (let j = 0; j < G; j++) start[j + 1] = start[j] + cnt[j];
          cnt.set(start.subarray(0, G));
          k.laneWeights(W, Gp, G, touched, u, local, d, lanes, p.bias, p.threshold, laneIdx, laneVal, counts);
          for (let j = 0; j < G; j++) {
            const m = start[j + 1] - start[j];
            out.pushMany(arena.i32(laneIdx + 4 * start[j], m), arena.f32(laneVal + 4 * start[j], m), m);
            out.endColumn();
          }
          arena.resetTo(mark);
        }
        return out.finish();
      }
      let maxPos = 0;
      for (const pos of positives) maxPos = Math.max(maxPos, pos.length);
      const y = arena.alloc(n);
      const index = arena.alloc(4 * n);
      const posP = arena.alloc(4 * maxPos);
      for (let c = 0; c < C; c++) {
        const pos = positives[c];
        arena.i32(posP, pos.length).set(pos);
        const m = k.trainChild(
          rec, gix, gxv, d, n, xsq, touched, u, w, y, index, posP, pos.length,
          p.Cp, p.Cn, p.bias, p.eps, p.maxIter, (seed + c) >>> 0, p.threshold, outIdx, outVal, local,
        );
        out.pushMany(arena.i32(outIdx, m), arena.f32(outVal, m), m);
        out.endColumn();
      }
      return out.finish();
    },
    dispose(): void {
      live = null; // drop the instance and its memory
    },
  };
}

// AssemblyScript kernel: dual coordinate descent for L2-regularised linear classifiers
// (squared-hinge SVM with shrinking, logistic regression; spec xr-linear §5.2, §5.3, §6).
// Twin of src/linear/dcd.ts (the plain-TS oracle): same floating-point operations in the same
// order, same RNG, the host's Math.log and Math.exp, so the weights are bit-identical for the same seed.
// Speed comes from the SIMD dot product (4 partial sums), touching rows ahead and, for small groups,
// a compact copy of the rows with renumbered features (localizeGroup). Built with
//   --runtime stub --importMemory --enable simd -O3 --noAssert
// JS owns the memory: every argument named like a buffer is a byte offset into it,
// laid out by the bump allocator in src/linear/wasm.ts. Nothing here allocates.
//
// Layouts: X is CSR (ip: i32[rows+1], ix: i32[nnz], xv: f32[nnz]); w is f64[d] (the bias
// weight is kept apart); per-group arrays are indexed by position k in `rows` (i32[n]).

/** Math.log and Math.exp of the host, so logistic runs match the JS solver bit for bit. */
// @ts-ignore: decorator
@external("env", "log")
declare function hostLog(x: f64): f64;
// @ts-ignore: decorator
@external("env", "exp")
declare function hostExp(x: f64): f64;

/** Bound on the logit of a logistic dual variable, and the shrinking tolerance (as in src/linear/dcd.ts). */
const LOGIT_MAX: f64 = 700;
const LOGISTIC_SHRINK: f64 = 0.1;

// ---- mulberry32, identical to src/core/rng.ts ----
let rngState: u32 = 0;

// @ts-ignore: decorator
@inline
function rngSeed(seed: u32): void {
  rngState = seed ^ 0x9e3779b9;
}

// @ts-ignore: decorator
@inline
function rngU32(): u32 {
  rngState += 0x6d2b79f5;
  let t: u32 = rngState;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return t ^ (t >>> 14);
}

/** Fisher–Yates (from the back) over the first n entries of the i32 array at a, as Rng.shuffle. */
function shuffle(a: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>Math.floor((<f64>rngU32() / 4294967296.0) * <f64>(i + 1));
    const pi = a + (<usize>i << 2);
    const pj = a + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

// ---- per-position records ----
// Position k of the group owns a 32-byte record at rec + 32k (half a cache line): everything
// the inner loop needs about it besides y comes with one miss, which touchRow takes early:
//   @0 start (i32), @4 end (i32): its row's nonzero range in ix/xv (written by prepareGroup)
//   @8 QD (f64): squared norm (+ bias² + D_kk), @16 α (f64), @24 α' = C − α (f64, logistic only)
const REC_SHIFT: usize = 5;
const QD_AT: usize = 8;
const ALPHA_AT: usize = 16;
const ALPHA2_AT: usize = 24;

/** How many positions ahead the solvers touch the next rows (a software prefetch). */
const AHEAD: i32 = 4;
/** Where touched values go so that the loads are kept. */
let sink: i32 = 0;

// ---- sparse row kernels ----

/**
 * Sum of w[ix[p]] * xv[p] over the row of record pr in float64: four partial sums for blocks of four
 * (lanes s0,s1 | s2,s3 of two f64x2 accumulators), combined as (s0 + s2) + (s1 + s3),
 * then the tail added in order. src/linear/dcd.ts computes exactly the same.
 */
// @ts-ignore: decorator
@inline
function dotRow(pr: usize, ix: usize, xv: usize, w: usize): f64 {
  let pi = ix + (<usize>load<i32>(pr) << 2);
  const end = ix + (<usize>load<i32>(pr, 4) << 2);
  let pv = xv + (pi - ix);
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  while (pi + 16 <= end) {
    const xs = v128.load(pv);
    let w01 = v128.load64_zero(w + (<usize>load<i32>(pi) << 3));
    w01 = v128.load64_lane(w + (<usize>load<i32>(pi, 4) << 3), w01, 1);
    let w23 = v128.load64_zero(w + (<usize>load<i32>(pi, 8) << 3));
    w23 = v128.load64_lane(w + (<usize>load<i32>(pi, 12) << 3), w23, 1);
    const x01 = f64x2.promote_low_f32x4(xs);
    const x23 = f64x2.promote_low_f32x4(i64x2.shuffle(xs, xs, 1, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(w01, x01));
    acc1 = f64x2.add(acc1, f64x2.mul(w23, x23));
    pi += 16;
    pv += 16;
  }
  const t = f64x2.add(acc0, acc1);
  let s: f64 = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  while (pi < end) {
    s += load<f64>(w + (<usize>load<i32>(pi) << 3)) * <f64>load<f32>(pv);
    pi += 4;
    pv += 4;
  }
  return s;
}

/** w += a * x over the row of record pr. */
// @ts-ignore: decorator
@inline
function axpyRow(pr: usize, ix: usize, xv: usize, a: f64, w: usize): void {
  let pi = ix + (<usize>load<i32>(pr) << 2);
  const end = ix + (<usize>load<i32>(pr, 4) << 2);
  let pv = xv + (pi - ix);
  while (pi < end) {
    const pw = w + (<usize>load<i32>(pi) << 3);
    store<f64>(pw, load<f64>(pw) + a * <f64>load<f32>(pv));
    pi += 4;
    pv += 4;
  }
}

/**
 * Load the first and last index/value words of the row of position k (and so its record), pulling
 * their cache lines in while the current row is processed. wasm has no prefetch instruction and the
 * out-of-order window is shorter than one row's dot product; this gave about 25 % on debtags.
 * (An empty row reads the 4 bytes before its start: still inside memory, harmless.)
 */
// @ts-ignore: decorator
@inline
function touchRow(rec: usize, ix: usize, xv: usize, k: i32): i32 {
  const pr = rec + (<usize>k << REC_SHIFT);
  const st = <usize>load<i32>(pr) << 2;
  const en = (<usize>load<i32>(pr, 4) << 2) - 4;
  return load<i32>(ix + st) ^ load<i32>(xv + st) ^ load<i32>(ix + en) ^ load<i32>(xv + en);
}

// ---- group preparation ----

function siftDown(a: usize, start: i32, n: i32): void {
  let root = start;
  const v = load<i32>(a + (<usize>root << 2));
  while (true) {
    let child = 2 * root + 1;
    if (child >= n) break;
    let cv = load<i32>(a + (<usize>child << 2));
    if (child + 1 < n) {
      const rv = load<i32>(a + (<usize>(child + 1) << 2));
      if (rv > cv) {
        child++;
        cv = rv;
      }
    }
    if (cv <= v) break;
    store<i32>(a + (<usize>root << 2), cv);
    root = child;
  }
  store<i32>(a + (<usize>root << 2), v);
}

function heapSort(a: usize, n: i32): void {
  for (let s = (n >> 1) - 1; s >= 0; s--) siftDown(a, s, n);
  for (let e = n - 1; e > 0; e--) {
    const pe = a + (<usize>e << 2);
    const t = load<i32>(pe);
    store<i32>(pe, load<i32>(a));
    store<i32>(a, t);
    siftDown(a, 0, e);
  }
}

/**
 * For the group rows[0..n): fill each position's row range into its record (rec: 32n bytes), its
 * squared norm into xsq (f64[n]), and the sorted union of the group's features into touched
 * (returns its length). mark (u8[d]) must be zero on entry and is zero on exit.
 */
export function prepareGroup(ip: usize, ix: usize, xv: usize, d: i32, rows: usize, n: i32, mark: usize, touched: usize, xsq: usize, rec: usize): i32 {
  let u = 0;
  for (let k = 0; k < n; k++) {
    const pr = ip + (<usize>load<i32>(rows + (<usize>k << 2)) << 2);
    let p = load<i32>(pr);
    const e = load<i32>(pr, 4);
    const rk = rec + (<usize>k << REC_SHIFT);
    store<i32>(rk, p);
    store<i32>(rk, e, 4);
    let s: f64 = 0;
    for (; p < e; p++) {
      const v = <f64>load<f32>(xv + (<usize>p << 2));
      s += v * v;
      const j = load<i32>(ix + (<usize>p << 2));
      if (load<u8>(mark + <usize>j) == 0) {
        store<u8>(mark + <usize>j, 1);
        store<i32>(touched + (<usize>u << 2), j);
        u++;
      }
    }
    store<f64>(xsq + (<usize>k << 3), s);
  }
  if (u * 32 >= d) {
    // dense enough: a linear scan of the marks yields the sorted list and clears them
    u = 0;
    for (let j = 0; j < d; j++) {
      if (load<u8>(mark + <usize>j) != 0) {
        store<u8>(mark + <usize>j, 0);
        store<i32>(touched + (<usize>u << 2), j);
        u++;
      }
    }
  } else {
    heapSort(touched, u);
    for (let t = 0; t < u; t++) store<u8>(mark + <usize>load<i32>(touched + (<usize>t << 2)), 0);
  }
  return u;
}

/**
 * Copy the prepared group's rows into a compact block: lix/lxv get each position's row in
 * position order, its feature ids renumbered 0..u-1 by their rank in touched (map: i32[d] scratch,
 * only the touched ids are written and read), and each record's range is rewritten to point into
 * the block. The solvers then read the rows from lix/lxv and keep w in its first u entries: the same
 * arithmetic in the same order on a few hundred KB instead of all of X and a d-long w.
 */
export function localizeGroup(rec: usize, ix: usize, xv: usize, n: i32, touched: usize, u: i32, map: usize, lix: usize, lxv: usize): void {
  for (let t = 0; t < u; t++) store<i32>(map + (<usize>load<i32>(touched + (<usize>t << 2)) << 2), t);
  let q = 0;
  for (let k = 0; k < n; k++) {
    const rk = rec + (<usize>k << REC_SHIFT);
    const p0 = load<i32>(rk);
    const p1 = load<i32>(rk, 4);
    store<i32>(rk, q);
    for (let p = p0; p < p1; p++) {
      store<i32>(lix + (<usize>q << 2), load<i32>(map + (<usize>load<i32>(ix + (<usize>p << 2)) << 2)));
      store<f32>(lxv + (<usize>q << 2), load<f32>(xv + (<usize>p << 2)));
      q++;
    }
    store<i32>(rk, q, 4);
  }
}

// ---- solvers ----

// ---- squared hinge over a block of lanes ----
// The children of one block share the group's rows and one shuffle order; lane j is child j of the
// block. Per (position k, lane j), at k*Gp + j: alpha (f64), y (i8), act (u8, 1 while not shrunk).
// W is lane-interleaved: W[f*Gp + j] (f is the row's feature id, or its rank for a compact group).
// With Gp == 1 the layout is the plain w[f], and the dot product and update are dotRow/axpyRow:
// then the solver is the one-child solver of PECOS/LIBLINEAR, step for step.
// Lane state, 48 bytes at lanes + 48j: PGmaxOld, PGminOld, PGmaxNew, PGminNew, b (f64), active count, done (i32).
const L_PGMAX_OLD: usize = 0;
const L_PGMIN_OLD: usize = 8;
const L_PGMAX_NEW: usize = 16;
const L_PGMIN_NEW: usize = 24;
const L_B: usize = 32;
const L_ACTIVE: usize = 40;
const L_DONE: usize = 44;
const LANE_BYTES: usize = 48;

/**
 * dots[j] = sum over the row's non-zeros, in order, of W[f*Gp + j] * x, for the lanes (Gp even) of
 * the pairs still running (bit q of livePairs: lane 2q or 2q+1): eight lanes at a time in four f64x2
 * sums, then two at a time. Each lane is a plain left-to-right sum.
 */
// @ts-ignore: decorator
@inline
function dotLanes(pr: usize, ix: usize, xv: usize, W: usize, Gp: i32, dots: usize, livePairs: u64): void {
  const p0 = ix + (<usize>load<i32>(pr) << 2);
  const end = ix + (<usize>load<i32>(pr, 4) << 2);
  const rowBytes = <usize>Gp << 3;
  let lb = 0;
  for (; lb + 8 <= Gp; lb += 8) {
    if (((livePairs >> <u64>(lb >> 1)) & 15) == 0) continue;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    const wl = W + (<usize>lb << 3);
    let pv = xv + (p0 - ix);
    for (let pi = p0; pi < end; pi += 4) {
      const x = f64x2.splat(<f64>load<f32>(pv));
      const pw = wl + <usize>load<i32>(pi) * rowBytes;
      a0 = f64x2.add(a0, f64x2.mul(v128.load(pw), x));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(pw, 16), x));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(pw, 32), x));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(pw, 48), x));
      pv += 4;
    }
    const pd = dots + (<usize>lb << 3);
    v128.store(pd, a0);
    v128.store(pd, a1, 16);
    v128.store(pd, a2, 32);
    v128.store(pd, a3, 48);
  }
  for (; lb < Gp; lb += 2) {
    if (((livePairs >> <u64>(lb >> 1)) & 1) == 0) continue;
    let a0 = f64x2.splat(0);
    const wl = W + (<usize>lb << 3);
    let pv = xv + (p0 - ix);
    for (let pi = p0; pi < end; pi += 4) {
      const x = f64x2.splat(<f64>load<f32>(pv));
      a0 = f64x2.add(a0, f64x2.mul(v128.load(wl + <usize>load<i32>(pi) * rowBytes), x));
      pv += 4;
    }
    v128.store(dots + (<usize>lb << 3), a0);
  }
}

/** W[f*Gp + j] += delta[j] * x over the row, for the lanes in blocks of eight (then two) with some delta != 0. */
// @ts-ignore: decorator
@inline
function axpyLanes(pr: usize, ix: usize, xv: usize, W: usize, Gp: i32, delta: usize): void {
  const p0 = ix + (<usize>load<i32>(pr) << 2);
  const end = ix + (<usize>load<i32>(pr, 4) << 2);
  const rowBytes = <usize>Gp << 3;
  const zero = f64x2.splat(0);
  let lb = 0;
  for (; lb + 8 <= Gp; lb += 8) {
    const pd = delta + (<usize>lb << 3);
    const d0 = v128.load(pd);
    const d1 = v128.load(pd, 16);
    const d2 = v128.load(pd, 32);
    const d3 = v128.load(pd, 48);
    const nz = v128.or(v128.or(f64x2.ne(d0, zero), f64x2.ne(d1, zero)), v128.or(f64x2.ne(d2, zero), f64x2.ne(d3, zero)));
    if (!v128.any_true(nz)) continue;
    const wl = W + (<usize>lb << 3);
    let pv = xv + (p0 - ix);
    for (let pi = p0; pi < end; pi += 4) {
      const x = f64x2.splat(<f64>load<f32>(pv));
      const pw = wl + <usize>load<i32>(pi) * rowBytes;
      v128.store(pw, f64x2.add(v128.load(pw), f64x2.mul(d0, x)));
      v128.store(pw, f64x2.add(v128.load(pw, 16), f64x2.mul(d1, x)), 16);
      v128.store(pw, f64x2.add(v128.load(pw, 32), f64x2.mul(d2, x)), 32);
      v128.store(pw, f64x2.add(v128.load(pw, 48), f64x2.mul(d3, x)), 48);
      pv += 4;
    }
  }
  for (; lb < Gp; lb += 2) {
    const d0 = v128.load(delta + (<usize>lb << 3));
    if (!v128.any_true(f64x2.ne(d0, zero))) continue;
    const wl = W + (<usize>lb << 3);
    let pv = xv + (p0 - ix);
    for (let pi = p0; pi < end; pi += 4) {
      const pw = wl + <usize>load<i32>(pi) * rowBytes;
      v128.store(pw, f64x2.add(v128.load(pw), f64x2.mul(d0, f64x2.splat(<f64>load<f32>(pv)))));
      pv += 4;
    }
  }
}

// Position k of a block owns one record of LS bytes at lrec + k*LS (laneRecordBytes), so that one
// visit touches one region: @0 start, @4 end (as the group records, so dotRow/axpyRow/touchRow take
// it), @8 squared norm (f64), @16 number of lanes active on the row (i32), @24 alpha[Gp] (f64),
// then y[Gp] (i8, +1/-1) and act[Gp] (u8, 1 while the lane is not shrunk on this row).
const R_XSQ: usize = 8;
const R_ROWACT: usize = 16;
const R_ALPHA: usize = 24;

/** Bytes per position record of a block of Gp lanes: a multiple of 64, so records start on cache lines. */
export function laneRecordBytes(Gp: i32): i32 {
  return (24 + 10 * Gp + 63) & ~63;
}

/**
 * Fill the records of a block (lrec: n records of laneRecordBytes(Gp)) from the group's records and
 * squared norms: every lane active with alpha = 0 and y = -1 (the caller then sets the positives'
 * y to +1 at lrec + k*LS + 24 + 8*Gp + j), padding lanes inactive.
 */
export function initLanes(rec: usize, xsq: usize, n: i32, Gp: i32, G: i32, lrec: usize): void {
  const LS = <usize>laneRecordBytes(Gp);
  const gp = <usize>Gp;
  for (let k = 0; k < n; k++) {
    const pr = lrec + <usize>k * LS;
    const rk = rec + (<usize>k << REC_SHIFT);
    store<i32>(pr, load<i32>(rk));
    store<i32>(pr, load<i32>(rk, 4), 4);
    store<f64>(pr, load<f64>(xsq + (<usize>k << 3)), R_XSQ);
    store<i32>(pr, G, R_ROWACT);
    memory.fill(pr + R_ALPHA, 0, gp << 3);
    memory.fill(pr + R_ALPHA + (gp << 3), 0xff, gp);
    for (let j = 0; j < Gp; j++) store<u8>(pr + R_ALPHA + 9 * gp + <usize>j, j < G ? 1 : 0);
  }
}

/** Lane j is finished: it leaves every row it was still active on. */
function retireLane(lanes: usize, j: i32, n: i32, Gp: i32, lrec: usize): void {
  const LS = <usize>laneRecordBytes(Gp);
  const actAt = R_ALPHA + 9 * <usize>Gp + <usize>j;
  store<i32>(lanes + <usize>j * LANE_BYTES, 1, L_DONE);
  for (let k = 0; k < n; k++) {
    const pr = lrec + <usize>k * LS;
    if (load<u8>(pr + actAt) != 0) {
      store<u8>(pr + actAt, 0);
      store<i32>(pr, load<i32>(pr, R_ROWACT) - 1, R_ROWACT);
    }
  }
}

/**
 * Squared-hinge L2-SVM dual CD with shrinking (spec xr-linear §5.2) for the G children of a block at
 * once: one pass visits the active rows in one shuffled order, computes the row's dot product with
 * every lane's weights (the row is read once for all of them), then runs each active lane's
 * coordinate step; each lane shrinks, converges and stops on its own, exactly as a lone problem
 * would. A row leaves the pass order once no lane is active on it. lrec is set by initLanes (and the
 * positives' y); W is zero on the group's features; index (i32[n]) is scratch; lanes gets each
 * lane's bias weight at L_B; st (i32[3]: active rows, passes done, lanes running) carries the
 * state from one call to the next.
 *
 * startLanes sets up, then each passLanes call makes one pass and returns the lanes still running.
 * One call per pass lets V8 switch from its baseline code to the optimised code of passLanes after
 * the first passes; one call for the whole solve would run a big group entirely in baseline code.
 */
export function startLanes(n: i32, G: i32, index: usize, lanes: usize, delta: usize, Gp: i32, seed: u32, st: usize): void {
  rngSeed(seed);
  for (let k = 0; k < n; k++) store<i32>(index + (<usize>k << 2), k);
  memory.fill(delta, 0, <usize>Gp << 3);
  for (let j = 0; j < G; j++) {
    const pl = lanes + <usize>j * LANE_BYTES;
    store<f64>(pl, Infinity, L_PGMAX_OLD);
    store<f64>(pl, -Infinity, L_PGMIN_OLD);
    store<f64>(pl, 0, L_B);
    store<i32>(pl, n, L_ACTIVE);
    store<i32>(pl, 0, L_DONE);
  }
  store<i32>(st, n);
  store<i32>(st, 0, 4);
  store<i32>(st, n > 0 ? G : 0, 8);
}

export function passLanes(
  lrec: usize, ix: usize, xv: usize, n: i32, W: usize, Gp: i32, G: i32,
  index: usize, lanes: usize, dots: usize, delta: usize,
  Cp: f64, Cn: f64, biasIn: f64, eps: f64, maxIter: i32, st: usize,
): i32 {
  const useBias = biasIn > 0;
  const bias: f64 = useBias ? biasIn : 0;
  const bb: f64 = useBias ? bias * bias : 0;
  const diagP: f64 = 0.5 / Cp;
  const diagN: f64 = 0.5 / Cn;
  const gp = <usize>Gp;
  const LS = <usize>laneRecordBytes(Gp);
  const yAt = R_ALPHA + (gp << 3);
  const actAt = yAt + gp;
  let active = load<i32>(st);
  let iter = load<i32>(st, 4);
  let running = load<i32>(st, 8);
  let touch: i32 = 0;
  let livePairs: u64 = 0;
  if (running > 0) {
    livePairs = 0;
    for (let j = 0; j < G; j++) {
      const pl = lanes + <usize>j * LANE_BYTES;
      if (load<i32>(pl, L_DONE) == 0) livePairs |= (<u64>1) << <u64>(j >> 1);
      store<f64>(pl, -Infinity, L_PGMAX_NEW);
      store<f64>(pl, Infinity, L_PGMIN_NEW);
    }
    shuffle(index, active);
    for (let s = 0; s < active; s++) {
      const ps = index + (<usize>s << 2);
      const k = load<i32>(ps);
      const pr = lrec + <usize>k * LS;
      let changed = false;
      if (load<i32>(pr, R_ROWACT) != 0) {
        // touch ahead, AHEAD positions at a time so that their misses overlap (a load that misses
        // holds up the pipeline until it returns; wasm has no prefetch): every AHEAD positions, the
        // records of the next-but-one AHEAD positions, then the rows of the next AHEAD (records touched before)
        if ((s & (AHEAD - 1)) == 0) {
          const e2 = min(s + 3 * AHEAD, active);
          for (let q = s + 2 * AHEAD; q < e2; q++) touch ^= load<i32>(lrec + <usize>load<i32>(index + (<usize>q << 2)) * LS);
          const e1 = min(s + 2 * AHEAD, active);
          for (let q = s + AHEAD; q < e1; q++) touch ^= touchLaneRow(lrec, LS, ix, xv, load<i32>(index + (<usize>q << 2)));
        }
        if (Gp == 1) store<f64>(dots, dotRow(pr, ix, xv, W));
        else dotLanes(pr, ix, xv, W, Gp, dots, livePairs);
        const qd = load<f64>(pr, R_XSQ) + bb;
        for (let j = 0; j < G; j++) {
          const pd = delta + (<usize>j << 3);
          store<f64>(pd, 0);
          const pa = pr + actAt + <usize>j;
          if (load<u8>(pa) == 0) continue;
          const pl = lanes + <usize>j * LANE_BYTES;
          const yk = load<i8>(pr + yAt + <usize>j);
          const yi = <f64>yk;
          const palpha = pr + R_ALPHA + (<usize>j << 3);
          const a = load<f64>(palpha);
          const dg = yk > 0 ? diagP : diagN;
          let Gr = yi * (load<f64>(dots + (<usize>j << 3)) + load<f64>(pl, L_B) * bias) - 1;
          Gr += a * dg;
          let PG: f64 = 0;
          if (a == 0) {
            if (Gr > load<f64>(pl, L_PGMAX_OLD)) {
              // shrink this lane on this row
              store<u8>(pa, 0);
              store<i32>(pl, load<i32>(pl, L_ACTIVE) - 1, L_ACTIVE);
              store<i32>(pr, load<i32>(pr, R_ROWACT) - 1, R_ROWACT);
              continue;
            } else if (Gr < 0) {
              PG = Gr;
            }
          } else {
            // the upper bound is +inf for the squared hinge, so alpha = U never happens
            PG = Gr;
          }
          if (PG > load<f64>(pl, L_PGMAX_NEW)) store<f64>(pl, PG, L_PGMAX_NEW);
          if (PG < load<f64>(pl, L_PGMIN_NEW)) store<f64>(pl, PG, L_PGMIN_NEW);
          if (Math.abs(PG) > 1e-12) {
            let na = a - Gr / (dg + qd);
            if (na < 0) na = 0;
            store<f64>(palpha, na);
            const dl = (na - a) * yi;
            store<f64>(pd, dl);
            store<f64>(pl, load<f64>(pl, L_B) + dl * bias, L_B);
            changed = true;
          }
        }
      }
      if (load<i32>(pr, R_ROWACT) == 0) {
        // no lane is active on this row (any more; then none changed): swap it out and revisit the slot
        active--;
        const pl = index + (<usize>active << 2);
        store<i32>(ps, load<i32>(pl));
        store<i32>(pl, k);
        s--;
        continue;
      }
      if (changed) {
        if (Gp == 1) axpyRow(pr, ix, xv, load<f64>(delta), W);
        else axpyLanes(pr, ix, xv, W, Gp, delta);
      }
    }
    iter++;
    for (let j = 0; j < G; j++) {
      const pl = lanes + <usize>j * LANE_BYTES;
      if (load<i32>(pl, L_DONE) != 0) continue;
      const PGmaxNew = load<f64>(pl, L_PGMAX_NEW);
      const PGminNew = load<f64>(pl, L_PGMIN_NEW);
      if (PGmaxNew - PGminNew <= eps) {
        if (load<i32>(pl, L_ACTIVE) == n) {
          retireLane(lanes, j, n, Gp, lrec);
          running--;
          continue;
        }
        // converged on its active rows: confirm on all of them
        for (let k = 0; k < n; k++) {
          const pr = lrec + <usize>k * LS;
          const pa = pr + actAt + <usize>j;
          if (load<u8>(pa) == 0) {
            store<u8>(pa, 1);
            store<i32>(pr, load<i32>(pr, R_ROWACT) + 1, R_ROWACT);
          }
        }
        store<i32>(pl, n, L_ACTIVE);
        active = n;
        store<f64>(pl, Infinity, L_PGMAX_OLD);
        store<f64>(pl, -Infinity, L_PGMIN_OLD);
      } else {
        store<f64>(pl, PGmaxNew <= 0 ? Infinity : PGmaxNew, L_PGMAX_OLD);
        store<f64>(pl, PGminNew >= 0 ? -Infinity : PGminNew, L_PGMIN_OLD);
      }
      if (iter >= maxIter) {
        retireLane(lanes, j, n, Gp, lrec);
        running--;
      }
    }
  }
  store<i32>(st, active);
  store<i32>(st, iter, 4);
  store<i32>(st, running, 8);
  sink = touch;
  return running;
}

/** touchRow for a block's records: the record of position k (its first line) and its row's first and last words. */
// @ts-ignore: decorator
@inline
function touchLaneRow(lrec: usize, LS: usize, ix: usize, xv: usize, k: i32): i32 {
  const pr = lrec + <usize>k * LS;
  const st = <usize>load<i32>(pr) << 2;
  const en = (<usize>load<i32>(pr, 4) << 2) - 4;
  return load<i32>(ix + st) ^ load<i32>(xv + st) ^ load<i32>(ix + en) ^ load<i32>(xv + en);
}

/**
 * Count each lane's weights that survive pruning (|w| >= threshold, the bias included when enabled)
 * into counts[j]; returns the total. W rows are read in order (local: rank, else touched[t]).
 */
export function laneCounts(
  W: usize, Gp: i32, G: i32, touched: usize, u: i32, local: i32, lanes: usize, bias: f64, threshold: f64, counts: usize,
): i32 {
  for (let j = 0; j < G; j++) {
    const b = load<f64>(lanes + <usize>j * LANE_BYTES, L_B);
    store<i32>(counts + (<usize>j << 2), bias > 0 && Math.abs(b) >= threshold ? 1 : 0);
  }
  for (let t = 0; t < u; t++) {
    const f = load<i32>(touched + (<usize>t << 2));
    const pw = W + ((<usize>(local != 0 ? t : f) * <usize>Gp) << 3);
    for (let j = 0; j < G; j++) {
      if (Math.abs(load<f64>(pw + (<usize>j << 3))) >= threshold) {
        const pc = counts + (<usize>j << 2);
        store<i32>(pc, load<i32>(pc) + 1);
      }
    }
  }
  let total = 0;
  for (let j = 0; j < G; j++) total += load<i32>(counts + (<usize>j << 2));
  return total;
}

/**
 * Write every lane's pruned weights in one sweep over W, as a CSC block: lane j's feature ids to
 * outIdx and values to outVal from entry at[j] on (at: i32[G], the running ends are left in it),
 * feature ids ascending, the bias last with id d (as laneCounts counted them).
 */
export function laneWeights(
  W: usize, Gp: i32, G: i32, touched: usize, u: i32, local: i32, d: i32, lanes: usize, bias: f64, threshold: f64,
  outIdx: usize, outVal: usize, at: usize,
): void {
  for (let t = 0; t < u; t++) {
    const f = load<i32>(touched + (<usize>t << 2));
    const pw = W + ((<usize>(local != 0 ? t : f) * <usize>Gp) << 3);
    for (let j = 0; j < G; j++) {
      const v = load<f64>(pw + (<usize>j << 3));
      if (Math.abs(v) >= threshold) {
        const pa = at + (<usize>j << 2);
        const m = <usize>load<i32>(pa);
        store<i32>(outIdx + (m << 2), f);
        store<f32>(outVal + (m << 2), <f32>v);
        store<i32>(pa, <i32>m + 1);
      }
    }
  }
  for (let j = 0; j < G; j++) {
    const b = load<f64>(lanes + <usize>j * LANE_BYTES, L_B);
    if (bias > 0 && Math.abs(b) >= threshold) {
      const pa = at + (<usize>j << 2);
      const m = <usize>load<i32>(pa);
      store<i32>(outIdx + (m << 2), d);
      store<f32>(outVal + (m << 2), <f32>b);
      store<i32>(pa, <i32>m + 1);
    }
  }
}

/** Zero the W rows of the group's features (Gp lanes each): the first u rows when local, else rows touched[t]. */
export function clearLanes(W: usize, Gp: i32, touched: usize, u: i32, local: i32): void {
  const rowBytes = <usize>Gp << 3;
  if (local != 0) {
    memory.fill(W, 0, <usize>u * rowBytes);
    return;
  }
  for (let t = 0; t < u; t++) memory.fill(W + <usize>load<i32>(touched + (<usize>t << 2)) * rowBytes, 0, rowBytes);
}

/** Logistic regression dual CD with the inner Newton solve on the logit and shrinking of settled instances (spec §5.3, LIBLINEAR solve_l2r_lr_dual; see src/linear/dcd.ts). */
function solveLogistic(
  rec: usize, ix: usize, xv: usize, n: i32, y: usize, xsq: usize, w: usize, index: usize,
  Cp: f64, Cn: f64, biasIn: f64, eps: f64, maxIter: i32,
): f64 {
  const useBias = biasIn > 0;
  const bias: f64 = useBias ? biasIn : 0;
  const bb: f64 = useBias ? bias * bias : 0;
  const maxInner = 100;
  let innerEps: f64 = 1e-2;
  const innerEpsMin: f64 = Math.min(1e-8, eps);
  let b: f64 = 0;
  for (let k = 0; k < n; k++) {
    const rk = rec + (<usize>k << REC_SHIFT);
    const yk = load<i8>(y + <usize>k);
    const C: f64 = yk > 0 ? Cp : Cn;
    const a0: f64 = Math.min(0.001 * C, 1e-8);
    store<f64>(rk, a0, ALPHA_AT);
    store<f64>(rk, C - a0, ALPHA2_AT);
    store<f64>(rk, load<f64>(xsq + (<usize>k << 3)) + bb, QD_AT);
    store<i32>(index + (<usize>k << 2), k);
    const coef = <f64>yk * a0;
    axpyRow(rk, ix, xv, coef, w);
    b += coef * bias;
  }
  const fewNewton = n / 10;
  const shrinkTol: f64 = LOGISTIC_SHRINK * eps;
  let active = n;
  let touch: i32 = 0;
  let iter = 0;
  while (iter < maxIter) {
    const full = active == n;
    shuffle(index, active);
    let newtonIter = 0;
    let Gmax: f64 = 0;
    for (let s = 0; s < active; s++) {
      const ps = index + (<usize>s << 2);
      const k = load<i32>(ps);
      if (s + AHEAD < active) touch ^= touchRow(rec, ix, xv, load<i32>(ps, <usize>AHEAD << 2));
      const rk = rec + (<usize>k << REC_SHIFT);
      const yk = load<i8>(y + <usize>k);
      const yi = <f64>yk;
      const C: f64 = yk > 0 ? Cp : Cn;
      const a = load<f64>(rk, QD_AT);
      const bk = yi * (dotRow(rk, ix, xv, w) + b * bias);
      // minimise over alpha (p1 = alpha, sign +1) or over C - alpha (p1 = alpha', sign -1)
      let p1 = rk + ALPHA_AT;
      let p2 = rk + ALPHA2_AT;
      let sign: f64 = 1;
      if (0.5 * a * (load<f64>(p2) - load<f64>(p1)) + bk < 0) {
        p1 = rk + ALPHA2_AT;
        p2 = rk + ALPHA_AT;
        sign = -1;
      }
      // g(z) = z ln z + (C-z) ln(C-z) + a/2 (z - alpha_old)^2 + sign b (z - alpha_old)
      // Newton on the logit t = ln(z / (C - z)), bracketed (see src/linear/dcd.ts)
      const alphaOld = load<f64>(p1);
      let z = alphaOld;
      if (C - z < 0.5 * C) z = 0.1 * z;
      let zc = C - z;
      let t = hostLog(z / zc);
      let gp = a * (z - alphaOld) + sign * bk + t;
      const agp = Math.abs(gp);
      if (agp > Gmax) Gmax = agp;
      if (agp < shrinkTol) {
        active--;
        store<i32>(ps, load<i32>(index + (<usize>active << 2)));
        store<i32>(index + (<usize>active << 2), k);
        s--;
        continue;
      }
      let lo: f64 = -LOGIT_MAX;
      let hi: f64 = LOGIT_MAX;
      let inner = 0;
      while (inner <= maxInner) {
        if (Math.abs(gp) < innerEps) break;
        if (gp < 0) lo = t;
        else hi = t;
        let tn = t - gp / (1 + (a * z * zc) / C);
        if (!(tn > lo && tn < hi)) tn = 0.5 * (lo + hi);
        t = tn;
        const e = hostExp(-Math.abs(t));
        const big = C / (1 + e);
        const small = big * e;
        z = t >= 0 ? big : small;
        zc = t >= 0 ? small : big;
        gp = a * (z - alphaOld) + sign * bk + t;
        newtonIter++;
        inner++;
      }
      if (inner > 0) {
        store<f64>(p1, z);
        store<f64>(p2, zc);
        const coef = sign * (z - alphaOld) * yi;
        axpyRow(rk, ix, xv, coef, w);
        b += coef * bias;
      }
    }
    iter++;
    if (Gmax < eps) {
      if (full) break;
      active = n;
      continue;
    }
    if (newtonIter <= fewNewton) innerEps = Math.max(innerEpsMin, 0.1 * innerEps);
  }
  sink = touch;
  return b;
}

/**
 * Train one logistic child of a prepared group and write its pruned weights: feature ids to outIdx (i32),
 * values to outVal (f32), the bias (if enabled and kept) last with id d. Returns the entry count.
 * local != 0: the group was localized (ix/xv are its block, w is indexed by rank in touched).
 * pos: i32[npos] positions of the positives; y (i8[n]) and index (i32[n]) are scratch.
 */
export function trainChild(
  rec: usize, ix: usize, xv: usize, d: i32, n: i32, xsq: usize, touched: usize, u: i32,
  w: usize, y: usize, index: usize, pos: usize, npos: i32,
  Cp: f64, Cn: f64, bias: f64, eps: f64, maxIter: i32, seed: u32, threshold: f64,
  outIdx: usize, outVal: usize, local: i32,
): i32 {
  if (local != 0) memory.fill(w, 0, <usize>u << 3);
  else for (let t = 0; t < u; t++) store<f64>(w + (<usize>load<i32>(touched + (<usize>t << 2)) << 3), 0);
  memory.fill(y, 0xff, <usize>n); // every position negative (-1)
  for (let t = 0; t < npos; t++) store<i8>(y + <usize>load<i32>(pos + (<usize>t << 2)), 1);
  rngSeed(seed);
  let b: f64 = 0;
  if (n > 0) b = solveLogistic(rec, ix, xv, n, y, xsq, w, index, Cp, Cn, bias, eps, maxIter);
  let m = 0;
  for (let t = 0; t < u; t++) {
    const j = load<i32>(touched + (<usize>t << 2));
    const v = load<f64>(w + (<usize>(local != 0 ? t : j) << 3));
    if (Math.abs(v) >= threshold) {
      store<i32>(outIdx + (<usize>m << 2), j);
      store<f32>(outVal + (<usize>m << 2), <f32>v);
      m++;
    }
  }
  if (bias > 0 && Math.abs(b) >= threshold) {
    store<i32>(outIdx + (<usize>m << 2), d);
    store<f32>(outVal + (<usize>m << 2), <f32>b);
    m++;
  }
  return m;
}

/** First byte JS may use for its own allocations. */
export function heapBase(): usize {
  return __heap_base;
}

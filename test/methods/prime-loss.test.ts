/**
 * PRIME losses (spec prime.md §5): the dynamic-margin triplet loss with softmax-weighted
 * violators and the regulariser, against hand-computed examples, an independent reference
 * implementation (dynamic margin, analytic gradients), and finite differences (constant margin).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { dynamicTripletLoss, primeRegulariser, transposeMask, type DynamicTripletOptions, type PositiveMask } from "../../src/methods/prime/loss.js";
import { withPrecision } from "../../src/nn/dtype.js";
import { gradcheck } from "../../src/nn/gradcheck.js";
import { transpose } from "../../src/nn/ops/index.js";
import { backward } from "../../src/nn/tape.js";
import { Tensor } from "../../src/nn/tensor.js";

const close = (a: number, b: number, tol: number, what: string): void => {
  assert.ok(Math.abs(a - b) <= tol, `${what}: got ${a}, want ${b}`);
};

const DYN: DynamicTripletOptions = { k: 2, marginMin: 0.1, marginMax: 0.3, tau: 0.1 };

/*
 * Hand example, R = 2 rows × Q = 4 columns, k = 2, m ∈ [0.1, 0.3], τ = 0.1.
 *
 * Row 0: S = [0.50, 0.62, 0.45, 0.10], Y = [1, 0, 0, 0]; unique positive col 0, s_p = 0.50.
 *   negatives {1, 2, 3}, top-2: col 1 (0.62), col 2 (0.45); col 3 is not selected.
 *   col 1: |δ| = 0.12 → m = 0.12, ℓ = 0.62 − 0.50 + 0.12 = 0.24 (violator)
 *   col 2: |δ| = 0.05 → m = 0.10, ℓ = 0.45 − 0.50 + 0.10 = 0.05 (violator)
 *   w = softmax(0.62/0.1, 0.45/0.1) = softmax(6.2, 4.5):
 *     w1 = 1 / (1 + e^−1.7) = 1 / 1.18268352405 = 0.845534734916
 *     w2 = e^−1.7 / (1 + e^−1.7)                 = 0.154465265084
 *   L0 = 0.845534734916·0.24 + 0.154465265084·0.05 = 0.202928336380 + 0.007723263254 = 0.210651599634
 *
 * Row 1: S = [0.30, 0.70, 0.70, 0.65], Y = [0, 1, 1, 0]. Col 2 is an in-batch false negative
 *   (another positive of the row), masked; both positives have s = 0.70, so the uniform draw
 *   does not change the loss: s_p = 0.70.
 *   negatives {0, 3} (only 2, k = 2):
 *   col 3: |δ| = 0.05 → m = 0.10, ℓ = 0.65 − 0.70 + 0.10 = 0.05 (violator)
 *   col 0: |δ| = 0.40 → m = 0.30, ℓ = max(0, 0.30 − 0.70 + 0.30) = 0 (not a violator: s' = −100)
 *   w = softmax(6.5, −1000) = (1, e^−1006.5 ≈ 0) → L1 = 0.05
 *   (Were col 2 not masked, it would be the hardest negative: ℓ = 0.70 − 0.70 + 0.10 = 0.10.)
 *
 * T = (L0 + L1) / 2 = (0.210651599634 + 0.05) / 2 = 0.130325799817
 */
const HAND_S = [0.5, 0.62, 0.45, 0.1, 0.3, 0.7, 0.7, 0.65];
const HAND_Y = Uint8Array.from([1, 0, 0, 0, 0, 1, 1, 0]);

test("dynamicTripletLoss: hand example (dynamic margin, softmax weighting, masked false negative)", () => {
  for (const p of ["f32", "f64"] as const) {
    withPrecision(p, () => {
      for (let seed = 1; seed <= 4; seed++) {
        const S = Tensor.from(HAND_S, [2, 4], { requiresGrad: true });
        const T = dynamicTripletLoss(S, HAND_Y, DYN, new Rng(seed));
        close(T.item(), 0.130325799817, 1e-6, `${p} seed ${seed}`);
        backward(T);
        const g = S.grad!;
        // row 0 (÷ 2 rows): ∂/∂s_p = −(w1 + w2)/2 = −0.5;
        // ∂/∂s_n1 = (w1 + w1(ℓ1 − L0)/τ)/2 = 0.546842827076, ∂/∂s_n2 = (w2 + w2(ℓ2 − L0)/τ)/2 = −0.046842827076
        close(g[0], -0.5, 1e-6, "g s_p row 0");
        close(g[1], 0.546842827076, 1e-6, "g col 1");
        close(g[2], -0.046842827076, 1e-6, "g col 2");
        assert.equal(g[3], 0, "col 3 not among the top-2 negatives");
        // row 1: the violator col 3 has w = 1, ℓ = L1: ∂/∂s_n = 1/2; the drawn positive −1/2; col 0 none
        close(g[7], 0.5, 1e-6, "g col 3 row 1");
        assert.equal(g[4], 0);
        close(g[5] + g[6], -0.5, 1e-6, "g positive row 1");
        assert.ok(g[5] === 0 || g[6] === 0, "only the drawn positive gets a gradient");
      }
    });
  }
});

test("dynamicTripletLoss: a row without positives is skipped (no draw, not in the mean)", () => {
  const S = Tensor.from([...HAND_S, 0.9, 0.9, 0.9, 0.9], [3, 4]);
  const Y = Uint8Array.from([...HAND_Y, 0, 0, 0, 0]);
  close(dynamicTripletLoss(S, Y, DYN, new Rng(1)).item(), 0.130325799817, 1e-6, "3 rows");
  const none = dynamicTripletLoss(Tensor.from([0.1, 0.2], [1, 2]), new Uint8Array(2), DYN, new Rng(1));
  assert.equal(none.item(), 0);
  // the draws: exactly one rng.int per row with a positive
  const a = new Rng(5), b = new Rng(5);
  dynamicTripletLoss(S, Y, DYN, a);
  b.int(1);
  b.int(2);
  assert.equal(a.nextU32(), b.nextU32());
});

test("dynamicTripletLoss: fixed margin and unweighted variants of the hand example", () => {
  const S = Tensor.from(HAND_S, [2, 4]);
  // marginMin ≤ 0 → constant margin 0.3 (the reference's `dynamic_margin = margin_min > 0`):
  //   row 0: ℓ = 0.62 − 0.5 + 0.3 = 0.42, 0.45 − 0.5 + 0.3 = 0.25 (both violate, same w):
  //          L0 = 0.845534734916·0.42 + 0.154465265084·0.25 = 0.393740904936
  //   row 1: col 3: 0.65 − 0.7 + 0.3 = 0.25 (w = 1), col 0: 0.3 − 0.7 + 0.3 < 0 → L1 = 0.25
  //   T = (0.393740904936 + 0.25)/2 = 0.321870452468
  const fixed = { ...DYN, marginMin: 0 };
  close(dynamicTripletLoss(S, HAND_Y, fixed, new Rng(1)).item(), 0.321870452468, 1e-6, "fixed 0/0.3");
  close(dynamicTripletLoss(S, HAND_Y, { ...DYN, marginMin: 0.3 }, new Rng(1)).item(), 0.321870452468, 1e-6, "fixed 0.3/0.3");
  // no weighting: row sums 0.24 + 0.05 = 0.29 and 0.05 → T = 0.17
  close(dynamicTripletLoss(S, HAND_Y, { ...DYN, weighting: false }, new Rng(1)).item(), 0.17, 1e-6, "unweighted");
  close(dynamicTripletLoss(S, HAND_Y, { ...DYN, tau: Infinity }, new Rng(1)).item(), 0.17, 1e-6, "tau = ∞");
  // no violator at all → 0 (row 1 alone with its violator removed)
  close(dynamicTripletLoss(Tensor.from([0.3, 0.7, 0.7, 0.2], [1, 4]), Uint8Array.from([0, 1, 1, 0]), DYN, new Rng(1)).item(), 0, 0, "no violator");
});

/** Random 0/1 mask with each row's positive count in [minPos, maxPos]. */
function randomMask(rng: Rng, R: number, Q: number, minPos: number, maxPos: number): PositiveMask {
  const Y = new Uint8Array(R * Q);
  const perm = Int32Array.from({ length: Q }, (_, i) => i);
  for (let r = 0; r < R; r++) {
    const c = minPos + rng.int(maxPos - minPos + 1);
    rng.shuffle(perm);
    for (let t = 0; t < c; t++) Y[r * Q + perm[t]] = 1;
  }
  return Y;
}

test("dynamicTripletLoss: a positive is never chosen as a negative (also with k ≥ #negatives)", () => {
  const rng = new Rng(3);
  const R = 12, Q = 9;
  for (const k of [2, 5, 9, 20]) {
    const Y = randomMask(rng, R, Q, 1, 7);
    // positives at 0.9, negatives ≤ 0.5: every (p, n) pair has δ ≥ 0.4 > m_max, so no true negative
    // violates; a positive picked as a "negative" (s_n = s_p) would violate with ℓ = m_min = 0.1
    const s = new Float32Array(R * Q);
    for (let i = 0; i < s.length; i++) s[i] = Y[i] ? 0.9 : 0.5 * rng.next();
    const S = new Tensor(s, [R, Q], { requiresGrad: true });
    const T = dynamicTripletLoss(S, Y, { ...DYN, k }, new Rng(k));
    assert.equal(T.item(), 0, `k = ${k}`);
    for (const w of [false, true]) {
      assert.equal(dynamicTripletLoss(S, Y, { ...DYN, k, weighting: w }, new Rng(k)).item(), 0);
    }
  }
  // random similarities: the gradient's non-zero positive entries are only the drawn positives (≤ 0, one per row)
  const Y = randomMask(rng, R, Q, 1, 4);
  const S = new Tensor(Float32Array.from({ length: R * Q }, () => 2 * rng.next() - 1), [R, Q], { requiresGrad: true });
  backward(dynamicTripletLoss(S, Y, { ...DYN, k: Q }, new Rng(9)));
  for (let r = 0; r < R; r++) {
    let touched = 0;
    for (let j = 0; j < Q; j++) {
      const g = S.grad![r * Q + j];
      if (Y[r * Q + j] && g !== 0) {
        touched++;
        assert.ok(g < 0, "a positive only gets the −Σw gradient");
      }
    }
    assert.ok(touched <= 1, `row ${r}: ${touched} positives with a gradient`);
  }
});

/** Resample until no quantity the loss branches on is within `gap` of a kink. */
function awayFromKinks(rng: Rng, R: number, Q: number, Y: PositiveMask, ok: (s: Float64Array) => boolean): Float64Array {
  for (let tries = 0; tries < 1000; tries++) {
    const s = Float64Array.from({ length: R * Q }, () => 2 * rng.next() - 1);
    if (ok(s)) return s;
  }
  throw new Error("could not draw inputs away from kinks");
}

function sortedNegatives(s: ArrayLike<number>, Y: PositiveMask, r: number, Q: number): number[] {
  const cols: number[] = [];
  for (let j = 0; j < Q; j++) if (!Y[r * Q + j]) cols.push(j);
  return cols.sort((a, b) => s[r * Q + b] - s[r * Q + a] || a - b);
}

/** Top-k boundary gap and hinge distances for a constant margin m, for every possible positive. */
function tripletOk(s: Float64Array, Y: PositiveMask, R: number, Q: number, k: number, m: number, gap: number): boolean {
  for (let r = 0; r < R; r++) {
    const neg = sortedNegatives(s, Y, r, Q);
    if (neg.length > k && s[r * Q + neg[k - 1]] - s[r * Q + neg[k]] < gap) return false;
    for (let p = 0; p < Q; p++) {
      if (!Y[r * Q + p]) continue;
      for (const n of neg) if (Math.abs(s[r * Q + n] - s[r * Q + p] + m) < gap) return false;
    }
  }
  return true;
}

test("dynamicTripletLoss: gradcheck (f64) with a constant margin, weighted and unweighted, and the dual term", () => {
  withPrecision("f64", () => {
    const rng = new Rng(11);
    const R = 6, Q = 10, k = 4, m = 0.2;
    const Y = randomMask(rng, R, Q, 1, 3);
    Y.fill(0, 2 * Q, 3 * Q); // row 2 has no positive (skipped)
    const data = awayFromKinks(rng, R, Q, Y, (s) => tripletOk(s, Y, R, Q, k, m, 1e-3));
    for (const opts of [
      { k, marginMin: m, marginMax: m, tau: 0.1 },
      { k, marginMin: m, marginMax: m, tau: 0.5 },
      { k, marginMin: 0, marginMax: m, tau: 0.1, weighting: false },
      { k: 100, marginMin: m, marginMax: m, tau: 0.2 },
    ]) {
      const S = Tensor.from(data, [R, Q], { requiresGrad: true });
      const fn = () => dynamicTripletLoss(S, Y, opts, new Rng(21)); // same draws every call
      const res = gradcheck(fn, [S]);
      assert.ok(res.maxAbsGrad > 0, "vacuous");
      assert.ok(res.ok, `${JSON.stringify(opts)}: worst ratio ${res.worstRatio} at ${JSON.stringify(res.worst)}`);
    }
    // the dual term T(Sᵀ, Yᵀ) through the engine's transpose: rows = columns of S
    const Yt = transposeMask(Y, R, Q);
    for (let j = 0; j < Q; j++) Yt[j * R + (j % R)] = 1; // every dual row has a positive
    const Yback = transposeMask(Yt, Q, R);
    const dual = awayFromKinks(rng, R, Q, Yback, (s) => {
      const st = new Float64Array(R * Q);
      for (let r = 0; r < R; r++) for (let j = 0; j < Q; j++) st[j * R + r] = s[r * Q + j];
      return tripletOk(st, Yt, Q, R, 3, m, 1e-3);
    });
    const S = Tensor.from(dual, [R, Q], { requiresGrad: true });
    const res = gradcheck(() => dynamicTripletLoss(transpose(S), Yt, { k: 3, marginMin: m, marginMax: m, tau: 0.1 }, new Rng(4)), [S]);
    assert.ok(res.maxAbsGrad > 0 && res.ok, `dual: worst ratio ${res.worstRatio}`);
  });
});

test("transposeMask", () => {
  const Y = Uint8Array.from([1, 0, 0, 0, 1, 1]); // 2 × 3
  assert.deepEqual(Array.from(transposeMask(Y, 2, 3)), [1, 0, 0, 1, 0, 1]);
  assert.deepEqual(transposeMask(transposeMask(Y, 2, 3), 3, 2), Y);
});

test("dynamicTripletLoss: dynamic margin, analytic gradients against a reference (∂/∂s_p = −Σ_violators w)", () => {
  withPrecision("f64", () => {
    const rng = new Rng(17);
    const R = 8, Q = 12;
    // one positive per row, so the drawn positive is known
    const Y = randomMask(rng, R, Q, 1, 1);
    for (const [k, tau] of [[5, 0.1], [5, 20], [12, 1], [3, 0.05], [8, 50]] as const) {
      const opts = { k, marginMin: 0.1, marginMax: 0.3, tau };
      const s = Float64Array.from({ length: R * Q }, () => 0.8 * rng.next() - 0.2);
      const S = Tensor.from(s, [R, Q], { requiresGrad: true });
      const T = dynamicTripletLoss(S, Y, opts, new Rng(1));
      backward(T);
      let want = 0;
      const wantGrad = new Float64Array(R * Q);
      for (let r = 0; r < R; r++) {
        const p = Y.subarray(r * Q, (r + 1) * Q).indexOf(1);
        const sp = s[r * Q + p];
        const neg = sortedNegatives(s, Y, r, Q).slice(0, k);
        const hinge = neg.map((n) => {
          const d = s[r * Q + n] - sp;
          return Math.max(0, d + Math.min(0.3, Math.max(0.1, Math.abs(d))));
        });
        const logits = neg.map((n, i) => (hinge[i] > 0 ? s[r * Q + n] : -100) / tau);
        const mx = Math.max(...logits);
        const ex = logits.map((z) => Math.exp(z - mx));
        const Z = ex.reduce((a, b) => a + b, 0);
        const w = ex.map((e) => e / Z);
        const L = w.reduce((a, wi, i) => a + wi * hinge[i], 0);
        want += L / R;
        let sumW = 0;
        neg.forEach((n, i) => {
          if (hinge[i] > 0) {
            sumW += w[i];
            wantGrad[r * Q + n] = (w[i] + (w[i] * (hinge[i] - L)) / tau) / R;
          }
        });
        wantGrad[r * Q + p] = -sumW / R;
      }
      close(T.item(), want, 1e-12, `loss k=${k} τ=${tau}`);
      let sawPartial = false;
      for (let i = 0; i < R * Q; i++) {
        close(S.grad![i], wantGrad[i], 1e-12, `grad ${i} k=${k} τ=${tau}`);
        if (Y[i] && wantGrad[i] < 0 && wantGrad[i] > -1 / R + 1e-6) sawPartial = true;
      }
      // with a large τ the −100 entries keep real weight, so Σ_violators w < 1 for some row
      if (tau >= 20) assert.ok(sawPartial, `τ = ${tau}: expected some row with Σw < 1`);
    }
  });
});

/*
 * Regulariser hand example, R = 2 × Q = 3, k = 1, μ = 0.1 (unique positives).
 *   Row 0: Y = [1, 0, 0], S_f = [0.8, 0.3, 0.5], S_i = [0.75, 0.35, 0.2]
 *     ℓ⁺ = 0.75 − 0.8 + 0.1 = 0.05;  top-1 negative by S_f: col 2 (0.5 > 0.3), ℓ⁻ = 0.5 − 0.2 + 0.1 = 0.4
 *   Row 1: Y = [0, 1, 0], S_f = [0.1, 0.9, 0.6], S_i = [0.0, 0.6, 0.75]
 *     ℓ⁺ = 0.6 − 0.9 + 0.1 = −0.2 → 0; top-1 negative by S_f: col 2, ℓ⁻ = 0.6 − 0.75 + 0.1 = −0.05 → 0
 *     (col 0 would give ℓ⁻ = 0.2 but is not selected: negatives are chosen by S_f, not by loss)
 *   mean⁺ = 0.05 / 1, mean⁻ = 0.4 / 1 (means over the non-zero terms) → R = ½(0.05 + 0.4) = 0.225
 *   gradients: S_i[0,0] +½, S_f[0,0] −½, S_f[0,2] +½, S_i[0,2] −½, all others 0.
 */
test("primeRegulariser: hand example and the zero-count guard", () => {
  const Y = Uint8Array.from([1, 0, 0, 0, 1, 0]);
  const Sf = Tensor.from([0.8, 0.3, 0.5, 0.1, 0.9, 0.6], [2, 3], { requiresGrad: true });
  const Si = Tensor.from([0.75, 0.35, 0.2, 0.0, 0.6, 0.75], [2, 3], { requiresGrad: true });
  const Rl = primeRegulariser(Sf, Si, Y, { k: 1, mu: 0.1 }, new Rng(1));
  close(Rl.item(), 0.225, 1e-6, "R");
  backward(Rl);
  assert.deepEqual(Array.from(Sf.grad!), [-0.5, 0, 0.5, 0, 0, 0]);
  assert.deepEqual(Array.from(Si.grad!), [0.5, 0, -0.5, 0, 0, 0]);

  // both counts zero (row 1 alone): 0, not NaN, and zero gradients
  const Sf1 = Tensor.from([0.1, 0.9, 0.6], [1, 3], { requiresGrad: true });
  const Si1 = Tensor.from([0.0, 0.6, 0.75], [1, 3], { requiresGrad: true });
  const R1 = primeRegulariser(Sf1, Si1, Uint8Array.from([0, 1, 0]), { k: 1, mu: 0.1 }, new Rng(1));
  assert.equal(R1.item(), 0);
  backward(R1);
  for (const g of [...(Sf1.grad ?? []), ...(Si1.grad ?? [])]) assert.equal(g, 0);

  // only the negative count zero: row 0 with S_i[0,2] = 0.7 → ℓ⁻ = 0.5 − 0.7 + 0.1 < 0, R = ½·0.05
  const R2 = primeRegulariser(Tensor.from([0.8, 0.3, 0.5], [1, 3]), Tensor.from([0.75, 0.35, 0.7], [1, 3]), Uint8Array.from([1, 0, 0]), { k: 1, mu: 0.1 }, new Rng(1));
  close(R2.item(), 0.025, 1e-6, "R negatives empty");

  // k = 2 over both rows: row 0 adds col 1 (0.3 − 0.35 + 0.1 = 0.05), row 1 adds col 0 (0.1 − 0 + 0.1 = 0.2):
  // mean⁻ = (0.4 + 0.05 + 0.2)/3 = 0.216666…, R = ½(0.05 + 0.216666…) = 0.133333…
  close(primeRegulariser(Sf, Si, Y, { k: 2, mu: 0.1 }, new Rng(1)).item(), 0.4 / 3, 1e-6, "R k = 2");
});

test("primeRegulariser: gradcheck (f64)", () => {
  withPrecision("f64", () => {
    const rng = new Rng(23);
    const R = 7, Q = 9, k = 3, mu = 0.1;
    const Y = randomMask(rng, R, Q, 1, 3);
    Y.fill(0, 0, Q); // row 0 skipped
    const sf = awayFromKinks(rng, R, Q, Y, (s) => {
      for (let r = 0; r < R; r++) {
        const neg = sortedNegatives(s, Y, r, Q);
        if (neg.length > k && s[r * Q + neg[k - 1]] - s[r * Q + neg[k]] < 1e-3) return false;
      }
      return true;
    });
    const si = awayFromKinks(rng, R, Q, Y, (s) => s.every((v, i) => Math.abs(sf[i] - v + mu) > 1e-3));
    const Sf = Tensor.from(sf, [R, Q], { requiresGrad: true });
    const Si = Tensor.from(si, [R, Q], { requiresGrad: true });
    const res = gradcheck(() => primeRegulariser(Sf, Si, Y, { k, mu }, new Rng(5)), [Sf, Si]);
    assert.ok(res.maxAbsGrad > 0, "vacuous");
    assert.ok(res.ok, `worst ratio ${res.worstRatio} at ${JSON.stringify(res.worst)}`);
  });
});

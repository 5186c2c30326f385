/** Optimizers, gradient clipping and schedules. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { XmcError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import * as nn from "../../src/nn/ops/index.js";
import { Adam, AdamW, clipGradNorm, gradNorm, SGD, SparseAdam, splitParams } from "../../src/nn/optim.js";
import { applySchedule, linearWarmupDecay, oneCycle } from "../../src/nn/schedule.js";
import { backward } from "../../src/nn/tape.js";
import { Tensor } from "../../src/nn/tensor.js";

function near(a: number, b: number, tol = 1e-6, what = ""): void {
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** Loss Σ (w − target)² / 2 → gradient w − target. */
function quadStep(w: Tensor, target: number[]): void {
  backward(nn.scale(nn.sum(nn.mul(nn.sub(w, Tensor.from(target)), nn.sub(w, Tensor.from(target)))), 0.5));
}

test("Adam and AdamW follow the reference update", () => {
  for (const decoupled of [false, true]) {
    const w = Tensor.from([1, -2, 0.5], [3], { requiresGrad: true, name: "w" });
    const opt = decoupled ? new AdamW([w], { lr: 0.1, weightDecay: 0.1 }) : new Adam([w], { lr: 0.1, weightDecay: 0.1 });
    const ref = [1, -2, 0.5], m = [0, 0, 0], v = [0, 0, 0];
    const target = [0.3, 0.1, -0.7];
    for (let t = 1; t <= 5; t++) {
      opt.zeroGrad();
      quadStep(w, target);
      opt.step();
      for (let i = 0; i < 3; i++) {
        let g = ref[i] - target[i];
        if (decoupled) ref[i] *= 1 - 0.1 * 0.1;
        else g += 0.1 * ref[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const mh = m[i] / (1 - 0.9 ** t), vh = v[i] / (1 - 0.999 ** t);
        ref[i] -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    for (let i = 0; i < 3; i++) near(w.data[i], ref[i], 1e-5, `${decoupled ? "adamw" : "adam"}[${i}]`);
  }
});

test("SGD with momentum follows the reference update", () => {
  const w = Tensor.from([1, 2], [2], { requiresGrad: true });
  const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
  const ref = [1, 2], vel = [0, 0];
  for (let t = 0; t < 4; t++) {
    opt.zeroGrad();
    quadStep(w, [0, 0]);
    opt.step();
    for (let i = 0; i < 2; i++) {
      vel[i] = 0.9 * vel[i] + ref[i];
      ref[i] -= 0.1 * vel[i];
    }
  }
  near(w.data[0], ref[0], 1e-6);
  near(w.data[1], ref[1], 1e-6);
});

test("SparseAdam: touched rows only, per-row step counts, equal to Adam when every row is touched", () => {
  const rng = new Rng(4);
  const init = Array.from({ length: 12 }, () => rng.next() - 0.5);
  const sparse = Tensor.from(init, [4, 3], { requiresGrad: true, sparseGrad: true, name: "t" });
  const dense = Tensor.from(init, [4, 3], { requiresGrad: true, name: "t" });
  const so = new SparseAdam([sparse], { lr: 0.05 });
  const dop = new Adam([dense], { lr: 0.05 });
  const all = Int32Array.from([0, 1, 2, 3, 2]);
  for (let t = 0; t < 3; t++) {
    so.zeroGrad();
    dop.zeroGrad();
    backward(nn.sum(nn.mul(nn.gatherRows(sparse, all), nn.gatherRows(sparse, all))));
    backward(nn.sum(nn.mul(nn.gatherRows(dense, all), nn.gatherRows(dense, all))));
    so.step();
    dop.step();
  }
  for (let i = 0; i < 12; i++) near(sparse.data[i], dense.data[i], 1e-6, `row-all [${i}]`);
  // now touch row 1 only: other rows (and their moments) stay put, row 1's count advances
  const before = Array.from(sparse.data);
  so.zeroGrad();
  backward(nn.sum(nn.gatherRows(sparse, Int32Array.from([1]))));
  so.step();
  assert.deepEqual(Array.from(so.rowSteps(0)), [3, 4, 3, 3]);
  for (let i = 0; i < 12; i++) if (i < 3 || i >= 6) assert.equal(sparse.data[i], before[i]);
  assert.ok(sparse.data[3] !== before[3]);
  // a fresh row's first step has full bias correction: |Δ| = lr exactly (Adam's first step)
  const t2 = Tensor.zeros([1000, 2], { requiresGrad: true, sparseGrad: true });
  const o2 = new SparseAdam([t2], { lr: 0.01 });
  backward(nn.sum(nn.scale(nn.gatherRows(t2, Int32Array.from([777])), 3)));
  o2.step();
  near(t2.data[777 * 2], -0.01, 1e-6, "first step");
  assert.equal(t2.data[0], 0);
});

test("optimizers validate options and parameter kinds", () => {
  const dense = Tensor.zeros([2, 2], { requiresGrad: true });
  const table = Tensor.zeros([2, 2], { requiresGrad: true, sparseGrad: true });
  assert.throws(() => new Adam([table]), XmcError);
  assert.throws(() => new SparseAdam([dense]), XmcError);
  assert.throws(() => new Adam([dense], { lr: -1 }), /at least 0/);
  assert.throws(() => new Adam([dense], { lr: 0.1, momentum: 0.9 } as never), /unknown parameter "momentum"/);
  assert.throws(() => new SparseAdam([table], { weightDecay: 0.1 }), XmcError);
  const { dense: d, sparse: s } = splitParams([dense, table]);
  assert.deepEqual([d.length, s.length], [1, 1]);
});

test("clipGradNorm covers dense and row-sparse gradients", () => {
  const a = Tensor.from([0, 0], [2], { requiresGrad: true });
  const table = Tensor.zeros([10, 2], { requiresGrad: true, sparseGrad: true });
  a.addGrad([3, 0]);
  table.addGradRow(4, [0, 4], 0);
  near(gradNorm([a, table]), 5);
  const before = clipGradNorm([a, table], 1);
  near(before, 5);
  near(gradNorm([a, table]), 1, 1e-5);
  near(a.grad![0], 0.6, 1e-5);
  assert.equal(clipGradNorm([a, table], 10), gradNorm([a, table]));
});

test("oneCycle reproduces PyTorch's OneCycleLR endpoints, β1 cycles inversely", () => {
  const s = oneCycle({ maxLr: 5e-3, totalSteps: 100, pctStart: 0.33, divFactor: 10, finalDivFactor: 1e4 });
  near(s(0).lr, 5e-4, 1e-9);
  near(s(0).beta1!, 0.95, 1e-12);
  near(s(32).lr, 5e-3, 1e-9); // end of phase 1 = 0.33·100 − 1
  near(s(32).beta1!, 0.85, 1e-12);
  near(s(99).lr, 5e-8, 1e-6);
  near(s(99).beta1!, 0.95, 1e-12);
  // PyTorch's value at step 10 (cos annealing): 5e-4 + (5e-3 − 5e-4)·(1 − cos(π·10/32))/2
  near(s(10).lr, 5e-4 + 4.5e-3 * (1 - Math.cos((Math.PI * 10) / 32)) / 2, 1e-9);
  let prev = 0;
  for (let t = 0; t <= 32; t++) {
    assert.ok(s(t).lr >= prev);
    prev = s(t).lr;
  }
  const opt = new Adam([Tensor.zeros([1], { requiresGrad: true })]);
  applySchedule(s, 32, opt);
  assert.equal(opt.lr, s(32).lr);
  assert.equal(opt.beta1, 0.85);
});

test("linearWarmupDecay: rises to the peak, decays to the end value", () => {
  const s = linearWarmupDecay({ peakLr: 1, warmupSteps: 4, totalSteps: 14, endLr: 0.1 });
  assert.deepEqual([0, 1, 2, 3].map((t) => s(t).lr), [0.25, 0.5, 0.75, 1]);
  near(s(13).lr, 0.1);
  near(s(100).lr, 0.1);
  near(s(8).lr, 1 + (0.1 - 1) * (4 / 9));
});

test("optimizer state round trip resumes exactly", () => {
  const run = (split: boolean): Float32Array => {
    const w = Tensor.from([1, 2, 3], [3], { requiresGrad: true, name: "w" });
    const table = Tensor.from([1, 2, 3, 4], [2, 2], { requiresGrad: true, sparseGrad: true, name: "e" });
    let o1 = new Adam([w], { lr: 0.1 });
    let o2 = new SparseAdam([table], { lr: 0.1 });
    for (let t = 0; t < 6; t++) {
      if (split && t === 3) {
        const s1 = o1.stateDict(), s2 = o2.stateDict();
        const copy = (s: typeof s1) => ({ arrays: Object.fromEntries(Object.entries(s.arrays).map(([k, v]) => [k, v.slice()])), scalars: { ...s.scalars } });
        const c1 = copy(s1), c2 = copy(s2);
        o1 = new Adam([w], { lr: 0.1 });
        o2 = new SparseAdam([table], { lr: 0.1 });
        o1.loadStateDict(c1);
        o2.loadStateDict(c2);
      }
      o1.zeroGrad();
      o2.zeroGrad();
      quadStep(w, [0, 0, 0]);
      backward(nn.sum(nn.mul(nn.gatherRows(table, Int32Array.from([t % 2])), nn.gatherRows(table, Int32Array.from([t % 2])))));
      o1.step();
      o2.step();
    }
    return Float32Array.from([...w.data, ...table.data]);
  };
  assert.deepEqual(run(true), run(false));
});

/** Forward values of the ops against direct (naive) computations and known values. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import * as nn from "../../src/nn/ops/index.js";
import { Tensor } from "../../src/nn/tensor.js";
import { rand } from "./util.js";
import { tanhF32 } from "../../src/nn/ops/activations.js";
import { backward } from "../../src/nn/tape.js";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = ""): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test("matmul matches the triple loop (all transposes, odd sizes)", () => {
  const rng = new Rng(3);
  for (const [M, N, K] of [[1, 1, 1], [5, 7, 3], [9, 13, 17], [4, 8, 0]]) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const a = rand(rng, ta ? [K, M] : [M, K]), b = rand(rng, tb ? [N, K] : [K, N]);
      const c = nn.matmul(a, b, ta, tb);
      const ref = new Float64Array(M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) {
        ref[i * N + j] += (ta ? a.data[k * M + i] : a.data[i * K + k]) * (tb ? b.data[j * K + k] : b.data[k * N + j]);
      }
      close(c.data, ref, 1e-5, `matmul ${M}x${N}x${K} ${ta}${tb}`);
    }
  }
});

test("conv1dNlc equals conv1d on the transposed input, values and gradients", () => {
  const rng = new Rng(8);
  const cases = [
    { L: 64, K: 16, stride: 4, padding: 6, paddingMode: "circular" as const },
    { L: 64, K: 4, stride: 4, padding: 0, paddingMode: "circular" as const },
    { L: 16, K: 8, stride: 4, padding: 0, paddingMode: "zeros" as const },
    { L: 20, K: 3, stride: 2, padding: 1, paddingMode: "zeros" as const, dilation: 2 },
  ];
  for (const { L, K, ...opts } of cases) {
    const B = 3, Cin = 5, Cout = 4;
    const x = rand(rng, [B, L, Cin]), w = rand(rng, [Cout, Cin, K]), b = rand(rng, [Cout]);
    const yl = nn.conv1dNlc(x, w, b, opts); // (B, Lout, Cout)
    const seed = Float32Array.from({ length: yl.size }, (_, i) => Math.sin(i));
    backward(yl, seed);
    const gx = Float64Array.from(x.grad!), gw = Float64Array.from(w.grad!), gb = Float64Array.from(b.grad!);
    x.zeroGrad(); w.zeroGrad(); b.zeroGrad();
    const xc = nn.permute(x, [0, 2, 1]);
    const yc = nn.permute(nn.conv1d(xc, w, b, opts), [0, 2, 1]);
    assert.deepEqual(yl.shape, yc.shape);
    close(yl.data, Float64Array.from(yc.data), 1e-5, `conv1dNlc ${JSON.stringify(opts)}`);
    backward(yc, seed);
    close(x.grad!, gx, 1e-5, "dx");
    close(w.grad!, gw, 1e-5, "dw");
    close(b.grad!, gb, 1e-5, "db");
  }
});

test("conv1d matches a direct loop, including circular padding (InceptionXML shapes)", () => {
  const rng = new Rng(4);
  const cases = [
    { L: 300, K: 4, stride: 4, pad: 0, circ: true },
    { L: 300, K: 8, stride: 4, pad: 2, circ: true },
    { L: 300, K: 16, stride: 4, pad: 6, circ: true },
    { L: 20, K: 3, stride: 2, pad: 1, circ: false },
  ];
  for (const { L, K, stride, pad, circ } of cases) {
    const B = 2, Cin = 3, Cout = 4;
    const x = rand(rng, [B, Cin, L]), w = rand(rng, [Cout, Cin, K]), b = rand(rng, [Cout]);
    const y = nn.conv1d(x, w, b, { stride, padding: pad, paddingMode: circ ? "circular" : "zeros" });
    const Lout = nn.conv1dOutLength(L, K, stride, pad);
    assert.deepEqual(y.shape, [B, Cout, Lout]);
    if (circ && stride === 4 && K % 4 === 0) assert.equal(Lout, L / 4); // the spec's shape formula
    const ref = new Float64Array(B * Cout * Lout);
    for (let n = 0; n < B; n++) for (let co = 0; co < Cout; co++) for (let o = 0; o < Lout; o++) {
      let s = b.data[co];
      for (let c = 0; c < Cin; c++) for (let k = 0; k < K; k++) {
        let p = o * stride + k - pad;
        if (p < 0 || p >= L) {
          if (!circ) continue;
          p = (p + L) % L;
        }
        s += w.data[(co * Cin + c) * K + k] * x.data[(n * Cin + c) * L + p];
      }
      ref[(n * Cout + co) * Lout + o] = s;
    }
    close(y.data, ref, 1e-5, `conv ${JSON.stringify({ L, K, stride, pad, circ })}`);
  }
});

test("activations and losses: known values", () => {
  const x = Tensor.from([-1, 0, 1, 2]);
  close(nn.gelu(x).data, [-0.158808, 0, 0.841192, 1.954598], 1e-5, "gelu");
  close(nn.sigmoid(Tensor.from([0, 1000, -1000])).data, [0.5, 1, 0], 1e-7, "sigmoid");
  close(nn.relu(x).data, [0, 0, 1, 2], 0, "relu");
  // BCE(z = 0, y) = log 2 for any y; large logits stay finite
  close([nn.bceWithLogits(Tensor.from([0, 0]), [0, 1]).item()], [Math.LN2], 1e-7, "bce");
  close([nn.bceWithLogits(Tensor.from([100, -100]), [1, 0]).item()], [0], 1e-7, "bce saturated");
  close([nn.squaredHinge(Tensor.from([0.5, -2, 2]), [1, 1, 0]).item()], [(0.25 + 9 + 9) / 3], 1e-7, "sq hinge");
});

test("softmax rows sum to one; logSumExp is stable", () => {
  const s = nn.softmax(Tensor.from([1, 2, 3, 1000, 1000, 1000], [2, 3]));
  close([s.data[0] + s.data[1] + s.data[2], s.data[3]], [1, 1 / 3], 1e-6, "softmax");
  close(nn.logSumExp(Tensor.from([1000, 1000], [1, 2])).data, [1000 + Math.LN2], 1e-6, "lse");
});

test("layerNorm and batchNorm normalise; batchNorm updates running statistics", () => {
  const rng = new Rng(5);
  const x = rand(rng, [4, 8], -3, 3);
  const y = nn.layerNorm(x);
  for (let r = 0; r < 4; r++) {
    const row = Array.from(y.data.subarray(r * 8, r * 8 + 8));
    const mu = row.reduce((a, b) => a + b) / 8;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 8;
    close([mu, v], [0, 1], 1e-4, "layerNorm");
  }
  const xb = rand(rng, [6, 2, 3], 1, 5);
  const st = nn.batchNormState(2, 0.1);
  nn.batchNorm(xb, null, null, st, true);
  for (let c = 0; c < 2; c++) {
    const vals: number[] = [];
    for (let b = 0; b < 6; b++) for (let l = 0; l < 3; l++) vals.push(xb.data[(b * 2 + c) * 3 + l]);
    const mu = vals.reduce((a, b) => a + b) / vals.length;
    const uv = vals.reduce((a, b) => a + (b - mu) ** 2, 0) / (vals.length - 1);
    close([st.runningMean[c], st.runningVar[c]], [0.1 * mu, 0.9 + 0.1 * uv], 1e-5, "running stats");
  }
  const before = Array.from(st.runningMean);
  nn.batchNorm(xb, null, null, st, false);
  assert.deepEqual(Array.from(st.runningMean), before, "eval mode leaves running stats alone");
});

test("embeddingBag: mean, sum, weights, empty bag", () => {
  const table = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]);
  const ids = Int32Array.from([0, 2, 1]);
  const offs = Int32Array.from([0, 2, 2, 3]);
  close(nn.embeddingBag(table, ids, offs, "mean").data, [3, 4, 0, 0, 3, 4], 0, "mean");
  close(nn.embeddingBag(table, ids, offs, "sum", Float32Array.from([1, 0.5, 2])).data, [3.5, 5, 0, 0, 6, 8], 0, "weighted sum");
  assert.throws(() => nn.embeddingBag(table, Int32Array.from([3]), Int32Array.from([0, 1])), /outside the table/);
});

test("permute / concat / reshape values", () => {
  const x = Tensor.from(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
  const p = nn.permute(x, [2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) assert.equal(p.data[(c * 2 + a) * 3 + b], x.data[(a * 3 + b) * 4 + c]);
  const c = nn.concat([Tensor.from([1, 2, 3, 4], [2, 2]), Tensor.from([5, 6], [2, 1])], 1);
  assert.deepEqual(Array.from(c.data), [1, 2, 5, 3, 4, 6]);
  assert.deepEqual(nn.reshape(x, [-1, 6]).shape, [4, 6]);
  assert.throws(() => nn.reshape(x, [5, -1]), RangeError);
});

test("topk: sorted, ties to the lower index, k clipped", () => {
  const x = Tensor.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], [2, 6]); // row 2 holds ties: 5 at 2 and 4
  const r = nn.topk(x, 3);
  assert.deepEqual(Array.from(r.indices), [5, 4, 2, 5, 1, 2]);
  assert.deepEqual(Array.from(r.values), [9, 5, 4, 8, 6, 5]);
  const all = nn.topk(Tensor.from([2, 2, 1, 2]), 10);
  assert.deepEqual(Array.from(all.indices), [0, 1, 3, 2]);
  // against a full sort on random rows
  const rng = new Rng(8);
  const big = rand(rng, [7, 50]);
  for (const k of [0, 1, 5, 50]) {
    const t = nn.topk(big, k);
    for (let row = 0; row < 7; row++) {
      const order = Array.from({ length: 50 }, (_, j) => j).sort((a, b) => big.data[row * 50 + b] - big.data[row * 50 + a] || a - b);
      assert.deepEqual(Array.from(t.indices.subarray(row * k, row * k + k)), order.slice(0, k));
    }
  }
});

test("dropout: deterministic per seed, identity when p = 0 or evaluating, unbiased scaling", () => {
  const x = Tensor.full([10000], 1);
  const a = nn.dropout(x, 0.25, new Rng(1));
  const b = nn.dropout(x, 0.25, new Rng(1));
  assert.deepEqual(a.data, b.data);
  const m = a.data.reduce((s, v) => s + v, 0) / 10000;
  assert.ok(Math.abs(m - 1) < 0.05, `mean ${m}`);
  assert.equal(nn.dropout(x, 0, new Rng(1)), x);
  assert.equal(nn.dropout(x, 0.5, new Rng(1), false), x);
});

test("spectralNorm: the normalised weight has largest singular value ≈ 1", () => {
  const rng = new Rng(12);
  const w = rand(rng, [6, 5], -2, 2);
  const st = nn.spectralNormState(w, new Rng(1), 50);
  const y = nn.spectralNorm(w, st, 5);
  // power iteration on yᵀy: its top eigenvalue is σ_max(y)²
  let v = new Float64Array(5).fill(1);
  for (let t = 0; t < 200; t++) {
    const u = new Float64Array(6);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) u[i] += y.data[i * 5 + j] * v[j];
    const nv = new Float64Array(5);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) nv[j] += y.data[i * 5 + j] * u[i];
    const n = Math.hypot(...nv);
    v = nv.map((x) => x / n);
    if (t === 199) assert.ok(Math.abs(Math.sqrt(n) - 1) < 1e-4, `σ_max = ${Math.sqrt(n)}`);
  }
});

test("tanhF32 (GELU's float32 tanh) stays within 3e-7 of Math.tanh, odd, saturating", () => {
  let worst = 0;
  for (let i = -30000; i <= 30000; i++) {
    const u = i / 1000;
    worst = Math.max(worst, Math.abs(tanhF32(u) - Math.tanh(u)));
    assert.equal(tanhF32(-u), -tanhF32(u));
  }
  assert.ok(worst < 3e-7, `max error ${worst}`);
  assert.equal(tanhF32(0), 0);
  assert.equal(tanhF32(9), 1);
  assert.equal(tanhF32(-1e30), -1);
});

test("GELU's float32 gradient stays 1 for large inputs (tanh saturates to exactly ±1)", () => {
  // Regression: a tanh one ulp short of 1 made d GELU / dx ≈ 25,000 at x = 10⁴ and blew up training.
  const x = new Tensor(new Float32Array([10, 100, 1e3, 1e4, -1e4]), [5], { requiresGrad: true });
  const y = nn.gelu(x);
  backward(nn.sum(y));
  const want = [1, 1, 1, 1, 0];
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(x.grad![i] - want[i]) < 1e-3, `x = ${x.data[i]}: ${x.grad![i]}`);
});

test("SpectralWeight caches the evaluation weight and drops it on every training call", () => {
  const rng = new Rng(4);
  const w = rand(rng, [6, 5], -1, 1, true);
  const sw = new nn.SpectralWeight(w, new Rng(2));
  const e1 = sw.get(false);
  assert.equal(sw.get(false), e1); // cached: the same tensor
  close(e1.data, nn.spectralNorm(w, { ...sw.state, u: sw.state.u.slice(), v: sw.state.v.slice() }, 0).data, 1e-6, "eval weight");
  w.data[0] += 1; // an optimizer step, after a training call
  const t = sw.get(true);
  const e2 = sw.get(false);
  assert.notEqual(e2, e1);
  close(e2.data, t.data, 1e-6, "eval after training");
});

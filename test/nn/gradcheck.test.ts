/**
 * Finite-difference gradient checks of every differentiable op, each in the float64 reference
 * mode (rtol 1e-5) and in float32 (rtol 2e-2). Inputs are small and seeded.
 */
import { test } from "node:test";
import { Rng } from "../../src/core/rng.js";
import * as nn from "../../src/nn/ops/index.js";
import { Tensor } from "../../src/nn/tensor.js";
import { checkBoth, ids, rand, randAway, values } from "./util.js";

test("matmul, all transpose combinations", () => {
  for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    checkBoth(`matmul ${ta} ${tb}`, (rng) => {
      const M = 5, N = 6, K = 7;
      const a = rand(rng, ta ? [K, M] : [M, K]);
      const b = rand(rng, tb ? [N, K] : [K, N]);
      return { inputs: [a, b], fn: () => nn.matmul(a, b, ta, tb) };
    });
  }
});

test("bmm, with transposes", () => {
  for (const [ta, tb] of [[false, false], [false, true], [true, false]] as const) {
    checkBoth(`bmm ${ta} ${tb}`, (rng) => {
      const a = rand(rng, ta ? [3, 4, 5] : [3, 5, 4]);
      const b = rand(rng, tb ? [3, 6, 4] : [3, 4, 6]);
      return { inputs: [a, b], fn: () => nn.bmm(a, b, ta, tb) };
    });
  }
});

test("self-attention pattern: bmm(x, x) with the same tensor on both sides, γ·(G·H) + x", () => {
  checkBoth("SimpleSelfAttention", (rng) => {
    const x = rand(rng, [2, 4, 6]), w = rand(rng, [4, 4, 1]), gamma = rand(rng, [1], 0.2, 0.8);
    const fn = () => {
      const G = nn.bmm(x, x, false, true); // (B, C, C)
      const H = nn.conv1d(x, w); // k = 1 conv over channels: (B, C, N)
      return nn.add(nn.mul(nn.bmm(G, H), gamma), x);
    };
    return { inputs: [x, w, gamma], fn };
  });
});

test("linear with and without bias", () => {
  checkBoth("linear", (rng) => {
    const x = rand(rng, [4, 7]), w = rand(rng, [5, 7]), b = rand(rng, [5]);
    return { inputs: [x, w, b], fn: () => nn.linear(x, w, b) };
  });
  checkBoth("linear no bias", (rng) => {
    const x = rand(rng, [3, 6]), w = rand(rng, [5, 6]);
    return { inputs: [x, w], fn: () => nn.linear(x, w) };
  });
});

test("add / sub / mul: same shape, broadcast over leading dims, scalar", () => {
  const ops = { add: nn.add, sub: nn.sub, mul: nn.mul };
  for (const [name, op] of Object.entries(ops)) {
    checkBoth(`${name} same`, (rng) => {
      const a = rand(rng, [3, 4]), b = rand(rng, [3, 4]);
      return { inputs: [a, b], fn: () => op(a, b) };
    });
    checkBoth(`${name} suffix right`, (rng) => {
      const a = rand(rng, [2, 3, 4]), b = rand(rng, [3, 4]);
      return { inputs: [a, b], fn: () => op(a, b) };
    });
    checkBoth(`${name} suffix left`, (rng) => {
      const a = rand(rng, [4]), b = rand(rng, [3, 4]);
      return { inputs: [a, b], fn: () => op(a, b) };
    });
    checkBoth(`${name} scalar`, (rng) => {
      const a = rand(rng, [3, 4]), b = rand(rng, []);
      return { inputs: [a, b], fn: () => op(a, b) };
    });
    checkBoth(`${name} same tensor twice`, (rng) => {
      const a = rand(rng, [5]), b = rand(rng, [5]);
      return { inputs: [a, b], fn: () => op(op(a, a), b) };
    });
  }
});

test("scale, addScalar", () => {
  checkBoth("scale", (rng) => {
    const x = rand(rng, [3, 4]);
    return { inputs: [x], fn: () => nn.scale(x, -2.5) };
  });
  checkBoth("addScalar", (rng) => {
    const x = rand(rng, [3, 4]);
    return { inputs: [x], fn: () => nn.mul(nn.addScalar(x, 0.7), x) };
  });
});

test("sum / mean: all elements and along a dimension", () => {
  checkBoth("sum all", (rng) => {
    const x = rand(rng, [3, 4]);
    return { inputs: [x], fn: () => nn.sum(x) };
  });
  checkBoth("mean all", (rng) => {
    const x = rand(rng, [3, 4]);
    return { inputs: [x], fn: () => nn.mean(x) };
  });
  for (const d of [0, 1, 2, -1]) {
    checkBoth(`sum dim ${d}`, (rng) => {
      const x = rand(rng, [2, 3, 4]);
      return { inputs: [x], fn: () => nn.sum(x, d) };
    });
    checkBoth(`mean dim ${d}`, (rng) => {
      const x = rand(rng, [2, 3, 4]);
      return { inputs: [x], fn: () => nn.mean(x, d) };
    });
  }
});

test("activations: relu, gelu, sigmoid, tanh", () => {
  checkBoth("relu", (rng) => {
    const x = randAway(rng, [4, 5]);
    return { inputs: [x], fn: () => nn.relu(x) };
  });
  for (const [name, op] of [["gelu", nn.gelu], ["sigmoid", nn.sigmoid], ["tanh", nn.tanh]] as const) {
    checkBoth(name, (rng) => {
      const x = rand(rng, [4, 5], -3, 3);
      return { inputs: [x], fn: () => op(x) };
    });
  }
});

test("softmax, logSoftmax, logSumExp over the last dimension", () => {
  for (const [name, op] of [["softmax", nn.softmax], ["logSoftmax", nn.logSoftmax], ["logSumExp", nn.logSumExp]] as const) {
    checkBoth(name, (rng) => {
      const x = rand(rng, [2, 3, 5], -3, 3);
      return { inputs: [x], fn: () => op(x) };
    });
  }
});

test("layerNorm with and without affine parameters", () => {
  checkBoth("layerNorm affine", (rng) => {
    const x = rand(rng, [3, 6], -2, 2), g = rand(rng, [6], 0.5, 1.5), b = rand(rng, [6]);
    return { inputs: [x, g, b], fn: () => nn.layerNorm(x, g, b) };
  });
  checkBoth("layerNorm plain", (rng) => {
    const x = rand(rng, [2, 2, 5], -2, 2);
    return { inputs: [x], fn: () => nn.layerNorm(x) };
  });
});

test("batchNorm: (B, C) and (B, C, L), training and evaluation", () => {
  for (const shape of [[5, 3], [3, 4, 5]]) {
    for (const training of [true, false]) {
      checkBoth(`batchNorm ${shape} ${training}`, (rng) => {
        const C = shape[1];
        const x = rand(rng, shape, -2, 2), g = rand(rng, [C], 0.5, 1.5), b = rand(rng, [C]);
        const st = nn.batchNormState(C);
        for (let c = 0; c < C; c++) {
          st.runningMean[c] = 0.1 * c;
          st.runningVar[c] = 0.5 + 0.2 * c;
        }
        return { inputs: [x, g, b], fn: () => nn.batchNorm(x, g, b, st, training) };
      });
    }
  }
});

test("dropout (seeded mask)", () => {
  checkBoth("dropout", (rng) => {
    const x = rand(rng, [6, 7]);
    return { inputs: [x], fn: () => nn.dropout(x, 0.3, new Rng(99)) };
  });
});

test("embedding: dense and row-sparse tables, repeated ids, padding index", () => {
  for (const sparse of [false, true]) {
    checkBoth(`embedding sparse=${sparse}`, (rng) => {
      const table = rand(rng, [7, 4], -1, 1, sparse);
      const idx = Int32Array.from([3, 1, 3, 0, 6, 1]);
      return { inputs: [table], fn: () => nn.embedding(table, idx, [2, 3]) };
    });
  }
  checkBoth("embedding paddingIdx (padding row not read)", (rng) => {
    const table = rand(rng, [5, 3], -1, 1, true);
    const idx = Int32Array.from([1, 2, 1, 4]);
    return { inputs: [table], fn: () => nn.embedding(table, idx, [4], 0) };
  });
});

test("embeddingBag: sum and mean, per-id weights, empty bag, sparse table", () => {
  for (const mode of ["sum", "mean"] as const) {
    for (const weighted of [false, true]) {
      checkBoth(`embeddingBag ${mode} weighted=${weighted}`, (rng) => {
        const table = rand(rng, [9, 4], -1, 1, true);
        const idx = Int32Array.from([1, 4, 4, 8, 0, 2, 7, 1]);
        const offsets = Int32Array.from([0, 3, 3, 5, 8]); // bag 1 empty
        const w = weighted ? values(rng, idx.length, 0.2, 2) : null;
        return { inputs: [table], fn: () => nn.embeddingBag(table, idx, offsets, mode, w) };
      });
    }
  }
});

test("gatherRows (dense and sparse source), scatterAddRows", () => {
  for (const sparse of [false, true]) {
    checkBoth(`gatherRows sparse=${sparse}`, (rng) => {
      const x = rand(rng, [6, 3], -1, 1, sparse);
      const idx = Int32Array.from([5, 0, 5, 2]);
      return { inputs: [x], fn: () => nn.gatherRows(x, idx) };
    });
  }
  checkBoth("scatterAddRows", (rng) => {
    const src = rand(rng, [5, 3]);
    const idx = Int32Array.from([2, 0, 2, 3, 0]);
    return { inputs: [src], fn: () => nn.scatterAddRows(src, idx, 4) };
  });
});

test("concat, reshape, permute, transpose", () => {
  for (const d of [0, 1, 2]) {
    checkBoth(`concat dim ${d}`, (rng) => {
      const s1 = [2, 3, 4], s2 = [2, 3, 4];
      s2[d] = 2;
      const a = rand(rng, s1), b = rand(rng, s2), c = rand(rng, s1);
      return { inputs: [a, b, c], fn: () => nn.concat([a, b, c], d) };
    });
  }
  checkBoth("reshape", (rng) => {
    const x = rand(rng, [2, 6]);
    return { inputs: [x], fn: () => nn.mul(nn.reshape(x, [3, -1]), nn.reshape(x, [3, 4])) };
  });
  for (const perm of [[0, 2, 1], [2, 0, 1], [1, 2, 0], [2, 1, 0]]) {
    checkBoth(`permute ${perm}`, (rng) => {
      const x = rand(rng, [2, 3, 4]);
      return { inputs: [x], fn: () => nn.permute(x, perm) };
    });
  }
  checkBoth("transpose", (rng) => {
    const x = rand(rng, [3, 5]);
    return { inputs: [x], fn: () => nn.transpose(x) };
  });
});

test("conv1d: stride, padding, dilation, circular padding, bias", () => {
  const configs = [
    { K: 3, opts: {} },
    { K: 3, opts: { stride: 2, padding: 1 } },
    { K: 2, opts: { dilation: 2, padding: 1 } },
    { K: 8, opts: { stride: 4, padding: 2, paddingMode: "circular" as const } }, // the InceptionXML branch shape
    { K: 4, opts: { stride: 1, padding: 3, paddingMode: "circular" as const } },
  ];
  for (const { K, opts } of configs) {
    checkBoth(`conv1d K=${K} ${JSON.stringify(opts)}`, (rng) => {
      const x = rand(rng, [2, 3, 12]), w = rand(rng, [4, 3, K]), b = rand(rng, [4]);
      return { inputs: [x, w, b], fn: () => nn.conv1d(x, w, b, opts) };
    });
  }
  for (const { K, opts } of configs) {
    checkBoth(`conv1dNlc K=${K} ${JSON.stringify(opts)}`, (rng) => {
      const x = rand(rng, [2, 12, 3]), w = rand(rng, [4, 3, K]), b = rand(rng, [4]);
      return { inputs: [x, w, b], fn: () => nn.conv1dNlc(x, w, b, opts) };
    });
  }
  checkBoth("conv1d no bias", (rng) => {
    const x = rand(rng, [3, 2, 7]), w = rand(rng, [2, 2, 1]);
    return { inputs: [x, w], fn: () => nn.conv1d(x, w) };
  });
});

test("bceWithLogits (soft targets, weights) and squaredHinge", () => {
  checkBoth("bceWithLogits", (rng) => {
    const z = rand(rng, [4, 5], -4, 4);
    const y = values(rng, 20);
    return { inputs: [z], fn: () => nn.bceWithLogits(z, y) };
  });
  checkBoth("bceWithLogits weighted", (rng) => {
    const z = rand(rng, [3, 4], -4, 4);
    const y = Float32Array.from({ length: 12 }, () => (rng.next() < 0.3 ? 1 : 0));
    const w = values(rng, 12, 0, 2);
    return { inputs: [z], fn: () => nn.bceWithLogits(z, y, w) };
  });
  checkBoth("squaredHinge", (rng) => {
    const y = Float32Array.from({ length: 20 }, () => (rng.next() < 0.4 ? 1 : 0));
    const z = Tensor.zeros([4, 5], { requiresGrad: true });
    // margins 1 − s·z kept at least 0.1 away from the kink
    for (let i = 0; i < 20; i++) {
      const s = y[i] > 0.5 ? 1 : -1;
      const m = (rng.next() < 0.5 ? -1 : 1) * (0.1 + rng.next());
      z.data[i] = s * (1 - m);
    }
    return { inputs: [z], fn: () => nn.squaredHinge(z, y) };
  });
});

test("spectralNorm (u, v held fixed, as PyTorch differentiates it)", () => {
  checkBoth("spectralNorm", (rng) => {
    const w = rand(rng, [4, 3, 2]);
    const st = nn.spectralNormState(w, new Rng(5), 3);
    return { inputs: [w], fn: () => nn.spectralNorm(w, st, 0) };
  });
});

test("large products take the wasm GEMM path (f32) and still check", () => {
  checkBoth("matmul 24x20x40", (rng) => {
    const a = rand(rng, [40, 24]), b = rand(rng, [20, 40]);
    return { inputs: [a, b], fn: () => nn.matmul(a, b, true, true) };
  }, { f32: { maxChecks: 40 }, f64: { maxChecks: 40 } });
  checkBoth("conv1d 2x16x40, k 8", (rng) => {
    const x = rand(rng, [2, 16, 40]), w = rand(rng, [16, 16, 8]);
    return { inputs: [x, w], fn: () => nn.conv1d(x, w, null, { stride: 4, padding: 2, paddingMode: "circular" }) };
  }, { f32: { maxChecks: 40 }, f64: { maxChecks: 40 } });
  checkBoth("conv1dNlc 2x40x16, k 8", (rng) => {
    const x = rand(rng, [2, 40, 16]), w = rand(rng, [16, 16, 8]);
    return { inputs: [x, w], fn: () => nn.conv1dNlc(x, w, null, { stride: 4, padding: 2, paddingMode: "circular" }) };
  }, { f32: { maxChecks: 40 }, f64: { maxChecks: 40 } });
});

test("a composite graph: linear → gelu → layerNorm → softmax with reused tensors", () => {
  checkBoth("composite", (rng) => {
    const x = rand(rng, [3, 5]), w = rand(rng, [4, 5]), b = rand(rng, [4]), g = rand(rng, [4], 0.5, 1.5);
    const fn = () => {
      const h = nn.gelu(nn.linear(x, w, b));
      const n = nn.layerNorm(nn.add(h, nn.mul(h, b)), g, null);
      return nn.sum(nn.mul(nn.softmax(n), nn.tanh(n)), 1);
    };
    return { inputs: [x, w, b, g], fn };
  });
});

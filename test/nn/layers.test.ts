/** Layers: parameter naming, and a save/load round trip that reproduces predictions exactly. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../src/core/rng.js";
import { BatchNorm1d, Conv1d, Embedding, LayerNorm, Linear, parametersOf, type Layer } from "../../src/nn/layers.js";
import * as nn from "../../src/nn/ops/index.js";
import { splitParams } from "../../src/nn/optim.js";
import { loadInto, loadParams, saveParams } from "../../src/nn/params-io.js";
import { backward, noGrad } from "../../src/nn/tape.js";
import type { Tensor } from "../../src/nn/tensor.js";

/** A miniature InceptionXML-like stack: embedding → conv (circular) → GELU → batch norm → linear. */
function model(seed: number) {
  const rng = new Rng(seed);
  const emb = new Embedding(50, 16, rng, "emb", 0);
  const conv = new Conv1d(4, 6, 8, rng, "conv", { stride: 4, padding: 2, paddingMode: "circular" });
  const bn = new BatchNorm1d(6, "bn");
  const ln = new LayerNorm(24, "ln");
  const head = new Linear(24, 5, rng, "head");
  const layers: Layer[] = [emb, conv, bn, ln, head];
  const forward = (ids: Int32Array, B: number, training: boolean): Tensor => {
    const x = emb.forward(ids, [B, 4]); // (B, 4 tokens, 16 dims): tokens as channels, convolve along dims
    const h = bn.forward(nn.gelu(conv.forward(x)), training); // (B, 6, 4)
    return head.forward(ln.forward(nn.reshape(h, [B, 24])));
  };
  return { layers, forward, bn };
}

test("layers name their parameters and buffers; save/load reproduces eval predictions exactly", () => {
  const a = model(1);
  const names = parametersOf(a.layers).map((p) => p.name);
  assert.deepEqual(names, ["emb.weight", "conv.weight", "conv.bias", "bn.weight", "bn.bias", "ln.weight", "ln.bias", "head.weight", "head.bias"]);
  assert.ok(parametersOf(a.layers)[0].sparseGrad);
  const rng = new Rng(2);
  const ids = Int32Array.from({ length: 8 * 4 }, () => rng.int(50));
  // a few training steps so batch-norm statistics and weights move
  const { dense, sparse } = splitParams(parametersOf(a.layers));
  for (let t = 0; t < 3; t++) {
    backward(nn.sum(nn.mul(a.forward(ids, 8, true), a.forward(ids, 8, true))));
    for (const p of dense) for (let i = 0; i < p.size; i++) p.data[i] -= 0.01 * p.grad![i];
    for (const p of sparse) p.zeroGrad();
    for (const p of dense) p.zeroGrad();
  }
  const before = noGrad(() => a.forward(ids, 8, false)).data;
  const dir = mkdtempSync(join(tmpdir(), "xmc-nn-"));
  try {
    const base = join(dir, "model");
    saveParams(base, [...parametersOf(a.layers), ...a.layers.flatMap((l) => l.buffers())]);
    const b = model(99);
    const loaded = loadParams(base);
    loadInto(loaded, parametersOf(b.layers));
    for (const buf of b.layers.flatMap((l) => l.buffers())) buf.data.set(loaded.arrays.get(buf.name)!.data);
    const after = noGrad(() => b.forward(ids, 8, false)).data;
    assert.deepEqual(after, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

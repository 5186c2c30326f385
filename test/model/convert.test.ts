/** Converting a format-2 model directory into a model file (library and `xmc convert`). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import type { Dataset } from "../../src/data/dataset.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { convertModelDir } from "../../src/model/convert.js";
import { readModelFile } from "../../src/model/file.js";
import { dtypeOf, type ModelContents } from "../../src/model/format.js";
import { loadModel } from "../../src/api/load.js";

/** Write `m` as a format-2 directory: model.json (meta + array index), arrays.bin, labels.json, vocab.json. */
function writeFormat2(dir: string, m: ModelContents): void {
  mkdirSync(dir);
  const { labelNames, vocab, labelTexts, ...meta } = m.header;
  const index: Record<string, { dtype: string; offset: number; length: number }> = {};
  let size = 0;
  for (const [name, a] of Object.entries(m.arrays)) {
    size = (size + 7) & ~7;
    index[name] = { dtype: dtypeOf(a), offset: size, length: a.length };
    size += a.byteLength;
  }
  const buf = new Uint8Array(size);
  for (const [name, a] of Object.entries(m.arrays)) buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), index[name].offset);
  writeFileSync(join(dir, "arrays.bin"), buf);
  writeFileSync(join(dir, "labels.json"), JSON.stringify(labelNames));
  if (vocab) writeFileSync(join(dir, "vocab.json"), JSON.stringify(vocab));
  if (labelTexts) writeFileSync(join(dir, "label-texts.json"), JSON.stringify(labelTexts));
  writeFileSync(join(dir, "model.json"), JSON.stringify({ format: 2, ...meta, arrays: index }));
}

test("a format-2 model directory converts to a model file that predicts the same", async () => {
  const texts: string[] = [], labels: number[][] = [];
  const words = ["apple banana fruit", "car engine wheel", "guitar piano music"];
  for (let i = 0; i < 60; i++) {
    texts.push(`${words[i % 3]} sample ${i % 7}`);
    labels.push([i % 3]);
  }
  const data: Dataset = { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(3, labels), labelNames: ["food", "vehicle", "music"], labelTexts: null, knownLabels: 3 };
  const model = await XRLinearModel.train(data, { text: { vectorizers: [{ analyzer: "word", minDf: 1 }] } }, { threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), "xmc-convert-"));
  try {
    model.save(join(dir, "new.xmc"));
    const old = join(dir, "old");
    writeFormat2(old, readModelFile(join(dir, "new.xmc")));
    assert.throws(() => loadModel(old), /older xmc format \(2\); convert it with "xmc convert/);
    const converted = loadModel(convertModelDir(old));
    assert.deepEqual(converted.predictDataset(data), model.predictDataset(data));
    const cli = new URL("../../src/cli/main.js", import.meta.url).pathname;
    const r = spawnSync(process.execPath, [cli, "convert", old, join(dir, "conv.xmc")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(loadModel(join(dir, "conv.xmc")).predictDataset(data), model.predictDataset(data));
    const bad = spawnSync(process.execPath, [cli, "convert", join(dir, "new.xmc"), join(dir, "x.xmc")], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /xmc: error: .*new\.xmc: not a model directory of an older xmc format/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

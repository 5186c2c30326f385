/** The model file: encoding, checksums, corrupt and truncated files, atomic replacement under crashes. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { readModelFile, readModelHeader, writeModelFile } from "../../src/model/file.js";
import { decodeHeader, decodeModel, encodeModelBytes, MODEL_FORMAT, PREAMBLE_BYTES, type TypedArray, xxhash32 } from "../../src/model/format.js";
import { loadModel } from "../../src/api/load.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test("xxhash32 matches the reference values", () => {
  assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxhash32(enc("a")), 0x550d7456);
  assert.equal(xxhash32(enc("abc")), 0x32d153ff);
  // the aligned (word view) and unaligned (byte) paths agree
  const big = enc("Nobody inspects the spammish repetition, over and over and over again.");
  const shifted = new Uint8Array(big.length + 1);
  shifted.set(big, 1);
  assert.equal(xxhash32(shifted.subarray(1)), xxhash32(big.slice()));
});

function sample(): { header: Record<string, unknown>; arrays: Record<string, TypedArray> } {
  return {
    header: { method: "test", dim: 7, labelNames: ["a", "b", "ç"] },
    arrays: {
      ints: Int32Array.from([1, -2, 3]),
      floats: Float32Array.from([0.5, 1.5, -2.25, 3, 4]),
      doubles: Float64Array.from([Math.PI, -1e300]),
      bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      shorts: Uint16Array.from([65535, 0, 7]),
      empty: new Float32Array(0),
    },
  };
}

test("encode/decode round trip: header and every dtype, aligned views, from any byte offset", () => {
  const { header, arrays } = sample();
  const bytes = encodeModelBytes(header, arrays);
  assert.equal(new DataView(bytes.buffer).getUint32(8, true), MODEL_FORMAT);
  const m = decodeModel(bytes, "x.xmc");
  assert.deepEqual(m.header, header);
  for (const [k, a] of Object.entries(arrays)) {
    assert.deepEqual(m.arrays[k], a, k);
    assert.equal(m.arrays[k].buffer, bytes.buffer, `${k} is a view on the file's bytes`);
    assert.equal(m.arrays[k].byteOffset % 8, 0);
  }
  // bytes at an odd offset (e.g. part of a larger download) are copied once and still decode
  const odd = new Uint8Array(bytes.length + 3);
  odd.set(bytes, 3);
  assert.deepEqual(decodeModel(odd.subarray(3), "odd").arrays.doubles, arrays.doubles);
  assert.deepEqual(decodeModel(bytes.slice().buffer, "ab").arrays.ints, arrays.ints);
  assert.throws(() => encodeModelBytes({ arrays: 1 }, {}), /reserved/);
});

test("a flipped byte in any array is an error naming that array; edited headers, truncation and junk are errors", () => {
  const { header, arrays } = sample();
  const bytes = encodeModelBytes(header, arrays);
  const { index, dataStart } = decodeHeader(bytes, "m.xmc");
  for (const [name, e] of Object.entries(index)) {
    if (e.length === 0) continue;
    const bad = bytes.slice();
    bad[dataStart + e.offset + 1] ^= 0x10;
    assert.throws(() => decodeModel(bad, "m.xmc"), (err: unknown) => err instanceof XmcError && err.message === `m.xmc: array "${name}" fails its checksum (the file is corrupt)`);
  }
  // the header edited in place (dim 7 → 8, same length)
  const text = new TextDecoder().decode(bytes);
  const at = text.indexOf('"dim":7');
  assert.ok(at > 0);
  const edited = bytes.slice();
  edited[at + 6] = "8".charCodeAt(0);
  assert.throws(() => decodeModel(edited, "m.xmc"), /m\.xmc: the header fails its checksum/);
  assert.throws(() => readModelHeader(edited), /header fails its checksum/);
  for (const n of [bytes.length - 1, bytes.length - 40, PREAMBLE_BYTES + 3, 12]) {
    assert.throws(() => decodeModel(bytes.subarray(0, n), "m.xmc"), (err: unknown) => err instanceof XmcError && /m\.xmc: the file is truncated/.test(err.message), `cut at ${n}`);
  }
  const longer = new Uint8Array(bytes.length + 8);
  longer.set(bytes);
  assert.throws(() => decodeModel(longer, "m.xmc"), /longer than its header says/);
  assert.throws(() => decodeModel(enc("{\"format\": 2}"), "m.json"), /m\.json: not an xmc model file/);
  const future = bytes.slice();
  new DataView(future.buffer).setUint32(8, MODEL_FORMAT + 1, true);
  assert.throws(() => decodeModel(future, "m.xmc"), new RegExp(`model format ${MODEL_FORMAT + 1} is not supported by this version of xmc \\(it reads formats 3 and 4\\)`));
  // format 3 (the same layout; label trees possibly in the wider form) is read
  const three = bytes.slice();
  new DataView(three.buffer).setUint32(8, 3, true);
  assert.equal(decodeModel(three, "m.xmc").header.method, decodeModel(bytes, "m.xmc").header.method);
});

test("files: write exactly the path, replace models, refuse other things, old model directories", () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-format-"));
  try {
    const { header, arrays } = sample();
    const path = join(dir, "sub", "m"); // no extension added, parent created
    writeModelFile(path, header, arrays);
    writeModelFile(path, { ...header, dim: 9 }, arrays);
    assert.deepEqual(readdirSync(join(dir, "sub")), ["m"]);
    assert.equal(readModelHeader(path).dim, 9);
    assert.deepEqual(readModelFile(path).arrays.floats, arrays.floats);
    assert.deepEqual(readModelFile(readFileSync(path)).arrays.shorts, arrays.shorts);
    // not a model file: refused, left alone
    const other = join(dir, "notes.txt");
    writeFileSync(other, "keep me");
    assert.throws(() => writeModelFile(other, header, arrays), (e: unknown) => e instanceof XmcError && /notes\.txt: exists and is not an xmc model file; refusing to overwrite it/.test(e.message));
    assert.equal(readFileSync(other, "utf8"), "keep me");
    assert.throws(() => writeModelFile(join(dir, "sub"), header, arrays), /is a directory, not an xmc model file; refusing/);
    // a model directory of format 2
    const old = join(dir, "old");
    mkdirSync(old);
    writeFileSync(join(old, "model.json"), JSON.stringify({ format: 2, method: "xr-linear" }));
    assert.throws(() => loadModel(old), (e: unknown) => e instanceof XmcError && e.message === `${old}: a model directory of an older xmc format (2); convert it with "xmc convert ${old} NEW" or retrain it`);
    assert.throws(() => writeModelFile(old, header, arrays), /older xmc format/);
    writeFileSync(join(old, "model.json"), JSON.stringify({ format: 1 }));
    assert.throws(() => loadModel(old), /older xmc format \(1\); retrain it with this version/);
    assert.throws(() => readModelFile(join(dir, "nope")), /nope: no such model file/);
    assert.throws(() => loadModel(path), /model method: unknown method "test"/);
    assert.throws(() => loadModel(other), /not an xmc model file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const STEPS = ["temp-created", "half-written", "before-fsync", "before-rename", "after-rename"] as const;

test("a writer killed at any step leaves the old or the new model, and the next write removes its temp file", () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-crash-"));
  try {
    const path = join(dir, "m.xmc");
    const arrays = (v: number): Record<string, TypedArray> => ({ a: new Float32Array(1000).fill(v), b: new Int32Array(3000).fill(v), c: new Float64Array(500).fill(v), d: new Uint8Array(77).fill(v) });
    const fileUrl = new URL("../../src/model/file.js", import.meta.url).href;
    const child = `import { writeModelFile } from ${JSON.stringify(fileUrl)};
      const v = 2;
      writeModelFile(${JSON.stringify(path)}, { method: "test", version: v }, { a: new Float32Array(1000).fill(v), b: new Int32Array(3000).fill(v), c: new Float64Array(500).fill(v), d: new Uint8Array(77).fill(v) });`;
    for (const step of STEPS) {
      writeModelFile(path, { method: "test", version: 1 }, arrays(1));
      assert.deepEqual(readdirSync(dir), ["m.xmc"], "the previous write removed the stale temp file");
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", child], { env: { ...process.env, XMC_FAULT_KILL_AT: step }, encoding: "utf8" });
      assert.equal(r.signal, "SIGKILL", `${step}: ${r.stderr}`);
      const m = readModelFile(path);
      const v = step === "after-rename" ? 2 : 1;
      assert.equal(m.header.version, v, step);
      assert.deepEqual(m.arrays.b, new Int32Array(3000).fill(v), step);
      const temps = readdirSync(dir).filter((f) => f.startsWith(".m.xmc.tmp-"));
      assert.equal(temps.length, step === "after-rename" ? 0 : 1, `${step}: ${readdirSync(dir).join(", ")}`);
    }
    writeModelFile(path, { method: "test", version: 3 }, arrays(3));
    assert.deepEqual(readdirSync(dir), ["m.xmc"]);
    // a writer that runs to the end without the fault variable leaves only the model
    const ok = spawnSync(process.execPath, ["--input-type=module", "-e", child], { encoding: "utf8", env: { ...process.env, XMC_FAULT_KILL_AT: "" } });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(readModelHeader(path).version, 2);
    assert.deepEqual(readdirSync(dir), ["m.xmc"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Model files of any size: the paths a multi-GB file takes (slices per read/write call, array by
 * array reading with offsets past 2^31, the free-space check, keeping a model whose save failed)
 * run here on small files with the limits lowered. XMC_SLOW_TESTS=1 adds a real 4.5 GB file.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XmcError } from "../../src/core/errors.js";
import { readFileBytes, readModelFile, saveModelOrKeep, setModelIoLimits, writeModelFile } from "../../src/model/file.js";
import { decodeModel, type TypedArray } from "../../src/model/format.js";

function sample(): { header: Record<string, unknown>; arrays: Record<string, TypedArray> } {
  const big = new Float32Array(1000);
  for (let i = 0; i < big.length; i++) big[i] = Math.sin(i) * 3;
  return {
    header: { method: "test", labelNames: ["a", "b", "ç"] },
    arrays: {
      ints: Int32Array.from([1, -2, 3]),
      big,
      doubles: Float64Array.from([Math.PI, -1e300]),
      bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      shorts: Uint16Array.from([65535, 0, 7]),
      empty: new Float32Array(0),
    },
  };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), "xmc-large-"));

test("with slices of 24 bytes and array-by-array reading above 64 bytes, a model round-trips exactly", () => {
  const dir = tmp();
  const s = sample();
  try {
    const path = join(dir, "m.xmc");
    writeModelFile(path, s.header, s.arrays); // default limits: the reference bytes
    const reference = readFileBytes(path);
    const prev = setModelIoLimits({ slice: 24, wholeFile: 64 });
    try {
      const path2 = join(dir, "m2.xmc");
      writeModelFile(path2, s.header, s.arrays);
      assert.deepEqual(readFileBytes(path2), reference, "the sliced writer writes the same bytes");
      const parts = readModelFile(path2);
      assert.deepEqual(parts.header, s.header);
      for (const [k, a] of Object.entries(s.arrays)) {
        assert.deepEqual(parts.arrays[k], a, k);
        assert.equal(parts.arrays[k].byteOffset, 0, `${k} has its own buffer`);
      }
    } finally {
      setModelIoLimits(prev);
    }
    const whole = readModelFile(path);
    assert.equal(whole.arrays.big.buffer, whole.arrays.ints.buffer, "small files keep the one-buffer path");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("array-by-array reading refuses truncated and corrupt files with one-line XmcErrors", () => {
  const dir = tmp();
  const s = sample();
  const prev = setModelIoLimits({ slice: 16, wholeFile: 32 });
  try {
    const path = join(dir, "m.xmc");
    writeModelFile(path, s.header, s.arrays);
    const bytes = readFileBytes(path);
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 200] ^= 1; // inside "big" (the arrays after it take 40 bytes)
    writeFileSync(join(dir, "c.xmc"), corrupt);
    assert.throws(() => readModelFile(join(dir, "c.xmc")), (e: unknown) => e instanceof XmcError && /fails its checksum/.test(e.message));
    writeFileSync(join(dir, "t.xmc"), bytes);
    truncateSync(join(dir, "t.xmc"), bytes.length - 8);
    assert.throws(() => readModelFile(join(dir, "t.xmc")), (e: unknown) => e instanceof XmcError && /truncated/.test(e.message));
    writeFileSync(join(dir, "h.xmc"), bytes.subarray(0, 40));
    assert.throws(() => readModelFile(join(dir, "h.xmc")), (e: unknown) => e instanceof XmcError && /truncated/.test(e.message));
  } finally {
    setModelIoLimits(prev);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model on a SharedArrayBuffer decodes to views on it", () => {
  const dir = tmp();
  try {
    const s = sample();
    const path = join(dir, "m.xmc");
    writeModelFile(path, s.header, s.arrays);
    const bytes = readFileBytes(path);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    const m = decodeModel(shared, "shared");
    assert.ok(m.arrays.big.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(Array.from(m.arrays.big), Array.from(s.arrays.big));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a save that does not fit the free space fails before writing and leaves no temp file", () => {
  const dir = tmp();
  const prev = setModelIoLimits({ freeBytes: 100 });
  try {
    const s = sample();
    assert.throws(() => writeModelFile(join(dir, "m.xmc"), s.header, s.arrays), (e: unknown) => e instanceof XmcError && /needs .* MB and the file system .* has 0\.0 MB free/.test(e.message));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    setModelIoLimits(prev);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a trained model whose save fails is kept next to the target and the error says where", () => {
  const dir = tmp();
  try {
    const s = sample();
    const target = join(dir, "sub", "m.xmc");
    mkdirSync(join(dir, "sub"));
    const failing = (path: string): void => {
      if (path === target) throw new XmcError(`${path}: cannot write the model file: no space left on device (ENOSPC)`);
      writeModelFile(path, s.header, s.arrays);
    };
    let message = "";
    assert.throws(() => saveModelOrKeep(target, failing), (e: unknown) => {
      message = (e as Error).message;
      return e instanceof XmcError && /ENOSPC.*the trained model was saved to .*m\.xmc\.unsaved-/.test(message);
    });
    const kept = /saved to (\S+) instead/.exec(message)![1];
    assert.ok(existsSync(kept));
    assert.deepEqual(readModelFile(kept).arrays.big, s.arrays.big);
    // when every place fails, the error says the model is lost (no stack trace, an XmcError)
    assert.throws(
      () => saveModelOrKeep(target, (p) => { throw new XmcError(`${p}: cannot write`); }),
      (e: unknown) => e instanceof XmcError && /failed too, so the trained model is lost/.test((e as Error).message),
    );
    // a successful save is just a save
    saveModelOrKeep(join(dir, "ok.xmc"), (p) => writeModelFile(p, s.header, s.arrays));
    assert.ok(existsSync(join(dir, "ok.xmc")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a real model file larger than 4 GiB writes and reads back (XMC_SLOW_TESTS=1)", { skip: process.env.XMC_SLOW_TESTS !== "1" }, () => {
  const dir = tmp();
  try {
    // three arrays of 1.5 GiB: offsets pass 2^31 and 2^32, the file exceeds one typed array
    const n = 3 * 2 ** 28 + 3;
    const arrays: Record<string, TypedArray> = {};
    for (let k = 0; k < 3; k++) {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i += 4099) a[i] = k + i / n;
      a[n - 1] = -k;
      arrays[`w${k}`] = a;
    }
    const path = join(dir, "big.xmc");
    writeModelFile(path, { method: "test" }, arrays);
    const back = readModelFile(path).arrays;
    for (const [k, a] of Object.entries(arrays)) {
      const b = back[k] as Float32Array;
      assert.equal(b.length, a.length);
      for (let i = 0; i < n; i += 4099) assert.equal(b[i], a[i]);
      assert.equal(b[n - 1], a[n - 1]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

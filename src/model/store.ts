import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { XmcError } from "../core/errors.js";

export type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array | Uint16Array;
const DTYPES = { i32: Int32Array, f32: Float32Array, f64: Float64Array, u8: Uint8Array, u16: Uint16Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  if (a instanceof Uint16Array) return "u16";
  return "u8";
}

/** Format version of model directories; bumped on incompatible changes. */
export const MODEL_FORMAT = 2;

export interface ModelFiles {
  /** JSON-serialisable description (method, params, shapes...). */
  meta: Record<string, unknown>;
  /** Named binary arrays, stored back to back (8-byte aligned) in arrays.bin. */
  arrays: Record<string, TypedArray>;
  /** Extra text/JSON files (e.g. labels.json). */
  files?: Record<string, string>;
}

/**
 * Write a model directory atomically: everything goes to a sibling temp directory which
 * is renamed into place at the end, so a crash never leaves a half-written model.
 * Layout: model.json (meta + array index), arrays.bin, plus extra files.
 */
export function writeModelDir(dir: string, m: ModelFiles): void {
  const target = resolve(dir);
  const parent = dirname(target);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    const index: Record<string, { dtype: DType; offset: number; length: number }> = {};
    let size = 0;
    for (const [name, a] of Object.entries(m.arrays)) {
      size = (size + 7) & ~7;
      index[name] = { dtype: dtypeOf(a), offset: size, length: a.length };
      size += a.byteLength;
    }
    const buf = new Uint8Array(size);
    for (const [name, a] of Object.entries(m.arrays)) buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), index[name].offset);
    writeFileSync(join(tmp, "arrays.bin"), buf);
    for (const [name, text] of Object.entries(m.files ?? {})) writeFileSync(join(tmp, name), text);
    writeFileSync(join(tmp, "model.json"), JSON.stringify({ format: MODEL_FORMAT, ...m.meta, arrays: index }, null, 1));
    if (existsSync(target)) {
      if (!existsSync(join(target, "model.json"))) throw new XmcError(`${dir}: exists and is not an xmc model directory; refusing to overwrite it`);
      const old = `${tmp}-old`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Read and check model.json only. */
export function readModelMeta(dir: string): Record<string, unknown> {
  const metaPath = join(dir, "model.json");
  if (!existsSync(metaPath)) throw new XmcError(`${dir}: not an xmc model directory (no model.json)`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(readFileSync(metaPath, "utf8"));
  } catch (e) {
    throw new XmcError(`${metaPath}: not valid JSON (${(e as Error).message})`);
  }
  if (meta.format !== MODEL_FORMAT) throw new XmcError(`${metaPath}: model format ${String(meta.format)} is not supported (expected ${MODEL_FORMAT})`);
  return meta;
}

/** Read a model directory written by writeModelDir; arrays are zero-copy views on one buffer. */
export function readModelDir(dir: string): ModelFiles & { dir: string } {
  const meta = readModelMeta(dir);
  const index = meta.arrays as Record<string, { dtype: DType; offset: number; length: number }>;
  const raw = readFileSync(join(dir, "arrays.bin"));
  // copy into an 8-byte aligned buffer so typed views are valid
  const buf = new ArrayBuffer(raw.byteLength);
  new Uint8Array(buf).set(raw);
  const arrays: Record<string, TypedArray> = {};
  for (const [name, e] of Object.entries(index)) {
    const Ctor = DTYPES[e.dtype];
    if (!Ctor || e.offset + e.length * Ctor.BYTES_PER_ELEMENT > buf.byteLength) throw new XmcError(`${dir}/arrays.bin: array "${name}" is truncated or corrupt`);
    arrays[name] = new Ctor(buf, e.offset, e.length);
  }
  delete meta.arrays;
  return { dir, meta, arrays };
}

export function readModelText(dir: string, name: string): string {
  const p = join(dir, name);
  if (!existsSync(p)) throw new XmcError(`${dir}: model file ${name} is missing`);
  return readFileSync(p, "utf8");
}

/** The Int32 / Float32 arrays of a model file stored under `prefix` (e.g. an HNSW graph), with the prefix removed. */
export function arraysWithPrefix(arrays: Record<string, unknown>, prefix: string): Record<string, Int32Array | Float32Array> {
  const out: Record<string, Int32Array | Float32Array> = {};
  for (const [k, a] of Object.entries(arrays)) if (k.startsWith(prefix) && (a instanceof Int32Array || a instanceof Float32Array)) out[k.slice(prefix.length)] = a;
  return out;
}

/**
 * Save and load named parameters (and any extra named arrays, e.g. optimizer state) as a pair of
 * files: `BASE.json` (format, meta, and an index name → dtype, shape, byte offset, length) and
 * `BASE.bin` (the arrays back to back, 8-byte aligned, little-endian). Each file is written to a
 * temporary sibling and renamed into place; the index records the binary's size and an FNV-1a
 * checksum, so a torn or mismatched pair is detected on load.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { XmcError } from "../core/errors.js";
import type { Tensor } from "./tensor.js";

/** Arrays that can be stored. */
export type StoredArray = Float32Array | Float64Array | Int32Array;
type DType = "f32" | "f64" | "i32";

/** Format version of parameter files. */
export const PARAMS_FORMAT = 1;

interface Entry {
  dtype: DType;
  shape: number[];
  offset: number;
  length: number;
}

interface Index {
  format: number;
  bytes: number;
  checksum: number;
  meta: Record<string, unknown>;
  arrays: Record<string, Entry>;
}

/** What {@link loadParams} returns. */
export interface LoadedParams {
  /** Every stored array by name, with its shape. */
  arrays: Map<string, { shape: number[]; data: StoredArray }>;
  meta: Record<string, unknown>;
}

function dtypeOf(a: StoredArray): DType {
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Float64Array) return "f64";
  return "f32";
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** One item to store: a tensor (its name and shape are used) or a bare array. */
export type SaveItem = Tensor | { name: string; shape?: number[]; data: StoredArray };

/**
 * Write `items` (names must be unique and non-empty) plus JSON `meta` to `BASE.json` and
 * `BASE.bin`.
 */
export function saveParams(base: string, items: readonly SaveItem[], meta: Record<string, unknown> = {}): void {
  const arrays: Record<string, Entry> = {};
  let size = 0;
  for (const it of items) {
    if (!it.name) throw new XmcError(`saveParams: every array needs a name`);
    if (arrays[it.name]) throw new XmcError(`saveParams: two arrays named "${it.name}"`);
    size = (size + 7) & ~7;
    const shape = "shape" in it && it.shape ? it.shape.slice() : [it.data.length];
    arrays[it.name] = { dtype: dtypeOf(it.data), shape, offset: size, length: it.data.length };
    size += it.data.byteLength;
  }
  const buf = new Uint8Array(size);
  for (const it of items) {
    const d = it.data;
    buf.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), arrays[it.name].offset);
  }
  const index: Index = { format: PARAMS_FORMAT, bytes: size, checksum: fnv1a(buf), meta, arrays };
  writeAtomic(`${base}.bin`, buf);
  writeAtomic(`${base}.json`, JSON.stringify(index));
}

/** Read `BASE.json` + `BASE.bin`, checking format, size and checksum. */
export function loadParams(base: string): LoadedParams {
  const jp = `${base}.json`, bp = `${base}.bin`;
  if (!existsSync(jp) || !existsSync(bp)) throw new XmcError(`${base}: parameter files ${jp} and ${bp} not found`);
  let index: Index;
  try {
    index = JSON.parse(readFileSync(jp, "utf8"));
  } catch (e) {
    throw new XmcError(`${jp}: not valid JSON (${(e as Error).message})`);
  }
  if (index.format !== PARAMS_FORMAT) throw new XmcError(`${jp}: parameter format ${String(index.format)} is not supported (expected ${PARAMS_FORMAT})`);
  const file = readFileSync(bp);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length !== index.bytes || fnv1a(bytes) !== index.checksum) throw new XmcError(`${bp}: size or checksum does not match ${jp} (torn or mismatched files)`);
  const arrays = new Map<string, { shape: number[]; data: StoredArray }>();
  for (const [name, e] of Object.entries(index.arrays)) {
    const width = e.dtype === "f64" ? 8 : 4;
    const copy = bytes.slice(e.offset, e.offset + e.length * width); // aligned private copy
    const data = e.dtype === "i32" ? new Int32Array(copy.buffer) : e.dtype === "f64" ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
    arrays.set(name, { shape: e.shape, data });
  }
  return { arrays, meta: index.meta ?? {} };
}

/**
 * Copy stored values into `params` by name (shapes must match; every parameter must be present).
 * Values are converted to the tensors' element type.
 */
export function loadInto(loaded: LoadedParams, params: readonly Tensor[]): void {
  for (const p of params) {
    const a = loaded.arrays.get(p.name);
    if (!a) throw new XmcError(`loadParams: no stored parameter "${p.name}"`);
    if (a.shape.length !== p.shape.length || a.shape.some((s, i) => s !== p.shape[i])) {
      throw new XmcError(`loadParams: "${p.name}" is stored as [${a.shape.join(", ")}], the model expects [${p.shape.join(", ")}]`);
    }
    if (a.data instanceof Int32Array) throw new XmcError(`loadParams: "${p.name}" is stored as integers`);
    p.data.set(a.data); // converts between element types
  }
}

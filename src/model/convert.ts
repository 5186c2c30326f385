/**
 * Convert a model directory of format 2 (model.json + arrays.bin + labels.json, vocab.json,
 * label-texts.json) into the bytes of a format-3 model file: the directory's JSON description
 * becomes the header, its text files become the header keys `labelNames`, `vocab` and
 * `labelTexts`, and its arrays keep their names. Format 2 had no checksums, so the arrays are
 * taken as they are (only their bounds are checked).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { XmcError } from "../core/errors.js";
import { readFileBytes } from "./file.js";
import { type DType, encodeModelBytes, type TypedArray } from "./format.js";

const DTYPES = { i32: Int32Array, f32: Float32Array, f64: Float64Array, u8: Uint8Array, u16: Uint16Array } as const;

/** Format-2 text files and the header keys they become. */
const TEXT_FILES: Record<string, string> = { "labels.json": "labelNames", "vocab.json": "vocab", "label-texts.json": "labelTexts" };

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new XmcError(`${path}: not readable JSON (${(e as Error).message})`);
  }
}

/** The format-3 file bytes of the format-2 model directory `dir`. */
export function convertModelDir(dir: string): Uint8Array {
  const mj = join(dir, "model.json");
  if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(mj)) throw new XmcError(`${dir}: not a model directory of an older xmc format (no model.json)`);
  const meta = readJson(mj) as Record<string, unknown>;
  if (meta === null || typeof meta !== "object" || meta.format !== 2) throw new XmcError(`${mj}: model format ${String(meta?.format)} cannot be converted (only format 2 can); retrain it with this version`);
  const index = meta.arrays as Record<string, { dtype: DType; offset: number; length: number }>;
  if (index === null || typeof index !== "object") throw new XmcError(`${mj}: no array index`);
  const raw = readFileBytes(join(dir, "arrays.bin"));
  const arrays: Record<string, TypedArray> = {};
  for (const [name, e] of Object.entries(index)) {
    const Ctor = DTYPES[e?.dtype];
    if (!Ctor || !Number.isSafeInteger(e.offset) || e.offset % Ctor.BYTES_PER_ELEMENT !== 0 || !Number.isSafeInteger(e.length) || e.offset + e.length * Ctor.BYTES_PER_ELEMENT > raw.length) {
      throw new XmcError(`${dir}/arrays.bin: array "${name}" is truncated or corrupt`);
    }
    arrays[name] = new Ctor(raw.buffer as ArrayBuffer, e.offset, e.length);
  }
  const header: Record<string, unknown> = { ...meta };
  delete header.format;
  delete header.arrays;
  for (const [file, key] of Object.entries(TEXT_FILES)) {
    const p = join(dir, file);
    header[key] = existsSync(p) ? readJson(p) : null;
  }
  return encodeModelBytes(header, arrays);
}

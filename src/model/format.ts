/**
 * The xmc model file (format 4): bytes in, bytes out, no file system (this module is also
 * meant for browsers, so it imports no `node:` module). The file I/O is in file.ts.
 *
 * Layout (all integers little-endian):
 *
 *   offset 0   8 bytes  magic  0x89 'X' 'M' 'C' '\r' '\n' 0x1a '\n'
 *   offset 8   u32      format version (4; format 3 files are read too)
 *   offset 12  u32      header length H in bytes
 *   offset 16  u32      xxHash32 (seed 0) of the header bytes
 *   offset 20  u32      0 (reserved)
 *   offset 24  H bytes  header: UTF-8 JSON object (the model's description: method, params,
 *                       shapes, label names, vocabulary...) with an `arrays` index
 *                       { name: { dtype, offset, length, checksum } } and `dataBytes`
 *   then zero padding to a multiple of 8: the data section starts here
 *   data section: the arrays back to back, each at an offset (from the data section's start)
 *   that is a multiple of 8, zero padding between them; its size is `dataBytes`.
 *
 * `checksum` is the xxHash32 (seed 0) of the array's bytes. Because every array starts at a
 * multiple of 8 from the file start, a reader holding the file in an 8-aligned buffer views each
 * array in place (no copy).
 */
import { XmcError } from "../core/errors.js";

/**
 * Format version written in the preamble. Format 4 has the same layout as format 3; its number
 * says that label trees may be stored compactly (varint row features, narrow row counts, see
 * src/search/tree-arrays.ts), which builds that read only format 3 cannot decode: they refuse a
 * format 4 file by its number instead of failing on a missing array.
 */
export const MODEL_FORMAT = 4;

/** Format versions this build reads. */
export const READABLE_FORMATS: readonly number[] = [3, 4];

/** The 8 magic bytes a model file starts with (a PNG-style signature: detects text-mode transfers). */
export const MAGIC = Uint8Array.from([0x89, 0x58, 0x4d, 0x43, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bytes before the header JSON. */
export const PREAMBLE_BYTES = 24;

export type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array | Uint16Array;
const DTYPES = { i32: Int32Array, f32: Float32Array, f64: Float64Array, u8: Uint8Array, u16: Uint16Array } as const;
export type DType = keyof typeof DTYPES;

/** One entry of the header's array index. */
export interface ArrayEntry {
  dtype: DType;
  /** Byte offset from the start of the data section (a multiple of 8). */
  offset: number;
  /** Number of elements. */
  length: number;
  /** xxHash32 of the array's bytes. */
  checksum: number;
}

/** A decoded model file: its header (without the array index) and its arrays by name. */
export interface ModelContents {
  /** Where it was read from (a path, or a name given for bytes); used in error messages. */
  source: string;
  header: Record<string, unknown>;
  arrays: Record<string, TypedArray>;
}

export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  if (a instanceof Uint16Array) return "u16";
  if (a instanceof Uint8Array) return "u8";
  throw new XmcError(`model arrays must be Int32Array, Float32Array, Float64Array, Uint8Array or Uint16Array`);
}

const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P4 = 0x27d4eb2f, P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/**
 * xxHash32 (seed 0) of `bytes`. The bulk is read as 32-bit little-endian words through a
 * Uint32Array view when the bytes start at a multiple of 4 (always true for model arrays), four
 * independent lanes per 16 bytes: 1-2 GB/s in V8 (a 20 MB model in about 10 ms), less than
 * reading the file from the page cache.
 */
export function xxhash32(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (P1 + P2) | 0, v2 = P2, v3 = 0, v4 = -P1 | 0;
    const blocks = Math.floor(n / 16); // not n >>> 4: lengths may pass 2^32
    if ((bytes.byteOffset & 3) === 0) {
      const w = new Uint32Array(bytes.buffer, bytes.byteOffset, blocks * 4);
      for (let j = 0; j < w.length; j += 4) {
        v1 = Math.imul(rotl((v1 + Math.imul(w[j], P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(w[j + 1], P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(w[j + 2], P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(w[j + 3], P2)) | 0, 13), P1);
      }
    } else {
      for (let j = 0; j < blocks * 16; j += 16) {
        v1 = Math.imul(rotl((v1 + Math.imul(word(bytes, j), P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(word(bytes, j + 4), P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(word(bytes, j + 8), P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(word(bytes, j + 12), P2)) | 0, 13), P1);
      }
    }
    i = blocks * 16;
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + (n % 0x100000000)) | 0; // the length mod 2^32, as the reference does
  for (; i + 4 <= n; i += 4) h = Math.imul(rotl((h + Math.imul(word(bytes, i), P3)) | 0, 17), P4);
  for (; i < n; i++) h = Math.imul(rotl((h + Math.imul(bytes[i], P5)) | 0, 11), P1);
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}

function word(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The encoded file as pieces to write in order (arrays are views, not copies). */
export interface EncodedModel {
  /** Preamble, header and the padding after it. */
  head: Uint8Array;
  /** Per array, its bytes and the zero padding that follows (to the next multiple of 8). */
  arrays: { name: string; bytes: Uint8Array; pad: number }[];
  /** Size of the whole file. */
  totalBytes: number;
}

/**
 * Encode a model: `header` is any JSON object (it must not use the keys `arrays` and
 * `dataBytes`, which the format fills in); `arrays` are stored in their insertion order.
 */
export function encodeModel(header: Record<string, unknown>, arrays: Record<string, TypedArray>): EncodedModel {
  if ("arrays" in header || "dataBytes" in header) throw new XmcError(`encodeModel: the header keys "arrays" and "dataBytes" are reserved`);
  const index: Record<string, ArrayEntry> = {};
  const parts: EncodedModel["arrays"] = [];
  let size = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const bytes = bytesOf(a);
    index[name] = { dtype: dtypeOf(a), offset: size, length: a.length, checksum: xxhash32(bytes) };
    const end = size + bytes.length;
    parts.push({ name, bytes, pad: align8(end) - end });
    size = align8(end);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, arrays: index, dataBytes: size }));
  const dataStart = align8(PREAMBLE_BYTES + json.length);
  const head = new Uint8Array(dataStart);
  head.set(MAGIC, 0);
  const view = new DataView(head.buffer);
  view.setUint32(8, MODEL_FORMAT, true);
  view.setUint32(12, json.length, true);
  view.setUint32(16, xxhash32(json), true);
  head.set(json, PREAMBLE_BYTES);
  return { head, arrays: parts, totalBytes: dataStart + size };
}

/** The whole file as one buffer (for small models, browsers and tests; files use the pieces). */
export function encodeModelBytes(header: Record<string, unknown>, arrays: Record<string, TypedArray>): Uint8Array {
  const e = encodeModel(header, arrays);
  const out = new Uint8Array(e.totalBytes);
  out.set(e.head, 0);
  let at = e.head.length;
  for (const p of e.arrays) {
    out.set(p.bytes, at);
    at += p.bytes.length + p.pad;
  }
  return out;
}

/** Whether `bytes` start with the model file's magic bytes. */
export function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
  return true;
}

/**
 * Check the preamble (the first {@link PREAMBLE_BYTES} bytes or more) and return the header's
 * length and checksum.
 */
export function decodePreamble(bytes: Uint8Array, source: string): { headerBytes: number; checksum: number } {
  if (!hasMagic(bytes)) throw new XmcError(`${source}: not an xmc model file (it does not start with the xmc magic bytes)`);
  if (bytes.length < PREAMBLE_BYTES) throw new XmcError(`${source}: the file is truncated (${bytes.length} bytes, shorter than its preamble)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES);
  const version = view.getUint32(8, true);
  if (!READABLE_FORMATS.includes(version)) throw new XmcError(`${source}: model format ${version} is not supported by this version of xmc (it reads formats ${READABLE_FORMATS.join(" and ")})`);
  return { headerBytes: view.getUint32(12, true), checksum: view.getUint32(16, true) };
}

/**
 * Parse and check the header from bytes holding at least the preamble and the header; returns
 * the header (with its `arrays` index and `dataBytes`) and where the data section starts.
 */
export function decodeHeader(bytes: Uint8Array, source: string): { header: Record<string, unknown>; index: Record<string, ArrayEntry>; dataBytes: number; dataStart: number } {
  const { headerBytes, checksum } = decodePreamble(bytes, source);
  if (bytes.length < PREAMBLE_BYTES + headerBytes) throw new XmcError(`${source}: the file is truncated (${bytes.length} bytes, its header alone needs ${PREAMBLE_BYTES + headerBytes})`);
  const json = bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerBytes);
  if (xxhash32(json) !== checksum) throw new XmcError(`${source}: the header fails its checksum (the file is corrupt or was edited)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw new XmcError(`${source}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new XmcError(`${source}: the header is not a JSON object`);
  const index = header.arrays as Record<string, ArrayEntry>;
  const dataBytes = header.dataBytes;
  if (index === null || typeof index !== "object" || typeof dataBytes !== "number") throw new XmcError(`${source}: the header has no array index`);
  delete header.arrays;
  delete header.dataBytes;
  return { header, index, dataBytes, dataStart: align8(PREAMBLE_BYTES + headerBytes) };
}

/** The header of a model file (the bytes need only hold the preamble and the header). */
export function decodeModelHeader(bytes: Uint8Array | ArrayBuffer, source: string): Record<string, unknown> {
  return decodeHeader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), source).header;
}

/**
 * Decode a whole model file, checking the header's and every array's checksum. Arrays are views
 * on `bytes` when they start at a multiple of 8 in memory (else the bytes are copied once into
 * an aligned buffer). `source` names the file in error messages.
 */
export function decodeModel(input: Uint8Array | ArrayBuffer, source: string): ModelContents {
  let bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const { header, index, dataBytes, dataStart } = decodeHeader(bytes, source);
  if (bytes.length !== dataStart + dataBytes) {
    throw new XmcError(`${source}: the file is ${bytes.length < dataStart + dataBytes ? "truncated" : "longer than its header says"} (${bytes.length} bytes, the header describes ${dataStart + dataBytes})`);
  }
  const arrays: Record<string, TypedArray> = {};
  for (const [name, e] of Object.entries(index)) {
    const Ctor = arrayCtor(name, e, dataBytes, source);
    const a = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + dataStart + e.offset, e.length);
    checkArray(name, a, e, source);
    arrays[name] = a;
  }
  return { source, header, arrays };
}

type ArrayCtor = (typeof DTYPES)[DType];

/** The typed-array constructor of an index entry, after checking the entry against the data section. */
export function arrayCtor(name: string, e: ArrayEntry, dataBytes: number, source: string): ArrayCtor {
  const Ctor = DTYPES[e?.dtype];
  const ok = Ctor && Number.isSafeInteger(e.offset) && e.offset >= 0 && e.offset % 8 === 0 && Number.isSafeInteger(e.length) && e.length >= 0;
  if (!ok || e.offset + e.length * Ctor.BYTES_PER_ELEMENT > dataBytes) throw new XmcError(`${source}: array "${name}" has an invalid entry in the header`);
  return Ctor;
}

/** Check an array read from a model file against its index entry's checksum. */
export function checkArray(name: string, a: TypedArray, e: ArrayEntry, source: string): void {
  if (xxhash32(bytesOf(a)) !== e.checksum) throw new XmcError(`${source}: array "${name}" fails its checksum (the file is corrupt)`);
}

/** The Int32 / Float32 arrays stored under `prefix` (e.g. an HNSW graph), with the prefix removed. */
export function arraysWithPrefix(arrays: Record<string, unknown>, prefix: string): Record<string, Int32Array | Float32Array> {
  const out: Record<string, Int32Array | Float32Array> = {};
  for (const [k, a] of Object.entries(arrays)) if (k.startsWith(prefix) && (a instanceof Int32Array || a instanceof Float32Array)) out[k.slice(prefix.length)] = a;
  return out;
}

/** A list of strings from a model header (label names, vocabulary), checked. */
export function headerStrings(v: unknown, source: string, key: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new XmcError(`${source}: the header's "${key}" is missing or not a list of strings`);
  return v as string[];
}

/** A stored model: a model file's path, or its bytes. */
export type ModelSource = string | Uint8Array | ArrayBuffer;

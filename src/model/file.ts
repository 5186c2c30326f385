/**
 * Model files on disk (format: see format.ts): an atomic writer and readers from a path or from
 * bytes.
 *
 * Writing replaces the target in one rename: the file is written to `.NAME.tmp-PID-RANDOM` in
 * the target's directory, array by array in slices of at most 1 GiB (no buffer of the whole file:
 * models can be several GB; offsets are JS numbers, exact to 2^53), fsynced, renamed over the
 * target and the directory fsynced. A crash at any point leaves the old model or the new one at
 * the path, plus at worst a temp file, which the next write to the same target removes. Before
 * the first byte, the file system's free space is compared with the file's size.
 *
 * Reading: a file up to 1 GiB is read into one buffer and its arrays are views on it (the fast
 * path); a larger one is read array by array, each into its own buffer, so no single buffer
 * approaches Node's limits (a typed array holds at most 4 GiB, readFileSync refuses 2 GiB). A
 * reader that can hand arrays to another thread (a tree model's later trees, see
 * search/tree-load.ts) reads array by array from 64 MiB on.
 *
 * {@link saveModelOrKeep} wraps a save after training: when the target cannot be written, the
 * model goes next to it or to the OS temp directory and the error says where.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, statfsSync, unlinkSync, writeSync, accessSync, constants } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { checkOutputPath, fsyncDir, removeStaleTemps, systemReason, tempPathFor } from "../core/atomic-file.js";
import { XmcError } from "../core/errors.js";
import { type ArrayEntry, arrayCtor, checkArray, decodeHeader, decodeModel, decodeModelHeader, encodeModel, hasMagic, MAGIC, type ModelContents, type ModelSource, PREAMBLE_BYTES, type TypedArray } from "./format.js";
import { modelArray, withModelMemory } from "../core/alloc.js";

export type { ModelSource } from "./format.js";

/** Size limits of model file I/O; {@link setModelIoLimits} lowers them to test the large-file paths on small files. */
interface IoLimits {
  /** Largest slice handed to one read or write call (the OS and Node cap single calls near 2 GB). */
  slice: number;
  /** Files larger than this are read array by array instead of into one buffer. */
  wholeFile: number;
  /** Files from this size on are read array by array too when the reader may defer arrays to another thread. */
  deferFrom: number;
  /** Free bytes to assume on every file system instead of asking it (null: ask). */
  freeBytes: number | null;
}
const DEFAULT_LIMITS: IoLimits = { slice: 1 << 30, wholeFile: 1 << 30, deferFrom: 64 << 20, freeBytes: null };
let limits: IoLimits = { ...DEFAULT_LIMITS };

/** Replace some I/O limits (for tests: the same code paths as multi-GB files, on small files); returns the previous ones. `{}` restores the defaults. */
export function setModelIoLimits(l: Partial<IoLimits>): IoLimits {
  const prev = limits;
  limits = Object.keys(l).length === 0 ? { ...DEFAULT_LIMITS } : { ...limits, ...l };
  return prev;
}

/** Free bytes for an unprivileged writer on the file system holding `dir` (null when the platform cannot tell). */
export function freeBytesAt(dir: string): number | null {
  if (limits.freeBytes !== null) return limits.freeBytes;
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;

/**
 * Steps of a write at which the crash test kills the process (env XMC_FAULT_KILL_AT=<step>);
 * in normal use the variable is unset and this does nothing.
 */
export type WriteStep = "temp-created" | "half-written" | "before-fsync" | "before-rename" | "after-rename";

function faultPoint(step: WriteStep): void {
  if (process.env.XMC_FAULT_KILL_AT === step) process.kill(process.pid, "SIGKILL");
}

/** Refuse to replace anything but an xmc model file. */
function checkReplaceable(path: string, target: string): void {
  let st;
  try {
    st = lstatSync(target);
  } catch {
    return; // nothing there
  }
  if (st.isDirectory()) {
    const old = existsSync(join(target, "model.json")) ? " (a model directory of an older xmc format; remove it to write a model file here)" : "";
    throw new XmcError(`${path}: is a directory, not an xmc model file; refusing to overwrite it${old}`);
  }
  if (st.isSymbolicLink()) throw new XmcError(`${path}: is a symbolic link; refusing to replace it (write to the file it points to)`);
  if (!st.isFile()) throw new XmcError(`${path}: exists and is not an xmc model file; refusing to overwrite it`);
  const head = new Uint8Array(MAGIC.length);
  const fd = openSync(target, "r");
  let n = 0;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < MAGIC.length || !hasMagic(head)) throw new XmcError(`${path}: exists and is not an xmc model file; refusing to overwrite it`);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) {
    const end = Math.min(bytes.length, at + limits.slice);
    at += writeSync(fd, bytes, at, end - at);
  }
}

/**
 * Check, before training, that a model file can be written to `path`: its nearest existing
 * directory is writable and `path` is absent or an xmc model file. Throws a one-line XmcError.
 */
export function checkModelTarget(path: string, flag = "-m"): void {
  checkOutputPath(path, { flag, createParents: true });
  checkReplaceable(path, resolve(path));
}

/**
 * Write a model file to exactly `path` (no extension added), replacing an existing model file
 * atomically. The parent directory is created when missing.
 */
export function writeModelFile(path: string, header: Record<string, unknown>, arrays: Record<string, TypedArray>): void {
  const target = resolve(path);
  const parent = dirname(target), name = basename(target);
  try {
    mkdirSync(parent, { recursive: true });
    accessSync(parent, constants.W_OK);
  } catch {
    throw new XmcError(`${path}: cannot write to the directory ${parent}`);
  }
  checkReplaceable(path, target);
  removeStaleTemps(parent, name);
  const encoded = encodeModel(header, arrays);
  const free = freeBytesAt(parent);
  if (free !== null && free < encoded.totalBytes) {
    throw new XmcError(`${path}: cannot write the model file: it needs ${mb(encoded.totalBytes)} and the file system of ${parent} has ${mb(free)} free`);
  }
  const tmp = tempPathFor(parent, name);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", 0o644);
  } catch (e) {
    throw new XmcError(`${path}: cannot write the model file: ${systemReason(e)}`);
  }
  try {
    faultPoint("temp-created");
    writeAll(fd, encoded.head);
    const pad = new Uint8Array(8);
    const half = Math.floor(encoded.arrays.length / 2);
    encoded.arrays.forEach((a, i) => {
      if (i === half) faultPoint("half-written");
      writeAll(fd!, a.bytes);
      if (a.pad > 0) writeAll(fd!, pad.subarray(0, a.pad));
    });
    faultPoint("before-fsync");
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    faultPoint("before-rename");
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    if (typeof (e as NodeJS.ErrnoException).code === "string") throw new XmcError(`${path}: cannot write the model file: ${systemReason(e)}`);
    throw e;
  }
  faultPoint("after-rename");
  fsyncDir(parent);
}

/** Check that `path` names a model file; a directory gets a message telling what it is. */
function checkModelPath(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new XmcError(`${path}: no such model file`);
  }
  if (st.isDirectory()) {
    const mj = join(path, "model.json");
    if (existsSync(mj)) {
      let format: unknown = "unknown";
      try {
        format = (JSON.parse(readFileSync(mj, "utf8")) as { format?: unknown }).format ?? format;
      } catch {
        // unreadable model.json: still an old directory
      }
      const how = format === 2 ? `convert it with "xmc convert ${path} NEW" or retrain it` : "retrain it with this version";
      throw new XmcError(`${path}: a model directory of an older xmc format (${String(format)}); ${how}`);
    }
    throw new XmcError(`${path}: is a directory, not an xmc model file`);
  }
}

/** Read a whole file into a fresh (hence 8-aligned) buffer, in slices (files may exceed 2 GB). */
export function readFileBytes(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const out = modelArray(Uint8Array, size);
    readSlices(fd, out, 0, path);
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a model file into a SharedArrayBuffer (its start is 8-aligned, so every array of the file
 * can be viewed in place, by any thread) and, unless `check` is false (the file was just read and
 * checked), check it whole; a bad file gets a one-line XmcError naming it.
 */
export function readModelShared(path: string, check = true): Uint8Array {
  readModelHeader(path); // a missing path, a directory, a file that is no model: their own messages
  const bytes = withModelMemory(true, () => readFileBytes(path));
  if (check) decodeModel(bytes, path); // the header, the length and every array's checksum
  return bytes;
}

/** Fill `out` from the file at byte `position` on, in slices; a short file is an XmcError. */
function readSlices(fd: number, out: Uint8Array, position: number, path: string): void {
  for (let at = 0; at < out.length; ) {
    const n = readSync(fd, out, at, Math.min(limits.slice, out.length - at), position + at);
    if (n === 0) throw new XmcError(`${path}: the file is truncated or shrank while being read`);
    at += n;
  }
}

/**
 * Arrays of a model file left unread by {@link readModelFile} (see its `defer`), for another
 * thread to read with {@link readDeferredArrays}; the header was checked already.
 */
export interface DeferredArrays {
  path: string;
  dataStart: number;
  dataBytes: number;
  entries: Record<string, ArrayEntry>;
}

/** Which arrays a reader may leave to another thread, decided from the header (null: none). */
export type DeferArrays = (header: Record<string, unknown>) => ((name: string) => boolean) | null;

/**
 * Read a model file array by array, each into its own (8-aligned) buffer, checking the header
 * and every checksum as {@link decodeModel} does: for files too large for one buffer. Arrays that
 * `defer` names are not read; their entries come back in `deferred`.
 */
function readModelInParts(fd: number, size: number, path: string, defer?: DeferArrays): ModelContents & { deferred?: DeferredArrays } {
  const pre = new Uint8Array(PREAMBLE_BYTES);
  readSlices(fd, pre.subarray(0, Math.min(size, PREAMBLE_BYTES)), 0, path);
  const headerLen = hasMagic(pre) && size >= PREAMBLE_BYTES ? new DataView(pre.buffer).getUint32(12, true) : 0;
  const head = new Uint8Array(Math.min(size, PREAMBLE_BYTES + headerLen));
  readSlices(fd, head, 0, path);
  const { header, index, dataBytes, dataStart } = decodeHeader(head, path);
  if (size !== dataStart + dataBytes) {
    throw new XmcError(`${path}: the file is ${size < dataStart + dataBytes ? "truncated" : "longer than its header says"} (${size} bytes, the header describes ${dataStart + dataBytes})`);
  }
  const later = defer?.(header) ?? null;
  const arrays: Record<string, TypedArray> = {};
  const entries: Record<string, ArrayEntry> = {};
  for (const [name, e] of Object.entries(index)) {
    if (later?.(name)) {
      arrayCtor(name, e, dataBytes, path);
      entries[name] = e;
    } else arrays[name] = readArray(fd, name, e, { path, dataStart, dataBytes });
  }
  return { source: path, header, arrays, ...(later ? { deferred: { path, dataStart, dataBytes, entries } } : {}) };
}

/** One array of an open model file, read into its own buffer and checked against its checksum. */
function readArray(fd: number, name: string, e: ArrayEntry, at: { path: string; dataStart: number; dataBytes: number }): TypedArray {
  const Ctor = arrayCtor(name, e, at.dataBytes, at.path);
  const a = modelArray(Ctor as unknown as Parameters<typeof modelArray<TypedArray>>[0], e.length);
  readSlices(fd, new Uint8Array(a.buffer, 0, a.byteLength), at.dataStart + e.offset, at.path);
  checkArray(name, a, e, at.path);
  return a;
}

/** Read and check the arrays that {@link readModelFile} deferred (on any thread). */
export function readDeferredArrays(d: DeferredArrays): Record<string, TypedArray> {
  const fd = openSync(d.path, "r");
  try {
    const arrays: Record<string, TypedArray> = {};
    for (const [name, e] of Object.entries(d.entries)) arrays[name] = readArray(fd, name, e, d);
    return arrays;
  } finally {
    closeSync(fd);
  }
}

/** A model source: a file path, or the file's bytes. */

/** What error messages call a source. */
export function sourceName(source: ModelSource): string {
  return typeof source === "string" ? source : "(model bytes)";
}

/**
 * Read and check a whole model file (header and every array checksum). A file too large for one
 * buffer is read array by array, and so is one of `deferFrom` bytes or more when `defer` is
 * given; there, the arrays that `defer` names (it sees the header) are left for another thread:
 * their entries come back in `deferred`.
 */
export function readModelFile(source: ModelSource, defer?: DeferArrays): ModelContents & { deferred?: DeferredArrays } {
  if (typeof source !== "string") return decodeModel(source, sourceName(source));
  checkModelPath(source);
  const fd = openSync(source, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > limits.wholeFile || (defer !== undefined && size >= limits.deferFrom)) return readModelInParts(fd, size, source, defer);
  } finally {
    closeSync(fd);
  }
  return decodeModel(readFileBytes(source), source);
}

/**
 * Save a freshly trained model with `save(path)`. When that fails with an XmcError (no space, no
 * permission), the model is saved next to the target, else in the OS temp directory, else in
 * the working directory, and the error thrown says where it is; it says the model is lost only
 * when every place failed. Other errors are passed on unchanged.
 */
export function saveModelOrKeep(path: string, save: (path: string) => void): void {
  let first: XmcError;
  try {
    save(path);
    return;
  } catch (e) {
    if (!(e instanceof XmcError)) throw e;
    first = e;
  }
  const name = basename(resolve(path));
  const stamp = `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${process.pid}`;
  const places = [dirname(resolve(path)), tmpdir(), process.cwd()];
  const tried: string[] = [];
  for (const dir of [...new Set(places)]) {
    const alt = join(dir, `${name}.unsaved-${stamp}`);
    try {
      save(alt);
    } catch (e) {
      if (!(e instanceof XmcError)) throw e;
      tried.push(alt);
      continue;
    }
    throw new XmcError(`${first.message}; the trained model was saved to ${alt} instead (move it where it belongs, e.g. mv ${alt} ${path})`);
  }
  throw new XmcError(`${first.message}; saving it to ${tried.join(", ")} failed too, so the trained model is lost`);
}

/** Read only the header of a model file (the preamble and header bytes of a path). */
export function readModelHeader(source: ModelSource): Record<string, unknown> {
  if (typeof source !== "string") return decodeModelHeader(source, sourceName(source));
  checkModelPath(source);
  const fd = openSync(source, "r");
  try {
    const pre = new Uint8Array(PREAMBLE_BYTES);
    const n = readSync(fd, pre, 0, PREAMBLE_BYTES, 0);
    const len = n === PREAMBLE_BYTES && hasMagic(pre) ? new DataView(pre.buffer).getUint32(12, true) : 0;
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(Math.min(size, PREAMBLE_BYTES + len));
    readSync(fd, bytes, 0, bytes.length, 0);
    return decodeModelHeader(bytes, source);
  } finally {
    closeSync(fd);
  }
}

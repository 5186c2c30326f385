/**
 * Model files on disk (format: see format.ts): an atomic writer and readers from a path or from
 * bytes.
 *
 * Writing replaces the target in one rename: the file is written to `.NAME.tmp-PID-RANDOM` in
 * the target's directory, array by array (no buffer of the whole file, models can exceed 2 GB),
 * fsynced, renamed over the target and the directory fsynced. A crash at any point leaves the
 * old model or the new one at the path, plus at worst a temp file, which the next write to the
 * same target removes.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync, accessSync, constants } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { checkOutputPath, fsyncDir, removeStaleTemps, systemReason, tempPathFor } from "../core/atomic-file.js";
import { XmcError } from "../core/errors.js";
import { decodeModel, decodeModelHeader, encodeModel, hasMagic, MAGIC, type ModelContents, type ModelSource, PREAMBLE_BYTES, type TypedArray } from "./format.js";

export type { ModelSource } from "./format.js";

/** Largest slice handed to one read or write call (the OS and Node cap single calls near 2 GB). */
const IO_SLICE = 1 << 30;

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
    const end = Math.min(bytes.length, at + IO_SLICE);
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
    const out = new Uint8Array(new ArrayBuffer(size));
    for (let at = 0; at < size; ) {
      const n = readSync(fd, out, at, Math.min(IO_SLICE, size - at), at);
      if (n === 0) throw new XmcError(`${path}: the file shrank while being read`);
      at += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** A model source: a file path, or the file's bytes. */

/** What error messages call a source. */
export function sourceName(source: ModelSource): string {
  return typeof source === "string" ? source : "(model bytes)";
}

/** Read and check a whole model file (header and every array checksum). */
export function readModelFile(source: ModelSource): ModelContents {
  if (typeof source !== "string") return decodeModel(source, sourceName(source));
  checkModelPath(source);
  return decodeModel(readFileBytes(source), source);
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

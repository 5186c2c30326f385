/**
 * Files written whole or not at all: the bytes go to `.NAME.tmp-PID-RANDOM` in the target's
 * directory, are fsynced, and the temp file is renamed over the target (then the directory is
 * fsynced). A crash leaves the old file or the new one at the path, plus at worst a temp file,
 * which the next write to the same target removes. Targets that are not regular files
 * (`/dev/null`, `/dev/stdout`, a FIFO) are written directly.
 *
 * {@link checkOutputPath} checks a target before any work is done, so a long run does not end
 * in an error about its output path.
 */
import { accessSync, closeSync, constants, fsyncSync, lstatSync, openSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { XmcError } from "./errors.js";

/** Whether a process with this id exists (a temp file of a live writer is not stale). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove `.NAME.tmp-PID-*` files left in `parent` by writers that no longer run. */
export function removeStaleTemps(parent: string, name: string): void {
  const prefix = `.${name}.tmp-`;
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const f of entries) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length).split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    try {
      unlinkSync(join(parent, f));
    } catch {
      // another writer removed it first
    }
  }
}

/** A fresh temp file name for `name` in `parent`. */
export function tempPathFor(parent: string, name: string): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return join(parent, `.${name}.tmp-${process.pid}-${rand}`);
}

/** fsync a directory so a rename in it is durable (skipped where the platform cannot). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // some platforms/file systems do not fsync directories; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** "EACCES: permission denied, open '/x'" → "permission denied"; other errors: their message. */
export function systemReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === "string" && typeof err.message === "string") {
    const m = /^[A-Z]+: ([^,]+)/.exec(err.message);
    return `${m ? m[1] : err.message} (${err.code})`;
  }
  return e instanceof Error ? e.message : String(e);
}

export interface OutputCheck {
  /** The option that names the path, for the message ("-o", "--reliability"). */
  flag?: string;
  /** The writer creates missing parent directories: the nearest existing one must be writable. */
  createParents?: boolean;
}

/**
 * Check that `path` can be written before any work is done: its directory exists (or, with
 * `createParents`, its nearest existing ancestor) and is a writable directory, and `path` is not
 * a directory. Throws a one-line XmcError naming the path.
 */
export function checkOutputPath(path: string, o: OutputCheck = {}): void {
  const where = o.flag ? `${path} (${o.flag})` : path;
  if (path === "") throw new XmcError(`${o.flag ?? "output"}: expected a file path, got an empty string`);
  const target = resolve(path);
  let st;
  try {
    st = statSync(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw new XmcError(`${where}: cannot write: a part of the path is not a directory`);
    if (code !== "ENOENT") throw new XmcError(`${where}: cannot write: ${systemReason(e)}`);
  }
  if (st?.isDirectory()) throw new XmcError(`${where}: is a directory; expected a file path`);
  if (st && !st.isFile()) {
    try {
      accessSync(target, constants.W_OK);
    } catch (e) {
      throw new XmcError(`${where}: cannot write: ${systemReason(e)}`);
    }
    return; // a device or FIFO: written directly
  }
  let dir = dirname(target);
  for (;;) {
    let ds;
    try {
      ds = statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && o.createParents && dirname(dir) !== dir) {
        dir = dirname(dir);
        continue;
      }
      if (code === "ENOENT") throw new XmcError(`${where}: cannot write: the directory ${dirname(target)} does not exist`);
      if (code === "ENOTDIR") throw new XmcError(`${where}: cannot write: a part of the path is not a directory`);
      throw new XmcError(`${where}: cannot write: ${systemReason(e)}`);
    }
    if (!ds.isDirectory()) throw new XmcError(`${where}: cannot write: ${dir} is not a directory`);
    // create and remove a temp file there: the one check that holds for every user and mount
    const probe = tempPathFor(dir, basename(target));
    try {
      closeSync(openSync(probe, "wx", 0o644));
    } catch (e) {
      throw new XmcError(`${where}: cannot write: the directory ${dir} is not writable (${systemReason(e)})`);
    }
    try {
      unlinkSync(probe);
    } catch {
      // removed by the next write to this target
    }
    return;
  }
}

/**
 * A file written through a temp file: {@link write} appends (buffered), {@link commit} makes it
 * the target, {@link abort} removes the temp file. Errors (a full disk) are XmcErrors naming the
 * target; the temp file is removed before they are thrown.
 */
export class AtomicFile {
  readonly path: string;
  private readonly target: string;
  private readonly tmp: string | null;
  private fd: number | null;
  private buf: string[] = [];
  private bufLen = 0;

  constructor(path: string) {
    this.path = path;
    let target = resolve(path);
    let direct = false;
    try {
      if (!statSync(target).isFile()) direct = true;
      else if (lstatSync(target).isSymbolicLink()) target = realpathSync(target); // replace the file it points to
    } catch {
      // nothing there yet (or a dangling link): a new file
    }
    this.target = target;
    const parent = dirname(target), name = basename(target);
    try {
      if (direct) {
        this.tmp = null;
        this.fd = openSync(target, "w");
      } else {
        removeStaleTemps(parent, name);
        this.tmp = tempPathFor(parent, name);
        this.fd = openSync(this.tmp, "wx", 0o644);
      }
    } catch (e) {
      throw new XmcError(`${path}: cannot write: ${systemReason(e)}`);
    }
  }

  /** Append text (UTF-8). */
  write(text: string): void {
    this.buf.push(text);
    this.bufLen += text.length;
    if (this.bufLen >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.fd === null || this.bufLen === 0) return;
    const bytes = Buffer.from(this.buf.join(""), "utf8");
    this.buf = [];
    this.bufLen = 0;
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (e) {
      this.abort();
      throw new XmcError(`${this.path}: cannot write: ${systemReason(e)}`);
    }
  }

  /** Write what is buffered, fsync, and rename the temp file over the target. */
  commit(): void {
    this.flush();
    if (this.fd === null) throw new Error("AtomicFile: commit after close");
    try {
      if (this.tmp !== null) fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      if (this.tmp !== null) renameSync(this.tmp, this.target);
    } catch (e) {
      this.abort();
      throw new XmcError(`${this.path}: cannot write: ${systemReason(e)}`);
    }
    if (this.tmp !== null) fsyncDir(dirname(this.target));
  }

  /** Close and remove the temp file (the target is untouched). */
  abort(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    this.buf = [];
    this.bufLen = 0;
    if (this.tmp !== null) {
      try {
        unlinkSync(this.tmp);
      } catch {
        // already gone
      }
    }
  }
}

/** Write a whole file atomically (see {@link AtomicFile}). */
export function writeFileAtomic(path: string, text: string): void {
  const f = new AtomicFile(path);
  f.write(text);
  f.commit();
}

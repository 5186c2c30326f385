import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { fileError } from "../core/errors.js";

/** True when `path` names an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** True when something (file, directory, ...) exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` names an existing directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Throw `PATH: no such file` (an XmcError) unless `path` is an existing regular file. */
export async function requireFile(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fileError(path, null, code === "ENOENT" || code === "ENOTDIR" ? "no such file" : `cannot read (${code ?? e})`);
  }
  if (!st.isFile()) throw fileError(path, null, st.isDirectory() ? "is a directory, expected a file" : "not a regular file");
}

/**
 * Stream a UTF-8 text file and call `fn(line, lineNo)` for each line (1-based numbers).
 * Handles "\n" and "\r\n" endings and a leading byte-order mark; a final newline does not
 * make an extra empty line. Bytes that are not UTF-8 read as U+FFFD; with `strictUtf8` (the
 * default) a line holding U+FFFD is an error naming the line. Returns the number of lines.
 * Errors thrown by `fn` propagate (the stream is closed).
 */
export async function forEachLine(path: string, fn: (line: string, lineNo: number) => void, opts: { strictUtf8?: boolean } = {}): Promise<number> {
  const strict = opts.strictUtf8 ?? true;
  await requireFile(path);
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  let rest = "";
  let lineNo = 0;
  const emit = (s: string, a: number, b: number): void => {
    if (b > a && s.charCodeAt(b - 1) === 13) b--;
    let line = s.slice(a, b);
    if (lineNo === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (strict && line.indexOf("\ufffd") >= 0) {
      throw fileError(path, lineNo + 1, "not valid UTF-8 (a byte sequence that is not UTF-8 reads as U+FFFD); convert the file to UTF-8");
    }
    fn(line, ++lineNo);
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const s = rest.length > 0 ? rest + chunk : chunk;
      let a = 0;
      for (let b = s.indexOf("\n"); b >= 0; b = s.indexOf("\n", a)) {
        emit(s, a, b);
        a = b + 1;
      }
      rest = a === 0 ? s : s.slice(a);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && !(e instanceof Error && e.name === "XmcError")) {
      throw fileError(path, null, `cannot read (${code})`);
    }
    throw e;
  }
  if (rest.length > 0) emit(rest, 0, rest.length);
  return lineNo;
}

/** Read all lines of a small text file (see `forEachLine`). */
export async function readLines(path: string, opts: { strictUtf8?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  await forEachLine(
    path,
    (line) => {
      out.push(line);
    },
    opts,
  );
  return out;
}

/** Shorten a line for an error message. */
export function excerpt(s: string, max = 60): string {
  return s.length <= max ? s : `${s.slice(0, max)}...`;
}

/** Line input from a stream in batches, and line output to stdout or to a file written atomically. */
import type { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { AtomicFile } from "../core/atomic-file.js";

export interface BatchOptions {
  /** Most lines in one batch. */
  size?: number;
  /**
   * A batch that is not full is handed on when no more input arrives within this many
   * milliseconds (so a line typed or written by another program is answered at once).
   */
  waitMs?: number;
}

const TIMEOUT = Symbol("timeout");

/**
 * The lines of a UTF-8 stream in batches of at most `size` lines: "\n" or "\r\n" endings, a
 * leading byte-order mark dropped, a last line without a newline kept. At most one batch and
 * one chunk of input are held at a time (the stream is read as the batches are consumed).
 */
export async function* lineBatches(input: Readable, o: BatchOptions = {}): AsyncGenerator<string[]> {
  const size = o.size ?? 256;
  const waitMs = o.waitMs ?? 30;
  input.setEncoding("utf8");
  const it = (input as AsyncIterable<string>)[Symbol.asyncIterator]();
  let pending: string[] = [];
  let rest = "";
  let first = true;
  let next: Promise<IteratorResult<string>> | null = null;
  for (;;) {
    next ??= it.next();
    let r: IteratorResult<string> | typeof TIMEOUT;
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<typeof TIMEOUT>((res) => (timer = setTimeout(() => res(TIMEOUT), waitMs)));
      r = await Promise.race([next, timeout]);
      clearTimeout(timer);
    } else {
      r = await next;
    }
    if (r === TIMEOUT) {
      yield pending;
      pending = [];
      continue;
    }
    next = null;
    if (r.done) break;
    const s = rest.length > 0 ? rest + r.value : r.value;
    let a = 0;
    for (let b = s.indexOf("\n"); b >= 0; b = s.indexOf("\n", a)) {
      let line = s.slice(a, b > a && s.charCodeAt(b - 1) === 13 ? b - 1 : b);
      if (first && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      first = false;
      pending.push(line);
      a = b + 1;
      if (pending.length >= size) {
        yield pending;
        pending = [];
      }
    }
    rest = s.slice(a);
  }
  if (rest.length > 0) {
    if (rest.charCodeAt(rest.length - 1) === 13) rest = rest.slice(0, -1);
    if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
    pending.push(rest);
  }
  if (pending.length > 0) yield pending;
}

/** Where lines of output go: stdout (with backpressure) or a file that appears only when complete. */
export class LineOutput {
  private readonly file: AtomicFile | null;
  private count = 0;

  /** `path` undefined: stdout. */
  constructor(path: string | undefined) {
    this.file = path === undefined ? null : new AtomicFile(path);
  }

  /** Write one line (a newline is added). */
  async line(text: string): Promise<void> {
    if (this.file) {
      this.file.write(`${text}\n`);
      return;
    }
    if (!process.stdout.write(`${text}\n`)) await new Promise<void>((res) => process.stdout.once("drain", () => res()));
    // let a closed pipe (EPIPE) be reported now and then, not after all the work
    if (++this.count % 1024 === 0) await nextTurn();
  }

  /** The output is complete: a file is renamed into place. */
  close(): void {
    this.file?.commit();
  }

  /** Stop without output: a file's temp file is removed and the target left as it was. */
  abort(): void {
    this.file?.abort();
  }
}

import { dirname, join } from "node:path";
import { fileError } from "../core/errors.js";
import { CsrBuilder } from "./builder.js";
import type { Dataset, ReadOptions } from "./dataset.js";
import { applyLabelSpace, defaultLabelNames } from "./labels.js";
import { excerpt, forEachLine, isFile, requireFile } from "./lines.js";
import { fitsFloat32, overflowText, parseNum, parseUint } from "./numbers.js";

/** The file that names XC labels: line i+1 is the name of label i. */
export const LABEL_NAMES_FILE = "label_names.txt";

interface Header {
  n: number;
  f: number;
  l: number;
}

const HEADER_RE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/;

/**
 * Read an Extreme Classification Repository sparse file: a header line `N F L`, then N lines
 * `l1,l2,... f:v f:v ...` (0-based ids; the label list may be empty). A file without the
 * header is accepted too: N, F and L are then inferred from the data. Labels are named by
 * `label_names.txt` in the same directory when it exists, else `String(id)`.
 */
export async function readXc(path: string, opts: ReadOptions = {}): Promise<Dataset> {
  await requireFile(path);
  const X = new CsrBuilder(false);
  const Y = new CsrBuilder(true);
  let header: Header | null = null;
  let maxF = -1;
  let maxL = -1;
  let pendingEmpty = 0; // blank lines of a header-less file, kept only if data follows
  let lastLine = 0;

  const parseLine = (line: string, no: number): void => {
    const n = line.length;
    const F = header ? header.f : 0x7fffffff;
    const L = header ? header.l : 0x7fffffff;
    let i = 0;
    let c = n > 0 ? line.charCodeAt(0) : 32;
    if (c !== 32 && c !== 9) {
      // First token: a label list unless it contains ':'.
      let e = 0;
      let colon = false;
      for (; e < n; e++) {
        c = line.charCodeAt(e);
        if (c === 32 || c === 9) break;
        if (c === 58) colon = true;
      }
      if (!colon) {
        let a = 0;
        while (a <= e) {
          let b = a;
          while (b < e && line.charCodeAt(b) !== 44) b++;
          const id = parseUint(line, a, b);
          if (id < 0) {
            throw fileError(path, no, `expected comma-separated label ids "l1,l2,...", got "${excerpt(line.slice(0, e))}"`);
          }
          if (id >= L) throw fileError(path, no, `label id ${id} out of range (L = ${L})`);
          if (id > maxL) maxL = id;
          Y.push(id);
          a = b + 1;
        }
        i = e;
      }
    }
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      const s = i;
      let colon = -1;
      for (; i < n; i++) {
        c = line.charCodeAt(i);
        if (c === 32 || c === 9) break;
        if (c === 58 && colon < 0) colon = i;
      }
      const fid = colon < 0 ? -1 : parseUint(line, s, colon);
      if (fid < 0) throw fileError(path, no, `expected "feature:value", got "${excerpt(line.slice(s, i))}"`);
      if (fid >= F) throw fileError(path, no, `feature id ${fid} out of range (F = ${F})`);
      const v = parseNum(line, colon + 1, i);
      if (Number.isNaN(v)) throw fileError(path, no, `value "${excerpt(line.slice(colon + 1, i))}" is not a number`);
      if (!fitsFloat32(v)) throw fileError(path, no, overflowText(line.slice(colon + 1, i)));
      if (fid > maxF) maxF = fid;
      X.push(fid, v);
    }
    const dup = X.endRow();
    if (dup >= 0) throw fileError(path, no, `feature id ${dup} appears more than once in the row`);
    Y.endRow();
  };

  await forEachLine(path, (line, no) => {
    lastLine = no;
    if (no === 1) {
      const m = HEADER_RE.exec(line);
      if (m) {
        header = { n: Number(m[1]), f: Number(m[2]), l: Number(m[3]) };
        if (header.n > 0x7fffffff || header.f > 0x7fffffff || header.l > 0x7fffffff) {
          throw fileError(path, 1, `header "N F L" has a number too large, got "${excerpt(line)}"`);
        }
        return;
      }
      if (!line.includes(":")) {
        throw fileError(path, 1, `expected a header "N F L" with three non-negative integers, got "${excerpt(line)}"`);
      }
    }
    if (header) {
      if (X.rows >= header.n) {
        if (line.trim() === "") return; // tolerate trailing blank lines
        throw fileError(path, no, `more instances than N = ${header.n} given in the header on line 1`);
      }
      parseLine(line, no);
      return;
    }
    if (line.trim() === "") {
      pendingEmpty++;
      return;
    }
    for (; pendingEmpty > 0; pendingEmpty--) {
      X.endRow();
      Y.endRow();
    }
    parseLine(line, no);
  });

  const h = header as Header | null;
  if (h && X.rows !== h.n) {
    throw fileError(path, Math.max(lastLine, 1), `the header says N = ${h.n} instances, but the file has ${X.rows}`);
  }
  if (X.rows === 0) throw fileError(path, null, "no instances (empty data)");

  let F = h ? h.f : maxF + 1;
  let L = h ? h.l : maxL + 1;
  const namesPath = join(dirname(path), LABEL_NAMES_FILE);
  let fileNames: string[];
  if (await isFile(namesPath)) {
    const names = await readLabelNames(namesPath);
    if (names.length < L) {
      throw fileError(namesPath, null, `has ${names.length} label names, but ${path} has ${h ? `L = ${L}` : `label ids up to ${L - 1}`}`);
    }
    if (!h) L = names.length;
    fileNames = names.slice(0, L);
  } else {
    fileNames = defaultLabelNames(L);
  }
  if (F < 0) F = 0;
  const labels = applyLabelSpace(Y.finish(L), fileNames, opts.labels);
  return {
    source: path,
    kind: "xc",
    X: X.finish(F),
    texts: null,
    Y: labels.Y,
    labelNames: labels.labelNames,
    labelTexts: null,
    knownLabels: labels.knownLabels,
  };
}

/** Read `label_names.txt`: one unique, non-empty name per line (trailing blank lines ignored). */
export async function readLabelNames(path: string): Promise<string[]> {
  const names: string[] = [];
  const seen = new Map<string, number>();
  let blank = 0;
  await forEachLine(path, (raw, no) => {
    const name = raw.trim();
    if (name === "") {
      blank = blank || no;
      return;
    }
    if (blank) throw fileError(path, blank, "empty label name");
    const first = seen.get(name);
    if (first !== undefined) throw fileError(path, no, `duplicate label name "${excerpt(name)}" (first on line ${first})`);
    seen.set(name, no);
    names.push(name);
  });
  return names;
}

import { readFile } from "node:fs/promises";
import { fileError } from "../core/errors.js";
import { CsrBuilder } from "./builder.js";
import type { Dataset, ReadOptions } from "./dataset.js";
import { applyLabelSpace } from "./labels.js";
import { excerpt, exists, forEachLine, isFile, requireFile } from "./lines.js";
import { fitsFloat32, overflowText, parseNum, parseUint } from "./numbers.js";

/** One `@attribute`: numeric, or nominal with its declared values (value -> index). */
interface Attribute {
  name: string;
  line: number;
  nominal: Map<string, number> | null;
}

/** The Mulan label file for an ARFF file: `x-train.arff`, `x-test.arff`, `x.arff` -> `x.xml`. */
export function mulanXmlPath(arffPath: string): string {
  return arffPath.replace(/(-train|-test)?\.arff$/i, ".xml");
}

/**
 * Read a Mulan multi-label ARFF file (dense `v1,v2,...` or sparse `{i v,...}` rows). The
 * label attributes are those named in the sibling XML file (see `mulanXmlPath`), in the XML's
 * order; every other attribute is a feature, numbered by its rank among them. Nominal
 * features take the index of their value (so `{0,1}` reads as 0/1); a label is positive when
 * its value is 1. Missing values (`?`) and zeros are not stored.
 */
export async function readArff(path: string, opts: ReadOptions = {}): Promise<Dataset> {
  await requireFile(path);
  const xmlPath = mulanXmlPath(path);
  if (xmlPath !== path && (await exists(xmlPath))) await requireFile(xmlPath);
  if (xmlPath === path || !(await isFile(xmlPath))) {
    throw fileError(xmlPath, null, `no such file (expected the Mulan label list <label name="..."> for ${path})`);
  }
  let xml: string;
  try {
    xml = await readFile(xmlPath, "utf8");
  } catch (e) {
    throw fileError(xmlPath, null, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const labels = parseMulanXml(xmlPath, xml);

  const attrs: Attribute[] = [];
  let inData = false;
  let isLabel = new Uint8Array(0);
  let target = new Int32Array(0); // attribute -> feature index or label index
  let F = 0;
  const X = new CsrBuilder(false);
  const Y = new CsrBuilder(true);

  const startData = (no: number): void => {
    const byName = new Map<string, number>();
    attrs.forEach((a, i) => byName.set(a.name, i));
    isLabel = new Uint8Array(attrs.length);
    target = new Int32Array(attrs.length);
    labels.names.forEach((name, j) => {
      const a = byName.get(name);
      if (a === undefined) {
        throw fileError(xmlPath, labels.lines[j], `label "${excerpt(name)}" is not an attribute of ${path}`);
      }
      isLabel[a] = 1;
      target[a] = j;
    });
    for (let a = 0; a < attrs.length; a++) if (!isLabel[a]) target[a] = F++;
    if (attrs.length === 0) throw fileError(path, no, "no @attribute declarations before @data");
  };

  const putValue = (a: number, tok: string, no: number): void => {
    if (tok === "?" || tok === "") return;
    const attr = attrs[a];
    let v: number;
    if (attr.nominal) {
      const raw = unquote(tok);
      const k = attr.nominal.get(raw);
      if (k === undefined) {
        throw fileError(path, no, `value "${excerpt(raw)}" of attribute "${excerpt(attr.name)}" is not one of {${excerpt([...attr.nominal.keys()].join(","))}}`);
      }
      v = isLabel[a] ? Number(raw) : k;
    } else {
      v = parseNum(tok, 0, tok.length);
      if (Number.isNaN(v)) throw fileError(path, no, `value "${excerpt(tok)}" is not a number`);
      if (!fitsFloat32(v)) throw fileError(path, no, overflowText(tok));
    }
    if (isLabel[a]) {
      if (v === 1) Y.push(target[a]);
    } else if (v !== 0) {
      X.push(target[a], v);
    }
  };

  let seenInRow = new Int32Array(0); // attribute -> line number of the sparse row that last gave it
  const dataLine = (line: string, no: number): void => {
    const n = attrs.length;
    if (line.charCodeAt(0) === 123 /* { */) {
      if (!line.endsWith("}")) throw fileError(path, no, `expected a sparse row "{index value,...}", got "${excerpt(line)}"`);
      const body = line.slice(1, -1);
      if (body.trim() !== "") {
        for (const part of splitValues(body)) {
          const p = part.trim();
          const sp = p.search(/\s/);
          const idx = sp < 0 ? -1 : parseUint(p, 0, sp);
          if (idx < 0) throw fileError(path, no, `expected "index value" in a sparse row, got "${excerpt(p)}"`);
          if (idx >= n) throw fileError(path, no, `attribute index ${idx} out of range (${n} attributes)`);
          if (seenInRow.length !== n) seenInRow = new Int32Array(n);
          if (seenInRow[idx] === no) throw fileError(path, no, `attribute index ${idx} appears more than once in the sparse row`);
          seenInRow[idx] = no;
          putValue(idx, p.slice(sp + 1).trim(), no);
        }
      }
    } else {
      const parts = splitValues(line);
      if (parts.length !== n) throw fileError(path, no, `expected ${n} comma-separated values, got ${parts.length}`);
      for (let a = 0; a < n; a++) putValue(a, parts[a].trim(), no);
    }
    X.endRow();
    Y.endRow();
  };

  let lastLine = 0;
  await forEachLine(path, (raw, no) => {
    lastLine = no;
    const line = raw.trim();
    if (line === "" || line.charCodeAt(0) === 37 /* % */) return;
    if (inData) return dataLine(line, no);
    if (line.charCodeAt(0) !== 64 /* @ */) {
      throw fileError(path, no, `expected "@relation", "@attribute" or "@data", got "${excerpt(line)}"`);
    }
    const kw = /^@(\w+)/.exec(line)?.[1].toLowerCase();
    if (kw === "relation") return;
    if (kw === "data") {
      startData(no);
      inData = true;
      return;
    }
    if (kw === "attribute") {
      attrs.push(parseAttribute(path, line.slice(10).trim(), no));
      return;
    }
    throw fileError(path, no, `expected "@relation", "@attribute" or "@data", got "${excerpt(line)}"`);
  });

  if (!inData) throw fileError(path, lastLine || null, 'expected "@data" before the end of the file');
  if (X.rows === 0) throw fileError(path, null, "no instances (empty data)");
  const mapped = applyLabelSpace(Y.finish(labels.names.length), labels.names, opts.labels);
  return {
    source: path,
    kind: "arff",
    X: X.finish(F),
    texts: null,
    Y: mapped.Y,
    labelNames: mapped.labelNames,
    labelTexts: null,
    knownLabels: mapped.knownLabels,
  };
}

/** Parse `NAME TYPE` of an `@attribute` line. */
function parseAttribute(path: string, rest: string, no: number): Attribute {
  let name: string;
  let i: number;
  const q = rest.charAt(0);
  if (q === "'" || q === '"') {
    i = 1;
    name = "";
    while (i < rest.length && rest.charAt(i) !== q) {
      if (rest.charAt(i) === "\\" && i + 1 < rest.length) i++;
      name += rest.charAt(i++);
    }
    if (i >= rest.length) throw fileError(path, no, `unterminated quoted attribute name in "@attribute ${excerpt(rest)}"`);
    i++;
  } else {
    const m = /^[^\s{]+/.exec(rest);
    if (!m) throw fileError(path, no, `expected "@attribute NAME TYPE", got "@attribute ${excerpt(rest)}"`);
    name = m[0];
    i = name.length;
  }
  const type = rest.slice(i).trim();
  if (type.startsWith("{")) {
    if (!type.endsWith("}")) throw fileError(path, no, `expected a nominal type "{v1,v2,...}", got "${excerpt(type)}"`);
    const nominal = new Map<string, number>();
    for (const v of splitValues(type.slice(1, -1))) {
      const s = unquote(v.trim());
      if (!nominal.has(s)) nominal.set(s, nominal.size);
    }
    return { name, line: no, nominal };
  }
  const t = type.toLowerCase();
  if (t === "numeric" || t === "real" || t === "integer") return { name, line: no, nominal: null };
  throw fileError(
    path,
    no,
    `attribute "${excerpt(name)}": expected type numeric, real, integer or {v1,v2,...}, got "${excerpt(type)}"`,
  );
}

/** Split on commas outside single or double quotes. */
function splitValues(s: string): string[] {
  if (s.indexOf("'") < 0 && s.indexOf('"') < 0) return s.split(",");
  const out: string[] = [];
  let cur = "";
  let quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (quote) {
      if (c === "\\" && i + 1 < s.length) {
        cur += c + s.charAt(++i);
        continue;
      }
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ",") {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** Strip surrounding quotes (and backslash escapes inside them). */
function unquote(s: string): string {
  const q = s.charAt(0);
  if (s.length >= 2 && (q === "'" || q === '"') && s.endsWith(q)) return s.slice(1, -1).replace(/\\(.)/g, "$1");
  return s;
}

/** Label names (in order) and their line numbers from a Mulan XML label file. */
export function parseMulanXml(path: string, xml: string): { names: string[]; lines: number[] } {
  const names: string[] = [];
  const lines: number[] = [];
  const seen = new Map<string, number>();
  const re = /<label\s[^>]*?\bname\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let line = 1;
  let pos = 0;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    for (; pos < m.index; pos++) if (xml.charCodeAt(pos) === 10) line++;
    const name = decodeXml(m[1] ?? m[2]);
    const first = seen.get(name);
    if (first !== undefined) throw fileError(path, line, `duplicate label name "${excerpt(name)}" (first on line ${first})`);
    seen.set(name, line);
    names.push(name);
    lines.push(line);
  }
  if (names.length === 0) throw fileError(path, null, 'no <label name="..."> elements');
  return { names, lines };
}

function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k === "amp") return "&";
    if (k === "lt") return "<";
    if (k === "gt") return ">";
    if (k === "quot") return '"';
    if (k === "apos") return "'";
    return String.fromCodePoint(k.startsWith("#x") ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10));
  });
}

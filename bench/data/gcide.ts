/**
 * GCIDE (the GNU Collaborative International Dictionary of English, Webster 1913 with
 * additions) entries -> the headwords they cross-reference. Reads the dictd files of the
 * `dict-gcide` package (`gcide.index`: headword, byte offset and length in base64; `gcide.dict.dz`:
 * the entries as text). A point is a headword with the text of all its entries; its labels are
 * the headwords its entries point to, in braces after "See", "Cf.", "Same as", "Compare", and the
 * words of its "Syn:" lists, when they are headwords of the dictionary themselves. Those
 * references and lists are taken out of the text, so the text does not spell its labels out.
 * A label's text is the headword and the start of its own definition.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { firstWords, oneLine, type Point } from "./write.js";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A dictd base64 number (most significant digit first). */
export function dictNumber(s: string): number {
  let n = 0;
  for (const c of s) {
    const d = B64.indexOf(c);
    if (d < 0) throw new Error(`not a dictd number: ${s}`);
    n = n * 64 + d;
  }
  return n;
}

/** Headword -> its entries' texts, in file order; dictd's own `00-database-*` entries are left out. */
export function readDictd(indexText: string, dict: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of indexText.split("\n")) {
    const [word, off, len] = line.split("\t");
    if (word === undefined || len === undefined || word.startsWith("00-database") || word.startsWith("00database")) continue;
    const o = dictNumber(off);
    const text = dict.subarray(o, o + dictNumber(len)).toString("utf8");
    const list = out.get(word) ?? [];
    if (!list.includes(text)) list.push(text);
    out.set(word, list);
  }
  return out;
}

/** A headword as a label id: lower case, spaces as `_`. */
export function headwordId(w: string): string {
  return w.trim().toLowerCase().replace(/\s+/g, "_");
}

const CUE = /\b(?:[Ss]ee(?:\s+also)?(?:\s+under)?|[Cc]f\.|[Ss]ame as|[Cc]ompare)\s*((?:\{[^{}]+\}(?:\s*(?:,|;|and|or|&)\s*)?)+)\.?/g;

export interface Entry {
  /** the definition text, with pronunciations, source tags and the references taken out */
  text: string;
  /** referenced headwords, as written */
  refs: string[];
}

/** Parse one entry's text. */
export function parseEntry(raw: string): Entry {
  const refs: string[] = [];
  let s = raw.replace(/\r/g, "");
  // "Syn:" lists (to the next blank line): words separated by ; or ,
  s = s.replace(/^\s*Syn(?::|\. --)\s*([\s\S]*?)(?=\n\s*\n|$)/gm, (_m, list: string) => {
    for (const w of list.replace(/\{|\}/g, "").split(/[;,]/)) {
      const t = w.replace(/\s+/g, " ").replace(/^(?:to|To)\s+/, "").replace(/[.\s]+$/, "").trim();
      if (t !== "" && t.split(" ").length <= 3) refs.push(t);
    }
    return " ";
  });
  s = s.replace(CUE, (_m, list: string) => {
    for (const m of list.matchAll(/\{([^{}]+)\}/g)) refs.push(m[1]);
    return " ";
  });
  s = s
    .replace(/\[(?:1913 Webster|PJC|WordNet 1\.5|Webster 1913 Suppl\.|Century Dict\.|RJC|Chambers 1881|AS|MW10|Fortson|NetDict|Jargon File|JH|F\. J\.? ?Kelley)[^\]]*\]/g, " ")
    .replace(/\\[^\\\n]*\\/g, " ") // pronunciations \Ab*di*ca"tion\
    // letters with marks, written [=a] [e^] ["o] ['E] [ae] [oe]: the plain letters
    .replace(/\[([=^"'`~.\-]?)([a-zA-Z]{1,2})([=^"'`~.\-]?)\]/g, (m, a: string, l: string, b: string) => (a !== "" || b !== "" || /^(ae|oe|AE|OE)$/.test(l) ? l : m))
    .replace(/\[(?:imac|aum|eth|asl|root|add)\]/g, (m) => (m === "[imac]" ? "i" : m === "[aum]" ? "a" : m === "[eth]" ? "th" : ""))
    .replace(/[{}]/g, "");
  return { text: oneLine(s), refs };
}

/** Words of a point's text (all entries of a headword together). */
export const GCIDE_WORDS = 300;

/**
 * The GCIDE points: one per headword with at least one reference to another headword; the
 * headword itself starts the text. Split key: the label id of the headword.
 */
export function gcidePoints(entries: Map<string, string[]>): { points: Point[]; labelTexts: Map<string, string> } {
  const byId = new Map<string, { word: string; raws: string[] }>();
  for (const [w, raws] of entries) {
    const id = headwordId(w);
    if (id === "") continue;
    const cur = byId.get(id);
    if (cur) for (const r of raws) cur.raws.includes(r) || cur.raws.push(r);
    else byId.set(id, { word: w, raws: [...raws] });
  }
  const parsed = new Map<string, { word: string; text: string; refs: string[] }>();
  for (const [id, { word, raws }] of byId) {
    const es = raws.map(parseEntry);
    parsed.set(id, { word, text: es.map((e) => e.text).join(" "), refs: es.flatMap((e) => e.refs) });
  }
  const labelTexts = new Map<string, string>();
  const points: Point[] = [];
  for (const [id, p] of parsed) {
    const labels: string[] = [];
    for (const r of p.refs) {
      const l = headwordId(r);
      if (l !== id && parsed.has(l) && !labels.includes(l)) labels.push(l);
    }
    if (labels.length === 0) continue;
    const text = firstWords(p.text, GCIDE_WORDS);
    if (text.split(" ").length < 3) continue;
    points.push({ id, splitKey: id, text, labels });
    for (const l of labels) if (!labelTexts.has(l)) labelTexts.set(l, firstWords(parsed.get(l)!.text, 30));
  }
  return { points, labelTexts };
}

/** Points of the `dict-gcide` package unpacked under `pkgDir`. */
export function gcideFromPackage(pkgDir: string): { points: Point[]; labelTexts: Map<string, string> } {
  const index = readFileSync(`${pkgDir}/usr/share/dictd/gcide.index`, "utf8");
  const dict = gunzipSync(readFileSync(`${pkgDir}/usr/share/dictd/gcide.dict.dz`));
  return gcidePoints(readDictd(index, dict));
}

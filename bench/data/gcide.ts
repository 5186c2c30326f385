/**
 * GCIDE (the GNU Collaborative International Dictionary of English, Webster 1913 with
 * additions) entries -> the headwords they cross-reference. Reads the dictd files of the
 * `dict-gcide` package (`gcide.index`: headword, byte offset and length in base64; `gcide.dict.dz`:
 * the entries as text). A point is one entry; its labels are the headwords it points to, in braces after "See", "Cf.", "Same as", "Compare", and the
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

/** The entries of a dictd dictionary, each once, with the headwords that point to it. */
export interface Dictd {
  /** entries in file order: the text and the index words (in index order) that point to it */
  entries: { raw: string; words: string[] }[];
}

/** Read a dictd index and its (uncompressed) text; dictd's own `00-database-*` entries are left out. */
export function readDictd(indexText: string, dict: Buffer): Dictd {
  const byOffset = new Map<number, { off: number; raw: string; words: string[] }>();
  for (const line of indexText.split("\n")) {
    const [word, off, len] = line.split("\t");
    if (word === undefined || len === undefined || word.startsWith("00-database") || word.startsWith("00database")) continue;
    const o = dictNumber(off);
    let e = byOffset.get(o);
    if (!e) {
      e = { off: o, raw: dict.subarray(o, o + dictNumber(len)).toString("utf8"), words: [] };
      byOffset.set(o, e);
    }
    if (!e.words.includes(word)) e.words.push(word);
  }
  return { entries: [...byOffset.values()].sort((a, b) => a.off - b.off).map(({ raw, words }) => ({ raw, words })) };
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

/** Words of a point's text (one dictionary entry). */
export const GCIDE_WORDS = 300;

/**
 * The GCIDE points: one per dictionary entry (a headword with several entries, as homographs,
 * gives several points) with at least one reference to a headword other than its own. Its id
 * is its first headword's label id, with `#2`, `#3`... for that headword's later entries; the
 * split key is that headword, so all entries of a headword land on the same side, and an entry
 * listed under several headwords is one point.
 */
export function gcidePoints(d: Dictd): { points: Point[]; labelTexts: Map<string, string> } {
  const parsed = d.entries.map((e) => ({ ...parseEntry(e.raw), ids: e.words.map(headwordId).filter((w) => w !== "") }));
  // a headword's label text: its first entry
  const firstText = new Map<string, string>();
  for (const p of parsed) for (const id of p.ids) if (!firstText.has(id)) firstText.set(id, firstWords(p.text, 30));
  const labelTexts = new Map<string, string>();
  const points: Point[] = [];
  const nth = new Map<string, number>();
  for (const p of parsed) {
    if (p.ids.length === 0) continue;
    const key = p.ids[0];
    const n = (nth.get(key) ?? 0) + 1;
    nth.set(key, n);
    const labels: string[] = [];
    for (const r of p.refs) {
      const l = headwordId(r);
      if (!p.ids.includes(l) && firstText.has(l) && !labels.includes(l)) labels.push(l);
    }
    if (labels.length === 0) continue;
    const text = firstWords(p.text, GCIDE_WORDS);
    if (text.split(" ").length < 3) continue;
    points.push({ id: n === 1 ? key : `${key}#${n}`, splitKey: key, text, labels });
    for (const l of labels) labelTexts.set(l, firstText.get(l)!);
  }
  return { points, labelTexts };
}

/** Points of the `dict-gcide` package unpacked under `pkgDir`. */
export function gcideFromPackage(pkgDir: string): { points: Point[]; labelTexts: Map<string, string> } {
  const index = readFileSync(`${pkgDir}/usr/share/dictd/gcide.index`, "utf8");
  const dict = gunzipSync(readFileSync(`${pkgDir}/usr/share/dictd/gcide.dict.dz`));
  return gcidePoints(readDictd(index, dict));
}

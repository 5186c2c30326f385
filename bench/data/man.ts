/**
 * Man pages -> the pages their SEE ALSO section names. Reads unpacked packages (`TREE/PKG/usr/
 * share/man/manN/NAME.SEC[.gz]`, English pages only), follows `.so` includes, symbolic links and
 * byte-identical copies to the page they stand for, and resolves every `name(section)` of a SEE ALSO section to a page
 * of the collection. Every label is a page, and its text is that page's NAME line.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseRoff, manRefs, sectionText, type RoffPage } from "./roff.js";
import { firstWords, oneLine, type Point } from "./write.js";

export interface ManPage {
  /** `name(section)` */
  key: string;
  name: string;
  section: string;
  pkg: string;
  page: RoffPage;
  nameLine: string;
}

export interface ManCollection {
  pages: Map<string, ManPage>;
  /** alias key -> canonical key (`.so` pages, symbolic links, extra names of a NAME line) */
  alias: Map<string, string>;
  /** lower-cased name of a page or alias -> canonical keys, for references whose section is only a prefix (`ERR_get_error(3)` for `ERR_get_error(3ssl)`) */
  byName: Map<string, string[]>;
}

/** `foo.3ssl.gz` -> `["foo", "3ssl"]`, or undefined for a file that is not a page. */
export function pageFileName(file: string): [string, string] | undefined {
  const f = file.endsWith(".gz") ? file.slice(0, -3) : file;
  const m = /^(.+)\.([0-9n][a-zA-Z0-9+]*|l)$/.exec(f);
  return m ? [m[1], m[2].toLowerCase()] : undefined;
}

function readPage(path: string): string {
  const buf = readFileSync(path);
  return (path.endsWith(".gz") ? gunzipSync(buf) : buf).toString("utf8");
}

/** Read every English man page of the packages unpacked under `tree` (one folder per package). */
export function collectManPages(tree: string, pkgs: string[]): ManCollection {
  const pages = new Map<string, ManPage>();
  const alias = new Map<string, string>();
  const pending: [string, string][] = []; // alias key -> target key before canonicalisation
  const seenSource = new Map<string, string>(); // page source -> key of the first page with it
  for (const pkg of pkgs) {
    const manDir = join(tree, pkg, "usr", "share", "man");
    if (!existsSync(manDir)) continue;
    for (const sub of readdirSync(manDir).sort()) {
      if (!/^man[0-9n]/.test(sub) && sub !== "manl") continue;
      const dir = join(manDir, sub);
      for (const file of readdirSync(dir).sort()) {
        const nm = pageFileName(file);
        if (!nm) continue;
        const key = `${nm[0]}(${nm[1]})`;
        if (pages.has(key) || alias.has(key)) continue;
        const path = join(dir, file);
        const st = lstatSync(path);
        if (st.isSymbolicLink()) {
          const t = pageFileName(basename(readlinkSync(path)));
          if (t) pending.push([key, `${t[0]}(${t[1]})`]);
          continue;
        }
        if (!st.isFile()) continue;
        let page: RoffPage;
        let src: string;
        try {
          src = readPage(path);
          page = parseRoff(src);
        } catch {
          continue;
        }
        // a byte-identical copy under another name (not a link) stands for the first one read
        const copyOf = seenSource.get(src);
        if (copyOf !== undefined && page.so === undefined) {
          pending.push([key, copyOf]);
          continue;
        }
        seenSource.set(src, key);
        if (page.so !== undefined) {
          const t = pageFileName(basename(page.so));
          if (t) pending.push([key, `${t[0]}(${t[1]})`]);
          continue;
        }
        const nameLine = oneLine(sectionText(page, "NAME", "NAME "));
        pages.set(key, { key, name: nm[0], section: nm[1], pkg, page, nameLine });
      }
    }
  }
  for (const [a, t] of pending) if (!pages.has(a)) alias.set(a, t);
  // follow chains of aliases (a link to a `.so` page); drop those that lead nowhere
  for (const [a] of alias) {
    let t = alias.get(a)!;
    for (let hops = 0; hops < 8 && !pages.has(t) && alias.has(t); hops++) t = alias.get(t)!;
    if (pages.has(t)) alias.set(a, t);
    else alias.delete(a);
  }
  // the other names of a NAME line (`printf, fprintf - ...`) stand for the same page
  for (const p of pages.values()) {
    const dash = p.nameLine.search(/\s-+\s/);
    const names = dash < 0 ? [] : p.nameLine.slice(0, dash).split(/,\s*/);
    for (const n of names) {
      const k = `${n.trim()}(${p.section})`;
      if (n.trim() !== "" && !/\s/.test(n.trim()) && !pages.has(k) && !alias.has(k)) alias.set(k, p.key);
    }
  }
  const byName = new Map<string, string[]>();
  const addName = (key: string, target: string) => {
    const n = key.slice(0, key.lastIndexOf("(")).toLowerCase();
    const list = byName.get(n) ?? [];
    if (!list.includes(target)) list.push(target);
    byName.set(n, list);
  };
  for (const p of pages.values()) addName(p.key, p.key);
  for (const [a, t] of alias) addName(a, t);
  return { pages, alias, byName };
}

/** The canonical page a reference `name(section)` stands for, if it is in the collection. */
export function resolveRef(c: ManCollection, name: string, section: string): string | undefined {
  const k = `${name}(${section})`;
  if (c.pages.has(k)) return k;
  const a = c.alias.get(k);
  if (a !== undefined) return a;
  // `ssl(7)` for `ssl(7ssl)`: the one page of that name whose section starts with the one given
  const cands = (c.byName.get(name.toLowerCase()) ?? []).filter((x) => c.pages.get(x)!.section.startsWith(section));
  return cands.length === 1 ? cands[0] : undefined;
}

/** The SEE ALSO labels of a page: canonical keys, in order, without repeats or the page itself. */
export function seeAlso(c: ManCollection, p: ManPage): string[] {
  const out: string[] = [];
  for (const [n, s] of manRefs(sectionText(p.page, "SEE ALSO", "SEE_ALSO", "SEEALSO", "RELATED", "RELATED COMMANDS"))) {
    const k = resolveRef(c, n, s);
    if (k !== undefined && k !== p.key && !out.includes(k)) out.push(k);
  }
  return out;
}

const NOT_BODY = new Set(["NAME", "SEE ALSO", "AUTHOR", "AUTHORS", "COPYRIGHT", "COLOPHON", "REPORTING BUGS", "LICENSE", "AVAILABILITY", "HISTORY"]);

/** Words of a page's long text: its NAME line, then its DESCRIPTION (or all body sections). */
export const LONG_WORDS = 1000;

/**
 * The points of the two man page sets: `long` texts are the NAME line and the DESCRIPTION
 * section (every body section when there is no DESCRIPTION; SEE ALSO, AUTHORS and the like left
 * out), cut to {@link LONG_WORDS} words; `short` texts are the NAME line alone. Pages without a
 * NAME line or without a SEE ALSO entry in the collection are left out. The split key is the
 * page name, so the sections of one name (`printf(1)`, `printf(3)`) stay together.
 */
export function manPoints(c: ManCollection, kind: "long" | "short"): { points: Point[]; labelTexts: Map<string, string> } {
  const points: Point[] = [];
  const labelTexts = new Map<string, string>();
  for (const p of c.pages.values()) {
    if (p.nameLine === "") continue;
    const labels = seeAlso(c, p);
    if (labels.length === 0) continue;
    let text = p.nameLine;
    if (kind === "long") {
      let body = sectionText(p.page, "DESCRIPTION");
      if (body === "") body = p.page.sections.filter((s) => !NOT_BODY.has(s.title)).map((s) => s.text).join(" ");
      text = firstWords(`${p.nameLine} ${body}`, LONG_WORDS);
    }
    points.push({ id: p.key, splitKey: p.name.toLowerCase(), text, labels });
    for (const l of labels) {
      const lp = c.pages.get(l)!;
      labelTexts.set(l, lp.nameLine === "" ? lp.name : lp.nameLine);
    }
  }
  return { points, labelTexts };
}

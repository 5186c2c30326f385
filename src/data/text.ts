import { dirname, join } from "node:path";
import { fileError } from "../core/errors.js";
import { CsrBuilder } from "./builder.js";
import type { Dataset, ReadOptions } from "./dataset.js";
import { applyLabelSpace, remapLabels } from "./labels.js";
import { excerpt, forEachLine, isFile, readLines, requireFile } from "./lines.js";

/** The optional label list of text data sets, next to the PREFIX files. */
export const LABELS_FILE = "labels.txt";

/** The two files of a text data set. */
export function textPaths(prefix: string): { texts: string; labels: string } {
  return { texts: `${prefix}_texts.txt`, labels: `${prefix}_labels.txt` };
}

/**
 * Read a text data set given by PREFIX: `PREFIX_texts.txt` (one text per line) and
 * `PREFIX_labels.txt` (space-separated label names per line; empty = no labels). When
 * `labels.txt` sits in the prefix's directory (`name<TAB>text`, further tabs read as " : ")
 * it fixes the file's label space and label texts; otherwise the label space is the sorted
 * union of the names used.
 */
export async function readText(prefix: string, opts: ReadOptions = {}): Promise<Dataset> {
  const paths = textPaths(prefix);
  await requireFile(paths.texts);
  const noLabels = opts.labelsOptional === true && !(await isFile(paths.labels));
  if (!noLabels) await requireFile(paths.labels);
  const listPath = join(dirname(prefix), LABELS_FILE);
  const list = (await isFile(listPath)) ? await readLabelList(listPath) : null;

  // texts: bytes that are not UTF-8 read as U+FFFD (one unknown character, not a wrong label or number)
  const texts = await readLines(paths.texts, { strictUtf8: false });
  const ids = new Map<string, number>(list ? list.names.map((n, i) => [n, i]) : []);
  const seenNames: string[] = []; // without a label list: names in order of first use
  const Y = new CsrBuilder(true);
  if (noLabels) for (let i = 0; i < texts.length; i++) Y.endRow();
  else await forEachLine(paths.labels, (line, no) => {
    let i = 0;
    const n = line.length;
    while (i < n) {
      let c = line.charCodeAt(i);
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      const s = i;
      while (i < n && (c = line.charCodeAt(i)) !== 32 && c !== 9) i++;
      const name = line.slice(s, i);
      let id = ids.get(name);
      if (id === undefined) {
        if (list) throw fileError(paths.labels, no, `label "${excerpt(name)}" is not in ${listPath}`);
        id = seenNames.length;
        ids.set(name, id);
        seenNames.push(name);
      }
      Y.push(id);
    }
    Y.endRow();
  });
  if (Y.rows !== texts.length) {
    throw fileError(paths.texts, null, `has ${texts.length} lines but ${paths.labels} has ${Y.rows}; they must match`);
  }
  if (texts.length === 0) throw fileError(paths.texts, null, "no instances (empty data)");

  let fileNames: string[];
  let Yfile = Y.finish(list ? list.names.length : seenNames.length);
  if (list) {
    fileNames = list.names;
  } else {
    // Sorted union: renumber first-use ids to sorted order.
    const order = seenNames.map((_, i) => i).sort((a, b) => (seenNames[a] < seenNames[b] ? -1 : seenNames[a] > seenNames[b] ? 1 : 0));
    const remap = new Int32Array(order.length);
    order.forEach((old, rank) => (remap[old] = rank));
    fileNames = order.map((k) => seenNames[k]);
    Yfile = remapLabels(Yfile, { names: fileNames, known: fileNames.length, remap, identity: false });
  }
  const mapped = applyLabelSpace(Yfile, fileNames, opts.labels);
  let labelTexts: string[] | null = null;
  if (list) {
    const textOf = new Map<string, string>();
    list.names.forEach((n, i) => textOf.set(n, list.texts[i]));
    labelTexts = mapped.labelNames.map((n) => textOf.get(n) ?? "");
  }
  return {
    source: prefix,
    kind: "text",
    X: null,
    texts,
    Y: mapped.Y,
    labelNames: mapped.labelNames,
    labelTexts,
    knownLabels: mapped.knownLabels,
  };
}

/**
 * Read a `labels.txt` label list: `name<TAB>text` per line (the text is everything after the
 * first tab, further tabs turned into " : "; it may be absent). Blank lines are skipped;
 * duplicate names are an error.
 */
export async function readLabelList(path: string): Promise<{ names: string[]; texts: string[] }> {
  const names: string[] = [];
  const texts: string[] = [];
  const seen = new Map<string, number>();
  await forEachLine(path, (line, no) => {
    if (line.trim() === "") return;
    const tab = line.indexOf("\t");
    const name = (tab < 0 ? line : line.slice(0, tab)).trim();
    if (name === "") throw fileError(path, no, `expected "name<TAB>text", got "${excerpt(line)}"`);
    const first = seen.get(name);
    if (first !== undefined) throw fileError(path, no, `duplicate label name "${excerpt(name)}" (first on line ${first})`);
    seen.set(name, no);
    names.push(name);
    texts.push(tab < 0 ? "" : line.slice(tab + 1).split("\t").join(" : "));
  });
  return { names, texts };
}

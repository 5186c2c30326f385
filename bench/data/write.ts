/**
 * Writes a natural data set in the text layout xmc reads (`{train,test}_texts.txt`,
 * `{train,test}_labels.txt` with space-separated label ids, `{train,test}_ids.txt`, `labels.txt`
 * as `id<TAB>label text`), plus `stats.json` and a `README.md`. Points are split by a hash of a
 * stable key: sha1(key) as a number, mod 5 == 0 -> test (about 20 %), so a rebuild from the same
 * packages gives the same split and points that share a key never straddle it.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/core/atomic-file.js";

export interface Point {
  /** Unique id of the point (written to `*_ids.txt`). */
  id: string;
  /** Key hashed for the split; points with the same key land on the same side. */
  splitKey: string;
  /** One line of text. */
  text: string;
  /** Label ids (no white space). */
  labels: string[];
}

export interface SetInfo {
  name: string;
  /** One sentence: what a point is and what its labels are. */
  kind: string;
  /** Longer description for the README (markdown). */
  about: string;
  /** Packages used: name, version, license. */
  packages: { name: string; version: string; license: string }[];
  /** Command that rebuilds the set. */
  command: string;
}

/** Whether a split key goes to the test side: sha1(key) read as a big-endian number, mod 5 == 0. */
export function isTest(key: string): boolean {
  const hex = createHash("sha1").update(key, "utf8").digest("hex");
  return BigInt(`0x${hex}`) % 5n === 0n;
}

/** One line: white space (tabs, newlines) collapsed to single spaces. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** The first `max` words of a text. */
export function firstWords(s: string, max: number): string {
  const w = oneLine(s).split(" ");
  return w.length <= max ? w.join(" ") : w.slice(0, max).join(" ");
}

const words = (s: string) => (s === "" ? 0 : s.split(" ").length);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Write the set to `outDir`; returns its statistics (also written to `stats.json`). */
export function writeSet(outDir: string, info: SetInfo, points: Point[], labelTexts: Map<string, string>): Record<string, unknown> {
  mkdirSync(outDir, { recursive: true });
  const seen = new Set<string>();
  const train: Point[] = [];
  const test: Point[] = [];
  for (const p of points) {
    if (seen.has(p.id)) throw new Error(`duplicate point id ${p.id}`);
    seen.add(p.id);
    if (p.labels.length === 0) continue;
    for (const l of p.labels) if (/\s/.test(l) || l === "") throw new Error(`label id with white space: "${l}"`);
    (isTest(p.splitKey) ? test : train).push(p);
  }
  const byId = (a: Point, b: Point) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  train.sort(byId);
  test.sort(byId);
  for (const [side, list] of [["train", train], ["test", test]] as const) {
    writeFileAtomic(join(outDir, `${side}_texts.txt`), list.map((p) => `${oneLine(p.text)}\n`).join(""));
    writeFileAtomic(join(outDir, `${side}_labels.txt`), list.map((p) => `${p.labels.join(" ")}\n`).join(""));
    writeFileAtomic(join(outDir, `${side}_ids.txt`), list.map((p) => `${p.id}\n`).join(""));
  }
  const trainFreq = new Map<string, number>();
  for (const p of train) for (const l of p.labels) trainFreq.set(l, (trainFreq.get(l) ?? 0) + 1);
  const all = new Set<string>(trainFreq.keys());
  let testOcc = 0;
  let testOccUnseen = 0;
  const unseen = new Set<string>();
  for (const p of test)
    for (const l of p.labels) {
      all.add(l);
      testOcc++;
      if (!trainFreq.has(l)) {
        testOccUnseen++;
        unseen.add(l);
      }
    }
  const labels = [...all].sort();
  let withText = 0;
  writeFileAtomic(
    join(outDir, "labels.txt"),
    labels
      .map((l) => {
        const t = oneLine(labelTexts.get(l) ?? "");
        if (t !== "") withText++;
        return `${l}\t${t}\n`;
      })
      .join(""),
  );
  const freqs = [...trainFreq.values()].sort((a, b) => b - a);
  const sum = (list: Point[], f: (p: Point) => number) => list.reduce((s, p) => s + f(p), 0);
  const stats = {
    name: info.name,
    kind: info.kind,
    n_train: train.length,
    n_test: test.length,
    n_labels: labels.length,
    n_labels_in_train: trainFreq.size,
    test_labels_unseen_in_train: unseen.size,
    test_label_occurrences_unseen_fraction: r3(testOcc === 0 ? 0 : testOccUnseen / testOcc),
    labels_with_text: withText,
    avg_labels_train: r3(sum(train, (p) => p.labels.length) / Math.max(1, train.length)),
    avg_labels_test: r3(sum(test, (p) => p.labels.length) / Math.max(1, test.length)),
    avg_words_train: Math.round((sum(train, (p) => words(oneLine(p.text))) / Math.max(1, train.length)) * 10) / 10,
    avg_words_test: Math.round((sum(test, (p) => words(oneLine(p.text))) / Math.max(1, test.length)) * 10) / 10,
    top10_label_freq: freqs.slice(0, 10),
    labels_with_freq_le_2: freqs.filter((f) => f <= 2).length,
    split: "sha1(split key) % 5 == 0 -> test",
    n_packages: info.packages.length,
    packages: info.packages,
  };
  writeFileAtomic(join(outDir, "stats.json"), `${JSON.stringify(stats, null, 1)}\n`);
  const pkgLines = info.packages.map((p) => `| ${p.name} | ${p.version} | ${p.license} |`).join("\n");
  writeFileAtomic(
    join(outDir, "README.md"),
    `# ${info.name}\n\n${info.kind}\n\n${info.about}\n\nRebuild: \`${info.command}\`.\n\n` +
      `| | train | test |\n|---|---|---|\n| points | ${stats.n_train} | ${stats.n_test} |\n| labels per point | ${stats.avg_labels_train} | ${stats.avg_labels_test} |\n| words per text | ${stats.avg_words_train} | ${stats.avg_words_test} |\n\n` +
      `${stats.n_labels} labels (${stats.n_labels_in_train} in train; ${stats.test_labels_unseen_in_train} test labels never in train, ${(stats.test_label_occurrences_unseen_fraction * 100).toFixed(1)} % of test label occurrences); ${withText} labels have a text in \`labels.txt\`.\n\n` +
      `Split: ${stats.split}. Files: \`{train,test}_texts.txt\` (one text a line), \`{train,test}_labels.txt\` (space-separated label ids), \`{train,test}_ids.txt\`, \`labels.txt\` (\`id<TAB>text\`), \`stats.json\`.\n\n` +
      `## Packages and licenses\n\nEach text keeps the license of the package it comes from (Debian bookworm, main).\n\n| package | version | license |\n|---|---|---|\n${pkgLines}\n`,
  );
  return stats;
}

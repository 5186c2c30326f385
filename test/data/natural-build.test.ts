/**
 * The natural data set builder (bench/data): roff parsing, man page collection and SEE ALSO
 * resolution, the GCIDE entry reader, the hash split, and the written layout, on a tiny
 * unpacked-package fixture (test/data/natural-fixture/man-tree) and a hand-made dictd file.
 * Nothing is downloaded.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildSet } from "../../bench/data/build.js";
import { gcidePoints, parseEntry, readDictd } from "../../bench/data/gcide.js";
import { collectManPages, manPoints } from "../../bench/data/man.js";
import { manRefs, parseRoff, sectionText, stripEscapes } from "../../bench/data/roff.js";
import { isTest } from "../../bench/data/write.js";

const TREE = fileURLToPath(new URL("../../../test/data/natural-fixture/man-tree", import.meta.url));
const BUILD = fileURLToPath(new URL("../../bench/data/build.js", import.meta.url));

test("roff: escapes, font macros, sections, conditionals and mdoc", () => {
  assert.equal(stripEscapes("\\fBfrob\\fP \\-v \\(em x\\e \\*(Tm"), "frob -v - x\\ (TM)");
  const p = parseRoff('.TH X 1\n.SH NAME\nx \\- do x\n.SH "SEE ALSO"\n.BR a (1),\n.IR b (5)\n');
  assert.deepEqual(p.sections.map((s) => s.title), ["NAME", "SEE ALSO"]);
  assert.equal(sectionText(p, "NAME"), "x - do x");
  assert.equal(sectionText(p, "SEE ALSO"), "a(1), b(5)");
  assert.deepEqual(manRefs("a(1), b (3ssl), not(this), c(n)"), [["a", "1"], ["b", "3ssl"], ["c", "n"]]);
  assert.equal(parseRoff(".so man3/frob.3\n").so, "man3/frob.3");
  const md = parseRoff(".Sh NAME\n.Nm t\n.Nd tw bits\n.Sh SEE ALSO\n.Xr ls 1 ,\n.Xr cp 1\n");
  assert.equal(sectionText(md, "NAME"), "t - tw bits");
  assert.equal(sectionText(md, "SEE ALSO"), "ls(1) , cp(1)");
  const cond = parseRoff(".SH DESCRIPTION\nkept\n.if n \\{\\\ndropped\n.\\}\nalso kept\n");
  assert.equal(sectionText(cond, "DESCRIPTION"), "kept also kept");
});

test("man pages: .so aliases, copies, NAME-line names, section prefixes; translations, unknown pages and self references left out", () => {
  const c = collectManPages(TREE, ["pkga", "pkgb"]);
  assert.deepEqual([...c.pages.keys()].sort(), ["frob(1)", "frob(3)", "tls(7ssl)", "twiddle(1)"]);
  assert.equal(c.alias.get("frob_r(3)"), "frob(3)");
  assert.equal(c.alias.get("frob_all(3)"), "frob(3)");
  assert.equal(c.alias.get("frobnicate(1)"), "frob(1)"); // a byte-identical copy
  const { points, labelTexts } = manPoints(c, "long");
  const byId = Object.fromEntries(points.map((p) => [p.id, p]));
  assert.deepEqual(byId["frob(1)"].labels, ["frob(3)", "twiddle(1)"]);
  assert.deepEqual(byId["frob(3)"].labels, ["frob(1)", "tls(7ssl)"]);
  assert.deepEqual(byId["twiddle(1)"].labels, ["frob(3)"]); // frob_r(3) and frob_all(3) are the same page
  assert.deepEqual(byId["tls(7ssl)"].labels, ["frob(1)"]);
  assert.equal(byId["frob(1)"].text, "frob - frobnicate files frob frobnicates each file. See also the library call frob(3).");
  assert.equal(byId["frob(3)"].text, "frob, frob_all - frobnicate in a library The frob() function frobnicates one buffer; frob_all() frobnicates them all.");
  assert.equal(byId["twiddle(1)"].text, "twiddle - twiddle bits The twiddle utility twiddles bits, with -v verbosely.");
  assert.equal(byId["frob(1)"].splitKey, byId["frob(3)"].splitKey);
  assert.equal(labelTexts.get("tls(7ssl)"), "tls - transport layer security");
  const short = manPoints(c, "short").points;
  assert.equal(short.find((p) => p.id === "frob(1)")!.text, "frob - frobnicate files");
});

test("split: sha1(key) % 5 == 0 -> test, hand-checked keys", () => {
  // python: int(hashlib.sha1(k.encode()).hexdigest(), 16) % 5
  assert.equal(isTest("tls"), true); // 0
  assert.equal(isTest("printf"), true); // 0
  assert.equal(isTest("frob"), false); // 4
  assert.equal(isTest("twiddle"), false); // 2
});

test("build from an unpacked tree: the text layout, labels.txt, stats.json; a rebuild gives the same files", () => {
  const out = mkdtempSync(join(tmpdir(), "xmc-natural-"));
  try {
    const stats = buildSet("man-seealso", { out: join(out, "a"), tree: TREE });
    const read = (f: string) => readFileSync(join(out, "a", f), "utf8");
    assert.equal(read("train_ids.txt"), "frob(1)\nfrob(3)\ntwiddle(1)\n");
    assert.equal(read("test_ids.txt"), "tls(7ssl)\n");
    assert.equal(read("train_labels.txt"), "frob(3) twiddle(1)\nfrob(1) tls(7ssl)\nfrob(3)\n");
    assert.equal(read("test_labels.txt"), "frob(1)\n");
    assert.equal(read("train_texts.txt").split("\n").length, 4);
    assert.equal(read("labels.txt"), "frob(1)\tfrob - frobnicate files\nfrob(3)\tfrob, frob_all - frobnicate in a library\ntls(7ssl)\ttls - transport layer security\ntwiddle(1)\ttwiddle - twiddle bits\n");
    assert.equal(stats.n_train, 3);
    assert.equal(stats.n_test, 1);
    assert.equal(stats.n_labels, 4);
    assert.equal(stats.test_labels_unseen_in_train, 0);
    assert.equal(stats.labels_with_text, 4);
    const json = JSON.parse(read("stats.json"));
    assert.deepEqual(json.packages, [
      { name: "pkga", version: "unpacked", license: "GPL-2+" },
      { name: "pkgb", version: "unpacked", license: "unknown" },
    ]);
    assert.match(read("README.md"), /npm run data:build -- man-seealso/);
    // the command line, into a second folder: byte-identical files
    const r = spawnSync(process.execPath, [BUILD, "man-seealso", "--tree", TREE, "--out", join(out, "b")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    for (const f of ["train_texts.txt", "train_labels.txt", "test_texts.txt", "test_labels.txt", "labels.txt", "stats.json"]) {
      assert.equal(readFileSync(join(out, "b", f), "utf8"), read(f), f);
    }
    const bad = spawnSync(process.execPath, [BUILD, "no-such-set", "--tree", TREE], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /usage: npm run data:build -- NAME/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

/** A dictd index number: base 64, most significant digit first. */
function b64(n: number): string {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let s = "";
  do {
    s = A[n % 64] + s;
    n = Math.floor(n / 64);
  } while (n > 0);
  return s;
}

test("gcide: entries, references out of the text, one point per entry, homographs numbered", () => {
  const entries: [string[], string][] = [
    [["Abandon"], 'Abandon \\A*ban"don\\, v. t. [OF. abandoner. See {Ban}.]\n   1. To give up absolutely; to forsake.\n      [1913 Webster]\n\n   Syn: To forsake; desert; quit.\n\n'],
    [["Ban"], "Ban \\Ban\\, n. A public proclamation. Cf. {Abandon}.\n\n"],
    [["Forsake", "Forsook"], 'Forsake \\For*sake"\\, v. t. To quit or leave entirely. Same as {Desert}, {Abandon}.\n\n'],
    [["Desert"], 'Desert \\De*sert"\\, v. t. To leave in the lurch.\n\n'],
    [["Desert"], 'Desert \\Des"ert\\, n. A barren tract, [=a]rid. See {Ban}.\n\n'],
  ];
  let dict = "";
  let index = "00-database-short\tA\tB\n";
  for (const [words, text] of entries) {
    for (const w of words) index += `${w}\t${b64(dict.length)}\t${b64(text.length)}\n`;
    dict += text;
  }
  const d = readDictd(index, Buffer.from(dict, "utf8"));
  assert.equal(d.entries.length, 5);
  assert.deepEqual(d.entries[2].words, ["Forsake", "Forsook"]);
  const e = parseEntry(entries[0][1]);
  assert.deepEqual(e.refs, ["forsake", "desert", "quit", "Ban"]);
  assert.equal(e.text, "Abandon , v. t. [OF. abandoner. ] 1. To give up absolutely; to forsake.");
  const { points, labelTexts } = gcidePoints(d);
  assert.deepEqual(
    points.map((p) => [p.id, p.splitKey, p.labels]),
    [
      ["abandon", "abandon", ["forsake", "desert", "ban"]], // "quit" is no headword
      ["ban", "ban", ["abandon"]],
      ["forsake", "forsake", ["desert", "abandon"]],
      ["desert#2", "desert", ["ban"]],
    ],
  );
  assert.equal(points[3].text, "Desert , n. A barren tract, arid.");
  assert.equal(labelTexts.get("desert"), "Desert , v. t. To leave in the lurch.");
});

/**
 * The command line as a Unix tool: texts from stdin and --text, JSON Lines with ids, streaming,
 * a closed pipe, outputs checked before the work and written atomically, one-line usage errors
 * with status 2, capped --threads and --ks, params keys checked as own properties.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { checkOutputPath, writeFileAtomic } from "../../src/core/atomic-file.js";
import { parseParams, sectionsOf } from "../../src/core/params.js";
import { lineBatches } from "../../src/cli/stream-io.js";
import { systemErrorMessage } from "../../src/cli/errors.js";
import { Readable } from "node:stream";
import { CLI, cliSandbox } from "./sandbox.js";

const { dir, run: xmc, file } = cliSandbox("unix");

const isRoot = process.getuid?.() === 0;

function jsonLines(out: string): { id: string | number; labels: { label: string; score: number }[] }[] {
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

/** One line on stderr: the error, no stack trace, no progress. */
function oneLineError(err: string, want: RegExp): void {
  const lines = err.trim().split("\n");
  assert.equal(lines.length, 1, err);
  assert.match(lines[0], /^xmc: error: /);
  assert.match(lines[0], want);
}

const TOPICS = [
  { label: "graphics", words: ["gimp", "image", "editor", "photo", "pixel"] },
  { label: "office", words: ["libreoffice", "spreadsheet", "document", "writer", "slides"] },
  { label: "sound", words: ["audio", "mixer", "music", "player", "midi"] },
];
const text = (i: number) => {
  const t = TOPICS[i % 3];
  return `${t.words[i % 5]} ${t.words[(i + 2) % 5]} ${t.words[(i + 3) % 5]} tool`;
};
const N = 60;
let model = "";
let featureModel = "";
let bigPrefix = "";

before(() => {
  const texts: string[] = [], labels: string[] = [];
  for (let i = 0; i < N; i++) {
    texts.push(text(i));
    labels.push(TOPICS[i % 3].label);
  }
  file("t_texts.txt", `${texts.join("\n")}\n`);
  file("t_labels.txt", `${labels.join("\n")}\n`);
  model = join(dir, "text.xmc");
  const r = xmc(["train", join(dir, "t"), "-m", model, "-q", "--threads", "1"]);
  assert.equal(r.code, 0, r.err);
  const rows = ["30 6 3"];
  for (let i = 0; i < 30; i++) rows.push(`${i % 3} ${i % 3}:1 ${3 + (i % 3)}:0.5`);
  featureModel = join(dir, "features.xmc");
  const f = xmc(["train", file("f.txt", `${rows.join("\n")}\n`), "-m", featureModel, "-q", "--threads", "1"]);
  assert.equal(f.code, 0, f.err);
  // enough output (about 300 KB) that a pipe closed after the first line fails the writes
  const big: string[] = [];
  for (let i = 0; i < 3000; i++) big.push(text(i));
  bigPrefix = join(dir, "big");
  file("big_texts.txt", `${big.join("\n")}\n`);
});

test("texts on stdin: one JSON line per input line, ids 0 and 1, {label, score} lists", () => {
  const r = xmc(["predict", "-m", model, "-k", "3"], "gimp image editor\nlibreoffice\n");
  assert.equal(r.code, 0, r.err);
  const rows = jsonLines(r.out);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((x) => x.id), [0, 1]);
  for (const row of rows) {
    assert.equal(row.labels.length, 3);
    assert.deepEqual(Object.keys(row.labels[0]), ["label", "score"]);
    assert.ok(row.labels[0].score >= row.labels[1].score && row.labels[1].score >= row.labels[2].score);
  }
  assert.equal(rows[0].labels[0].label, "graphics");
  assert.equal(rows[1].labels[0].label, "office");
  // "-" is stdin too, and a last line without a newline counts
  const dash = xmc(["predict", "-", "-m", model, "-k", "3"], "gimp image editor\nlibreoffice");
  assert.equal(dash.code, 0, dash.err);
  assert.deepEqual(jsonLines(dash.out), rows);
});

test("--text twice: two lines, the same predictions as stdin and as a text PREFIX (unrounded scores)", () => {
  const r = xmc(["predict", "-m", model, "-k", "3", "--text", "gimp image editor", "--text", "libreoffice"]);
  assert.equal(r.code, 0, r.err);
  const rows = jsonLines(r.out);
  assert.deepEqual(rows.map((x) => x.id), [0, 1]);
  const s = xmc(["predict", "-m", model, "-k", "3"], "gimp image editor\nlibreoffice\n");
  assert.deepEqual(jsonLines(s.out), rows);
  file("two_texts.txt", "gimp image editor\nlibreoffice\n");
  const f = xmc(["predict", join(dir, "two"), "-m", model, "-k", "3", "-q"]);
  assert.equal(f.code, 0, f.err);
  const fromFile = jsonLines(f.out);
  assert.deepEqual(fromFile.map((x) => x.labels.map((l) => l.label)), rows.map((x) => x.labels.map((l) => l.label)));
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(fromFile[i].labels[j].score - rows[i].labels[j].score) < 1e-6);
  // not rounded to 6 digits: the float32 score as a double
  assert.ok(rows.some((x) => x.labels.some((l) => String(l.score).replace(/^0\./, "").length > 7)));
  const both = xmc(["predict", join(dir, "two"), "-m", model, "--text", "x"]);
  assert.equal(both.code, 2);
  oneLineError(both.err, /either DATA .* or --text/);
});

test("ids come from PREFIX_ids.txt beside the texts; a count mismatch is an error", () => {
  file("ids_texts.txt", "gimp photo\nmusic player\naudio mixer\n");
  file("ids_ids.txt", "pkg-a\npkg-b\npkg-c\n");
  const r = xmc(["predict", join(dir, "ids"), "-m", model, "-k", "1", "-q"]);
  assert.equal(r.code, 0, r.err);
  const rows = jsonLines(r.out);
  assert.deepEqual(rows.map((x) => x.id), ["pkg-a", "pkg-b", "pkg-c"]);
  assert.equal(rows[0].labels[0].label, "graphics");
  assert.equal(rows[2].labels[0].label, "sound");
  file("ids_ids.txt", "pkg-a\npkg-b\n");
  const bad = xmc(["predict", join(dir, "ids"), "-m", model, "-q"]);
  assert.equal(bad.code, 2);
  oneLineError(bad.err, /ids_ids\.txt: has 2 lines but .*ids_texts\.txt has 3/);
});

test("a feature model given texts (stdin or --text) is a clear error", () => {
  for (const r of [xmc(["predict", "-m", featureModel, "--text", "gimp"]), xmc(["predict", "-m", featureModel], "gimp\n")]) {
    assert.equal(r.code, 2);
    oneLineError(r.err, /features\.xmc: cannot predict texts .*trained on features/);
  }
});

test("predict | head -1 and evaluate | head -1: status 0, no stack trace", () => {
  const sh = (cmd: string) => spawnSync("bash", ["-c", `set -o pipefail; ${cmd}`], { encoding: "utf8", cwd: dir });
  const p = sh(`"${process.execPath}" "${CLI}" predict "${bigPrefix}" -m "${model}" -k 5 -q | head -1`);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stderr, "");
  assert.equal(p.stdout.trim().split("\n").length, 1);
  assert.equal(JSON.parse(p.stdout).id, 0);
  const s = sh(`"${process.execPath}" "${CLI}" predict -m "${model}" -k 5 < "${bigPrefix}_texts.txt" | head -1`);
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.stderr, "");
  const e = sh(`"${process.execPath}" "${CLI}" evaluate "${join(dir, "t")}" -m "${model}" --ks 1,2 | head -1`);
  assert.equal(e.status, 0, e.stderr);
  assert.doesNotMatch(e.stderr, /\n\s+at |EPIPE|error/);
});

test("stdin is streamed: the first line's result comes before stdin is closed", async () => {
  const child = spawn(process.execPath, [CLI, "predict", "-m", model, "-k", "1"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output within 30 s while stdin is open; stderr: ${err}`)), 30_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf("\n")));
      }
    });
  });
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  child.stdin.write("gimp image editor\n");
  const first = JSON.parse(await firstLine);
  assert.equal(first.id, 0);
  assert.equal(first.labels[0].label, "graphics");
  assert.equal(child.exitCode, null, "still running: stdin is open");
  child.stdin.end("music player\n");
  assert.equal(await done, 0, err);
  const rows = jsonLines(out);
  assert.deepEqual(rows.map((x) => x.id), [0, 1]);
  assert.equal(rows[1].labels[0].label, "sound");
});

test("line batches: full batches at once, a partial batch after a quiet spell, CRLF and BOM", async () => {
  const batches: string[][] = [];
  for await (const b of lineBatches(Readable.from(["\ufeffa\r\nb\nc", "\nd\ne"]), { size: 2, waitMs: 5 })) batches.push(b);
  assert.deepEqual(batches, [["a", "b"], ["c", "d"], ["e"]]);
});

test("evaluate --format json: stdout is exactly one JSON object; --json is the same; table is the default", () => {
  const j = xmc(["evaluate", join(dir, "t"), "-m", model, "--format", "json"]);
  assert.equal(j.code, 0, j.err);
  const m = JSON.parse(j.out);
  assert.equal(m.n, N);
  assert.equal(m["P@1"], 100);
  const alias = xmc(["evaluate", join(dir, "t"), "-m", model, "--json", "-q"]);
  assert.deepEqual(JSON.parse(alias.out), m);
  const t = xmc(["evaluate", join(dir, "t"), "-m", model, "-q", "--ks", "1,2"]);
  assert.match(t.out, /^metric\s+@1\s+@2\n/);
  const clash = xmc(["evaluate", join(dir, "t"), "-m", model, "--json", "--format", "table"]);
  assert.equal(clash.code, 2);
  oneLineError(clash.err, /--json is --format json/);
});

test("--ks above the number of labels is capped with a warning; -k above it gives every label", () => {
  const r = xmc(["evaluate", join(dir, "t"), "-m", model, "--format", "json", "--ks", "1,1000000000", "-q"]);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(r.out);
  assert.deepEqual(Object.keys(m).filter((k) => k.startsWith("P@")), ["P@1", "P@3"]);
  assert.equal(m["R@3"], 100); // every label ranked: recall is complete
  assert.match(r.err, /^xmc: warning: cut-offs above the model's 3 labels \(@1000000000\) are reported as @3$/m);
  const p = xmc(["predict", "-m", model, "-k", "1000000000", "--text", "gimp"]);
  assert.equal(p.code, 0, p.err);
  assert.equal(jsonLines(p.out)[0].labels.length, 3);
});

test("-o: written whole through a temp file, stale temps of a crash removed, target untouched on error", () => {
  const out = join(dir, "out", "pred.jsonl");
  mkdirSync(join(dir, "out"));
  const stale = join(dir, "out", ".pred.jsonl.tmp-999999999-deadbeef");
  writeFileSync(stale, "partial");
  const r = xmc(["predict", "-m", model, "-k", "2", "-o", out], "gimp\nmidi\n");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "");
  assert.deepEqual(jsonLines(readFileSync(out, "utf8")).map((x) => x.id), [0, 1]);
  assert.deepEqual(readdirSync(join(dir, "out")), ["pred.jsonl"]);
  // a device or a pipe is written directly
  const dev = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${CLI}" predict -m "${model}" -k 1 -o /dev/stdout --text gimp | cat`], { encoding: "utf8", cwd: dir });
  assert.equal(dev.status, 0, dev.stderr);
  assert.equal(jsonLines(dev.stdout)[0].labels[0].label, "graphics");
  // a failing run (a bad option value) leaves the old file
  const bad = xmc(["predict", "-m", model, "--beam-size", "0", "-o", out], "gimp\n");
  assert.equal(bad.code, 2);
  assert.deepEqual(jsonLines(readFileSync(out, "utf8")).map((x) => x.id), [0, 1]);
  assert.deepEqual(readdirSync(join(dir, "out")), ["pred.jsonl"]);
});

test("-o into a missing directory, a directory or an unwritable path: one line, status 2, before any work", () => {
  const cases: [string, RegExp][] = [
    [join(dir, "no-such-dir", "p.jsonl"), /no-such-dir\/p\.jsonl \(-o\): cannot write: the directory .*no-such-dir does not exist/],
    [dir, /\(-o\): is a directory/],
    [join(model, "p.jsonl"), /\(-o\): cannot write: a part of the path is not a directory/],
  ];
  if (existsSync("/proc/self")) cases.push(["/proc/xmc-p.jsonl", /\/proc\/xmc-p\.jsonl \(-o\): cannot write: the directory \/proc is not writable/]);
  if (!isRoot) {
    const ro = join(dir, "ro");
    mkdirSync(ro);
    writeFileSync(join(ro, "p.jsonl"), "old\n");
    chmodSync(ro, 0o555);
    cases.push([join(ro, "p.jsonl"), /ro\/p\.jsonl \(-o\): cannot write: the directory .*ro is not writable/]);
  }
  for (const [path, want] of cases) {
    const r = xmc(["predict", bigPrefix, "-m", model, "-o", path]); // no -q: no progress may appear
    assert.equal(r.code, 2, path);
    oneLineError(r.err, want);
  }
  if (!isRoot) assert.equal(readFileSync(join(dir, "ro", "p.jsonl"), "utf8"), "old\n");
  // evaluate --reliability into a directory, train -m into an unwritable place: before the work
  const e = xmc(["evaluate", join(dir, "t"), "-m", model, "--reliability", dir]);
  assert.equal(e.code, 2);
  oneLineError(e.err, /\(--reliability\): is a directory/);
  const t = xmc(["train", join(dir, "t"), "-m", join(model, "sub", "m.xmc")]);
  assert.equal(t.code, 2);
  oneLineError(t.err, /\(-m\): cannot write/);
  const d = xmc(["train", join(dir, "t"), "-m", dir]);
  assert.equal(d.code, 2);
  oneLineError(d.err, /is a directory/);
});

test("evaluate --reliability writes the SVG atomically", () => {
  const svg = join(dir, "rel.svg");
  const r = xmc(["evaluate", join(dir, "t"), "-m", model, "--reliability", svg, "-q"]);
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(svg, "utf8"), /^<svg/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".rel.svg.tmp-")), []);
});

test("usage errors: one line plus see-help, status 2; --help and --version status 0", () => {
  const cases: [string[], RegExp, string][] = [
    [["predict", "-m", model, "--nope"], /^xmc: error: unknown option '--nope'$/, "predict"],
    [["predict", "--text", "x"], /^xmc: error: required option '-m, --model <FILE>' not specified$/, "predict"],
    [["evaluate", "-m", model], /^xmc: error: missing required argument 'DATA'$/, "evaluate"],
    [["train", "--method"], /^xmc: error: option '--method <name>' argument missing$/, "train"],
    [["predikt"], /^xmc: error: unknown command 'predikt'/, ""],
  ];
  for (const [args, want, verb] of cases) {
    const r = xmc(args);
    assert.equal(r.code, 2, args.join(" "));
    const lines = r.err.trim().split("\n");
    assert.equal(lines.length, 2, r.err);
    assert.match(lines[0], want);
    assert.equal(lines[1], `see 'xmc${verb ? ` ${verb}` : ""} --help'`);
    assert.equal(r.out, "");
  }
  for (const args of [["--help"], ["--version"], ["predict", "--help"], ["evaluate", "--help"]]) {
    const r = xmc(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.ok(r.out.length > 0);
  }
});

test("predict and evaluate help give the model's stored values as the defaults of prediction options", () => {
  for (const args of [["predict", "--help"], ["predict", "-m", model, "--help"], ["evaluate", "-m", model, "--help"]]) {
    const r = xmc(args);
    const k = args[0] === "evaluate" ? "the\\s+largest\\s+--ks" : "the\\s+model's";
    assert.match(r.out, new RegExp(`-k, --top-k <n>\\s+labels returned per query \\(default:\\s+${k}\\)`));
    assert.match(r.out, /--beam-size <n>\s+nodes kept per tree level during beam search\s+\(default: the model's\)/);
  }
});

test("--threads: above the cores capped with a warning, above 4x the cores an error", () => {
  const cores = availableParallelism();
  const big = xmc(["train", join(dir, "t"), "-m", join(dir, "th.xmc"), "-q", "--threads", "1000"]);
  assert.equal(big.code, 2);
  oneLineError(big.err, new RegExp(`--threads: 1000 is more than 4 times the ${cores} cores`));
  assert.ok(!existsSync(join(dir, "th.xmc")));
  const over = xmc(["train", join(dir, "t"), "-m", join(dir, "th.xmc"), "-q", "--threads", String(cores + 1)]);
  assert.equal(over.code, 0, over.err);
  assert.equal(over.err, `xmc: warning: --threads ${cores + 1}: this machine has ${cores} cores; using ${cores} threads\n`);
  assert.ok(existsSync(join(dir, "th.xmc")));
});

test("params: __proto__, constructor and other inherited names are unknown keys", () => {
  const p = file("proto.json", '{"tree":{"__proto__":1}}');
  const r = xmc(["train", join(dir, "t"), "-m", join(dir, "proto.xmc"), "--params", p, "-q"]);
  assert.equal(r.code, 2);
  oneLineError(r.err, /params\.tree: unknown parameter "__proto__"/);
  const schema = { a: { type: "number" as const, default: 1, help: "" } };
  for (const k of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
    assert.throws(() => parseParams(schema, JSON.parse(`{"${k}": 1}`), "p"), new RegExp(`p: unknown parameter "${k}"`));
    assert.throws(() => sectionsOf(JSON.parse(`{"${k}": {}}`), ["tree"], "params"), new RegExp(`params: unknown section "${k}"`));
  }
  assert.deepEqual(parseParams(schema, { a: "2" }, "p"), { a: 2 });
});

test("output paths: checked up front; writeFileAtomic replaces a file whole", () => {
  const p = join(dir, "atomic.txt");
  writeFileAtomic(p, "one\n");
  writeFileAtomic(p, "two\n");
  assert.equal(readFileSync(p, "utf8"), "two\n");
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".atomic.txt.tmp-")), []);
  assert.doesNotThrow(() => checkOutputPath(join(dir, "new.txt")));
  assert.doesNotThrow(() => checkOutputPath(join(dir, "a", "b", "m.xmc"), { createParents: true }));
  assert.throws(() => checkOutputPath(join(dir, "a", "b.txt")), /does not exist/);
  assert.throws(() => checkOutputPath(dir, { flag: "-o" }), /\(-o\): is a directory/);
  assert.doesNotThrow(() => checkOutputPath("/dev/null"));
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});

test("predict -o killed mid-run (kill -9): the target is untouched; the next write removes the temp file", async () => {
  const sub = join(dir, "kill");
  mkdirSync(sub);
  const out = join(sub, "p.jsonl");
  writeFileSync(out, "old\n");
  const child = spawn(process.execPath, [CLI, "predict", "-m", model, "-o", out], { cwd: dir, stdio: ["pipe", "ignore", "ignore"] });
  const done = new Promise<void>((resolve) => child.on("close", () => resolve()));
  child.stdin.write("gimp image editor\n");
  const t0 = Date.now();
  while (!readdirSync(sub).some((f) => f.startsWith(".p.jsonl.tmp-")) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300)); // the first batch is predicted into the temp file
  child.kill("SIGKILL");
  await done;
  assert.equal(readFileSync(out, "utf8"), "old\n");
  assert.equal(readdirSync(sub).filter((f) => f.startsWith(".p.jsonl.tmp-")).length, 1);
  const r = xmc(["predict", "-m", model, "-o", out], "midi\n");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readdirSync(sub), ["p.jsonl"]);
  assert.equal(jsonLines(readFileSync(out, "utf8"))[0].labels[0].label, "sound");
});

test("system errors become one line with the path, the reason and what xmc was doing", () => {
  const e = Object.assign(new Error("ENOSPC: no space left on device, write '/data/out.jsonl'"), { code: "ENOSPC", syscall: "write", path: "/data/out.jsonl" });
  assert.equal(systemErrorMessage(e, "predict"), "/data/out.jsonl: no space left on device (ENOSPC) while writing in 'xmc predict'");
  const n = Object.assign(new Error("EACCES: permission denied, open '/x/y'"), { code: "EACCES", syscall: "open", path: "/x/y" });
  assert.equal(systemErrorMessage(n, null), "/x/y: permission denied (EACCES) while opening");
  assert.equal(systemErrorMessage(new TypeError("x is not a function"), "train"), null);
});

test("predict and evaluate --threads: a data file on two threads gives the lines and metrics of one; --threads 0 is a usage error", () => {
  const one = xmc(["predict", bigPrefix, "-m", model, "-q", "--threads", "1"]);
  const two = xmc(["predict", bigPrefix, "-m", model, "-q", "--threads", "2"]);
  assert.equal(one.code, 0, one.err);
  assert.equal(two.code, 0, two.err);
  assert.equal(two.out.split("\n").length, 3001);
  assert.equal(two.out, one.out);
  const e1 = xmc(["evaluate", join(dir, "t"), "-m", model, "--json", "--threads", "1"]);
  const e2 = xmc(["evaluate", join(dir, "t"), "-m", model, "--json", "--threads", "2"]);
  assert.equal(e2.out, e1.out);
  // the same texts on stdin: batches handed to a worker once the stream is long, written in order
  const texts = readFileSync(`${bigPrefix}_texts.txt`, "utf8");
  const stdin1 = xmc(["predict", "-m", model, "-q", "--threads", "1"], texts);
  const stdin2 = xmc(["predict", "-m", model, "-q", "--threads", "2"], texts);
  assert.equal(stdin2.code, 0, stdin2.err);
  assert.equal(stdin2.out, stdin1.out);
  assert.equal(stdin2.out, one.out);
  const zero = xmc(["predict", bigPrefix, "-m", model, "--threads", "0"]);
  assert.equal(zero.code, 2);
  oneLineError(zero.err, /--threads: expected a positive integer, got "0"/);
});

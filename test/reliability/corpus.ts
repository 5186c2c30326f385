/**
 * The bad-input corpus: every case is one run of the real CLI on a file this module writes,
 * with the exact outcome expected (exit code, the one `xmc: error: …` line or the warning,
 * what is left in the output directory). `buildCorpus(root)` writes the data files and returns
 * the cases and a `setup()` that trains the small models the cases use and writes the files
 * derived from them (corrupted models, existing targets). corpus.test.ts runs the cases;
 * `node dist/test/reliability/table.js` prints them as a table.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface Case {
  name: string;
  group: string;
  /** CLI arguments; `{out}` stands for the case's own output directory. */
  args: string[];
  /** Expected exit status. */
  code: number;
  /** The message after `xmc: error: ` (the whole of stderr is that one line). */
  error?: RegExp;
  /** A line `xmc: warning: …` stderr must hold (exit 0 cases). */
  warning?: RegExp;
  /** stdout must match. */
  stdout?: RegExp;
  /** stdout must equal the stdout of this command (which must exit 0). */
  sameStdoutAs?: string[];
  /** Files the command creates in `{out}` on success (nothing else may appear there). */
  creates?: string[];
  /** Files in `{out}` whose text must match, after a successful run. */
  fileMatches?: [string, RegExp][];
  /** Bytes to write on stdin. */
  stdin?: string;
  /** Run through `sh -c` (the command may use `$XMC` for the CLI); for pipes. */
  shell?: string;
  /** Kill the command after this many milliseconds (default 60 000). */
  timeoutMs?: number;
  /** A behaviour another change is fixing: reported with node:test's `todo`, not failing. */
  pending?: string;
  /** What the case checks, for the table. */
  what: string;
}

/** The existing file each case's `{out}` directory starts with (a target that must survive a failure). */
export const EXISTING_MODEL = "model.xmc";
export const EXISTING_PREDICTIONS = "pred.jsonl";

export interface Corpus {
  cases: Case[];
  /** Train the base models and write the files derived from them; call once before the cases. */
  setup(): void;
}

/** XC text: header `N F L` and rows `labels feature:value ...`. */
function xc(rows: string[], header: string | null = `${rows.length} 6 3`): string {
  return `${header === null ? "" : `${header}\n`}${rows.join("\n")}\n`;
}

/** 12 rows, 3 labels: label l fires feature l (and feature 3 + l at half weight). */
const XC_TRAIN = Array.from({ length: 12 }, (_, i) => `${i % 3} ${i % 3}:1 ${3 + (i % 3)}:0.5`);
const XC_TEST = Array.from({ length: 6 }, (_, i) => `${i % 3} ${i % 3}:1 ${3 + (i % 3)}:0.25`);

const TEXTS = [
  "fresh basil tomato pasta with olive oil",
  "slow roasted tomato soup with basil",
  "olive oil cake with lemon zest",
  "lemon tart with a crisp pastry",
  "pastry cream and fresh berries",
  "grilled salmon with lemon and dill",
  "salmon pasta with cream sauce",
  "dill pickles and fresh cucumbers",
  "cucumber salad with olive oil and dill",
  "berries and cream for dessert",
  "tomato and cucumber salad with basil",
  "lemon cake with berries and cream",
];
const TEXT_LABELS = [
  "italian vegetarian",
  "soup vegetarian",
  "dessert baking",
  "dessert baking",
  "dessert",
  "fish",
  "fish italian",
  "vegetarian",
  "vegetarian salad",
  "dessert",
  "vegetarian salad",
  "dessert baking",
];

const XML = `<?xml version="1.0" encoding="utf-8"?>\n<labels xmlns="http://mulan.sourceforge.net/labels">\n<label name="a"></label>\n<label name="b"></label>\n</labels>\n`;
const ARFF_HEAD = "@relation toy\n@attribute f0 numeric\n@attribute f1 numeric\n@attribute f2 numeric\n@attribute a {0,1}\n@attribute b {0,1}\n@data\n";
const ARFF_ROWS = ["1,0,0.5,1,0", "0,1,0.5,0,1", "1,0,0,1,0", "0,1,0,0,1", "1,1,0,1,1", "0.5,0,1,1,0", "0,0.5,1,0,1", "1,0,0.25,1,0"];

export function buildCorpus(root: string): Corpus {
  const cases: Case[] = [];
  const base = join(root, "base");
  const outRoot = join(root, "out");
  mkdirSync(base, { recursive: true });
  mkdirSync(outRoot, { recursive: true });

  /** Write a data file under root (directories created); returns its path. */
  const put = (rel: string, content: string | Buffer): string => {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
    return p;
  };
  const add = (c: Case): void => {
    if (cases.some((x) => x.name === c.name)) throw new Error(`duplicate case ${c.name}`);
    cases.push(c);
  };

  // ---- base data and models -------------------------------------------------------------
  const xcTrain = put("base/xc/train.txt", xc(XC_TRAIN));
  const xcTest = put("base/xc/test.txt", xc(XC_TEST));
  const xcnTrain = put("base/xcn/train.txt", xc(XC_TRAIN));
  put("base/xcn/label_names.txt", "alpha\nbeta\ngamma\n");
  put("base/xcn/test.txt", xc(XC_TEST));
  const textTrain = join(root, "base/text/train");
  put("base/text/train_texts.txt", `${TEXTS.join("\n")}\n`);
  put("base/text/train_labels.txt", `${TEXT_LABELS.join("\n")}\n`);
  const textTest = join(root, "base/text/test");
  put("base/text/test_texts.txt", "tomato basil soup\nsalmon with dill and lemon\nberry tart with cream\n");
  put("base/text/test_labels.txt", "soup vegetarian\nfish\ndessert baking\n");
  put("base/arff/d.xml", XML);
  const arffTrain = put("base/arff/d-train.arff", ARFF_HEAD + ARFF_ROWS.join("\n") + "\n");
  const arffTest = put("base/arff/d-test.arff", ARFF_HEAD + ARFF_ROWS.slice(0, 4).join("\n") + "\n");
  const calTrain = put("base/cal/train.txt", xc(Array.from({ length: 40 }, (_, i) => `${i % 3} ${i % 3}:1 ${3 + ((i * 7) % 3)}:0.5`)));

  const M = {
    xc: join(base, "xc.xmc"),
    xcn: join(base, "xcn.xmc"),
    text: join(base, "text.xmc"),
    arff: join(base, "arff.xmc"),
    cal: join(base, "cal.xmc"),
  };
  const bad = (rel: string): string => join(root, "bad", rel);
  const modelFiles: [string, (m: Buffer) => Buffer][] = [];

  const setup = (): void => {
    const train = (data: string, model: string, ...extra: string[]): void => {
      const r = spawnSync(process.execPath, [CLI, "train", data, "-m", model, "-q", "--threads", "1", ...extra], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`training the corpus model ${model} failed: ${r.stderr}`);
    };
    train(xcTrain, M.xc);
    train(xcnTrain, M.xcn);
    train(textTrain, M.text);
    train(arffTrain, M.arff);
    train(calTrain, M.cal, "--holdout", "0.5");
    const model = readFileSync(M.xc);
    for (const [rel, make] of modelFiles) put(`bad/${rel}`, make(model));
    for (const c of cases) {
      const out = join(outRoot, c.name);
      mkdirSync(out, { recursive: true });
      copyFileSync(M.xc, join(out, EXISTING_MODEL));
      writeFileSync(join(out, EXISTING_PREDICTIONS), '{"existing":true}\n');
    }
  };

  /** A train case on a bad file: error naming FILE:LINE, nothing written. */
  const trainBad = (name: string, group: string, rel: string, content: string | Buffer, error: RegExp, what: string, extra: string[] = []): void => {
    const p = put(`bad/${rel}`, content);
    add({ name, group, args: ["train", p, "-m", `{out}/${EXISTING_MODEL}`, "-q", ...extra], code: 2, error, what });
  };
  /** A train case expected to work (exit 0, the model written). */
  const trainOk = (name: string, group: string, data: string, what: string, extra: string[] = []): void => {
    add({ name, group, args: ["train", data, "-m", "{out}/new.xmc", "-q", "--threads", "1", ...extra], code: 0, creates: ["new.xmc"], what });
  };

  // ---- XC: silent wrong answers made errors ----------------------------------------------
  const g1 = "xc";
  trainBad("xc-value-1e400", g1, "xc/inf.txt", xc(["0 0:1e400 1:1", ...XC_TRAIN.slice(1)]), /xc\/inf\.txt:2: value "1e400" is out of range/, "1e400 overflows: error FILE:LINE");
  trainBad("xc-value-minus-1e400", g1, "xc/ninf.txt", xc([...XC_TRAIN.slice(0, 3), "1 1:-1e400", ...XC_TRAIN.slice(4)]), /xc\/ninf\.txt:5: value "-1e400" is out of range/, "-1e400 overflows: error FILE:LINE");
  trainBad("xc-value-1e39-float32", g1, "xc/f32.txt", xc(["0 0:1e39", ...XC_TRAIN.slice(1)]), /xc\/f32\.txt:2: value "1e39" is out of range \(features are 32-bit floats/, "1e39 overflows float32: error");
  trainBad("xc-value-nan", g1, "xc/nan.txt", xc(["0 0:nan", ...XC_TRAIN.slice(1)]), /xc\/nan\.txt:2: value "nan" is not a number/, "nan value: error");
  trainBad("xc-value-NaN", g1, "xc/nan2.txt", xc(["0 0:NaN", ...XC_TRAIN.slice(1)]), /xc\/nan2\.txt:2: value "NaN" is not a number/, "NaN value: error");
  trainBad("xc-value-Infinity", g1, "xc/infword.txt", xc(["0 0:Infinity", ...XC_TRAIN.slice(1)]), /xc\/infword\.txt:2: value "Infinity" is not a number/, "Infinity literal: error");
  trainBad("xc-value-hex", g1, "xc/hex.txt", xc(["0 0:0x10", ...XC_TRAIN.slice(1)]), /xc\/hex\.txt:2: value "0x10" is not a number/, "hex value: error");
  trainBad("xc-value-empty", g1, "xc/noval.txt", xc(["0 0:", ...XC_TRAIN.slice(1)]), /xc\/noval\.txt:2: value "" is not a number/, "truncated feature:value: error");
  trainBad("xc-duplicate-feature", g1, "xc/dup.txt", xc(["0 3:1 3:2", ...XC_TRAIN.slice(1)]), /xc\/dup\.txt:2: feature id 3 appears more than once in the row/, "duplicate feature id 3:1 3:2: error");
  trainBad("xc-duplicate-feature-apart", g1, "xc/dup2.txt", xc([...XC_TRAIN.slice(0, 5), "2 4:1 0:1 4:1", ...XC_TRAIN.slice(6)]), /xc\/dup2\.txt:7: feature id 4 appears more than once/, "duplicate feature id, not adjacent: error");
  trainBad("xc-no-labels", g1, "xc/nolabels.txt", xc(XC_TRAIN.map((r) => ` ${r.split(" ").slice(1).join(" ")}`)), /xc\/nolabels\.txt: no instance has a label \(12 instances\); training needs labelled data/, "training data without any label: error");
  trainBad("xc-no-labels-headerless", g1, "xc/nolabels2.txt", xc(XC_TRAIN.map((r) => ` ${r.split(" ").slice(1).join(" ")}`), null), /xc\/nolabels2\.txt: no instance has a label/, "header-less training data without any label: error");
  // ---- XC: header, ids, truncation (already errors) ---------------------------------------
  trainBad("xc-header-n-too-large", g1, "xc/short.txt", xc(XC_TRAIN, "20 6 3"), /xc\/short\.txt:13: the header says N = 20 instances, but the file has 12/, "truncated file (N larger than the rows)");
  trainBad("xc-header-n-too-small", g1, "xc/long.txt", xc(XC_TRAIN, "5 6 3"), /xc\/long\.txt:7: more instances than N = 5/, "more rows than N");
  trainBad("xc-header-non-numeric", g1, "xc/hdr-abc.txt", xc(XC_TRAIN, "a b c"), /xc\/hdr-abc\.txt:1: expected a header "N F L"/, "non-numeric header");
  trainBad("xc-header-two-numbers", g1, "xc/hdr-2.txt", xc(XC_TRAIN, "12 6"), /xc\/hdr-2\.txt:1: expected a header "N F L"/, "header with two numbers");
  trainBad("xc-header-negative", g1, "xc/hdr-neg.txt", xc(XC_TRAIN, "-12 6 3"), /xc\/hdr-neg\.txt:1: expected a header "N F L"/, "negative count in the header");
  trainBad("xc-header-huge", g1, "xc/hdr-huge.txt", xc(XC_TRAIN, "99999999999 6 3"), /xc\/hdr-huge\.txt:1: header "N F L" has a number too large/, "count beyond 2^31 in the header");
  trainBad("xc-header-zero-rows", g1, "xc/hdr-zero.txt", "0 6 3\n", /xc\/hdr-zero\.txt: no instances \(empty data\)/, "N = 0");
  trainBad("xc-header-zero-features", g1, "xc/hdr-f0.txt", xc(XC_TRAIN, "12 0 3"), /xc\/hdr-f0\.txt:2: feature id 0 out of range \(F = 0\)/, "F = 0 with features");
  trainBad("xc-header-zero-labels", g1, "xc/hdr-l0.txt", xc(XC_TRAIN, "12 6 0"), /xc\/hdr-l0\.txt:2: label id 0 out of range \(L = 0\)/, "L = 0 with labels");
  trainBad("xc-empty-file", g1, "xc/empty.txt", "", /xc\/empty\.txt: no instances \(empty data\)/, "empty file");
  trainBad("xc-feature-out-of-range", g1, "xc/fid.txt", xc(["0 9:1", ...XC_TRAIN.slice(1)]), /xc\/fid\.txt:2: feature id 9 out of range \(F = 6\)/, "feature id >= F");
  trainBad("xc-label-out-of-range", g1, "xc/lid.txt", xc(["7 0:1", ...XC_TRAIN.slice(1)]), /xc\/lid\.txt:2: label id 7 out of range \(L = 3\)/, "label id >= L");
  trainBad("xc-negative-feature-id", g1, "xc/negf.txt", xc(["0 -1:1", ...XC_TRAIN.slice(1)]), /xc\/negf\.txt:2: expected "feature:value", got "-1:1"/, "negative feature id");
  trainBad("xc-negative-label-id", g1, "xc/negl.txt", xc(["-1 0:1", ...XC_TRAIN.slice(1)]), /xc\/negl\.txt:2: expected comma-separated label ids/, "negative label id");
  trainBad("xc-label-trailing-comma", g1, "xc/comma.txt", xc(["0, 0:1", ...XC_TRAIN.slice(1)]), /xc\/comma\.txt:2: expected comma-separated label ids/, "label list ending in a comma");
  trainBad("xc-missing-colon", g1, "xc/nocolon.txt", xc(["0 0:1 5", ...XC_TRAIN.slice(1)]), /xc\/nocolon\.txt:2: expected "feature:value", got "5"/, "feature without :value");
  trainBad("xc-non-utf8", g1, "xc/latin1.txt", Buffer.concat([Buffer.from("12 6 3\n0 0:1"), Buffer.from([0xff, 0xfe]), Buffer.from(`\n${XC_TRAIN.slice(1).join("\n")}\n`)]), /xc\/latin1\.txt:2: not valid UTF-8/, "bytes that are not UTF-8");
  trainBad("xc-50mb-line", g1, "xc/huge-line.txt", `12 6 3\n${"9".repeat(50 * 1024 * 1024)} 0:1\n${XC_TRAIN.slice(1).join("\n")}\n`, /xc\/huge-line\.txt:2: expected comma-separated label ids "l1,l2,\.\.\.", got "9{60}\.\.\."/, "a 50 MB line: error with a short excerpt");
  trainBad("xc-label-names-too-few", g1, "xcnames-few/train.txt", xc(XC_TRAIN), /label_names\.txt: has 2 label names, but .*train\.txt has L = 3/, "label_names.txt with fewer names than L");
  put("bad/xcnames-few/label_names.txt", "alpha\nbeta\n");
  trainBad("xc-label-names-duplicate", g1, "xcnames-dup/train.txt", xc(XC_TRAIN), /label_names\.txt:3: duplicate label name "alpha" \(first on line 1\)/, "duplicate name in label_names.txt");
  put("bad/xcnames-dup/label_names.txt", "alpha\nbeta\nalpha\n");
  trainBad("xc-label-names-blank", g1, "xcnames-blank/train.txt", xc(XC_TRAIN), /label_names\.txt:2: empty label name/, "blank line inside label_names.txt");
  put("bad/xcnames-blank/label_names.txt", "alpha\n\nbeta\ngamma\n");
  // ---- XC: inputs that must work -----------------------------------------------------------
  const crlf = put("ok/xc/crlf.txt", xc(XC_TEST).replace(/\n/g, "\r\n"));
  const bom = put("ok/xc/bom.txt", `\ufeff${xc(XC_TEST)}`);
  const bomCrlf = put("ok/xc/bomcrlf.txt", `\ufeff${xc(XC_TEST).replace(/\n/g, "\r\n")}`);
  const tabs = put("ok/xc/tabs.txt", xc(XC_TEST).replace(/ /g, "\t"));
  const headerless = put("ok/xc/headerless.txt", xc(XC_TEST, null));
  const evalRef = ["evaluate", xcTest, "-m", M.xc, "-q", "--json"];
  for (const [n, p, w] of [["crlf", crlf, "CRLF line endings"], ["bom", bom, "a UTF-8 BOM"], ["bom-crlf", bomCrlf, "BOM and CRLF"], ["tabs", tabs, "tab separators"], ["headerless", headerless, "no header line"]] as const) {
    add({ name: `xc-works-${n}`, group: g1, args: ["evaluate", p, "-m", M.xc, "-q", "--json"], code: 0, sameStdoutAs: evalRef, what: `${w}: works, same metrics as the plain file` });
  }
  trainOk("xc-works-train-crlf-bom", g1, put("ok/xc/train-crlf.txt", `\ufeff${xc(XC_TRAIN).replace(/\n/g, "\r\n")}`), "training on a BOM + CRLF file works");
  trainOk("xc-works-float32-max", g1, put("ok/xc/f32max.txt", xc(["0 0:3.4e38 1:1e-400", ...XC_TRAIN.slice(1)])), "3.4e38 (fits float32) and 1e-400 (underflows to 0) are accepted");

  // ---- XC: predict and evaluate input -------------------------------------------------------
  const g2 = "predict/evaluate";
  const predInf = put("bad/pred/inf.txt", xc(["0 0:1", "1 1:1e400", "2 2:1"]));
  add({ name: "predict-value-1e400", group: g2, args: ["predict", predInf, "-m", M.xc, "-q"], code: 2, error: /pred\/inf\.txt:3: value "1e400" is out of range/, what: "1e400 in predict input: error FILE:LINE" });
  add({ name: "predict-value-1e39-to-file", group: g2, args: ["predict", put("bad/pred/f32.txt", xc(["0 0:1e39"], "1 6 3")), "-m", M.xc, "-q", "-o", `{out}/${EXISTING_PREDICTIONS}`], code: 2, error: /pred\/f32\.txt:2: value "1e39" is out of range/, what: "1e39 in predict input with -o: error, existing output unchanged" });
  add({ name: "predict-duplicate-feature", group: g2, args: ["predict", put("bad/pred/dup.txt", xc(["0 1:1 1:1"], "1 6 3")), "-m", M.xc, "-q"], code: 2, error: /pred\/dup\.txt:2: feature id 1 appears more than once/, what: "duplicate feature in predict input: error" });
  add({ name: "evaluate-value-1e400", group: g2, args: ["evaluate", predInf, "-m", M.xc, "-q"], code: 2, error: /pred\/inf\.txt:3: value "1e400" is out of range/, what: "1e400 in test data: error" });
  add({ name: "evaluate-more-features", group: g2, args: ["evaluate", put("bad/eval/wide.txt", xc(XC_TEST, "6 9 3")), "-m", M.xc, "-q"], code: 2, error: /eval\/wide\.txt: test data has 9 features, the model was trained on 6$/, what: "XC header with more features than the model: error" });
  add({ name: "evaluate-more-features-headerless", group: g2, args: ["evaluate", put("bad/eval/wide2.txt", xc([...XC_TEST, "0 8:1"], null)), "-m", M.xc, "-q"], code: 2, error: /eval\/wide2\.txt: test data has 9 features, the model was trained on 6$/, what: "header-less test data using feature ids past the model's: error" });
  add({ name: "evaluate-no-label-names", group: g2, args: ["evaluate", put("bad/eval-nonames/test.txt", xc(XC_TEST)), "-m", M.xcn, "-q"], code: 2, error: /eval-nonames\/test\.txt: none of the 6 test label occurrences is a label of this model/, what: "test folder without label_names.txt for a model trained with names: error" });
  add({ name: "evaluate-no-test-labels", group: g2, args: ["evaluate", put("bad/eval/unlabelled.txt", xc(XC_TEST.map((r) => ` ${r.split(" ").slice(1).join(" ")}`))), "-m", M.xc, "-q"], code: 2, error: /eval\/unlabelled\.txt: no test instance has a label \(6 instances\); evaluation needs labelled data/, what: "test rows all without labels: error" });
  add({ name: "evaluate-unknown-labels-warning", group: g2, args: ["evaluate", put("bad/eval/other.txt", xc(["0,3 0:1", "4 1:1", "2 2:1", "3,4 0:1"], "4 6 5")), "-m", M.xc, "-q"], code: 0, warning: /^xmc: warning: 4 of 6 test label occurrences are not labels of this model; they count as misses$/, stdout: /^metric/, what: "test labels unknown to the model: counted, warning on stderr" });
  add({ name: "evaluate-text-missing-labels", group: g2, args: ["evaluate", put("bad/eval/dom_texts.txt", "tomato soup\nlemon cake\n") && join(root, "bad/eval/dom"), "-m", M.text, "-q"], code: 2, error: /eval\/dom_labels\.txt: no such file/, what: "text test data without its labels file: error" });
  put("bad/eval2/dom_texts.txt", "tomato soup\nlemon cake\nsalmon\n");
  put("bad/eval2/dom_labels.txt", "cs.LG stat.ML\nmath.PR\nvegetarian cs.AI\n");
  add({ name: "evaluate-other-domain-partial", group: g2, args: ["evaluate", join(root, "bad/eval2/dom"), "-m", M.text, "-q"], code: 0, warning: /^xmc: warning: 4 of 5 test label occurrences are not labels of this model; they count as misses$/, what: "test set of another domain sharing one label: warning with counts" });
  put("bad/eval3/dom_texts.txt", "tomato soup\nlemon cake\n");
  put("bad/eval3/dom_labels.txt", "cs.LG stat.ML\nmath.PR\n");
  add({ name: "evaluate-other-domain-none", group: g2, args: ["evaluate", join(root, "bad/eval3/dom"), "-m", M.text, "-q"], code: 2, error: /eval3\/dom_labels\.txt: none of the 3 test label occurrences is a label of this model/, what: "test set of another domain (no shared label): error" });
  add({ name: "evaluate-text-on-feature-model", group: g2, args: ["evaluate", textTest, "-m", M.xc, "-q"], code: 2, error: /trained on features/, what: "text data for a feature model: error" });
  add({ name: "evaluate-features-on-text-model", group: g2, args: ["evaluate", xcTest, "-m", M.text, "-q"], code: 2, error: /trained on text/, what: "feature data for a text model: error" });
  add({ name: "predict-text-on-feature-model", group: g2, args: ["predict", textTest, "-m", M.xc, "-q"], code: 2, error: /trained on features/, what: "predict text with a feature model: error" });
  add({ name: "evaluate-arff-more-features", group: g2, args: ["evaluate", put("bad/arffwide/d-test.arff", ARFF_HEAD.replace("@attribute a", "@attribute f3 numeric\n@attribute a") + "1,0,0.5,1,1,0\n"), "-m", M.arff, "-q"], code: 2, error: /arffwide\/d-test\.arff: test data has 4 features, the model was trained on 3$/, what: "ARFF test data with more features than the model: error" });
  put("bad/arffwide/d.xml", XML);
  add({ name: "evaluate-empty-test", group: g2, args: ["evaluate", put("bad/eval/empty.txt", ""), "-m", M.xc, "-q"], code: 2, error: /eval\/empty\.txt: no instances \(empty data\)/, what: "empty test file: error" });
  add({ name: "evaluate-works", group: g2, args: ["evaluate", xcTest, "-m", M.xc, "-q"], code: 0, stdout: /^metric\s+@1\s+@3\nP\s+100\.00/, what: "clean test data (3 labels: the default cut-offs 1,3,5 stop at @3): exit 0, P@1 100" });
  add({ name: "evaluate-raw-scores-label", group: g2, args: ["evaluate", calTrain, "-m", M.cal, "-q", "--raw-scores", "true"], code: 0, stdout: /expected calibration error of the top-5 scores \(10 bins\): [\d.]+ % \(raw scores\)\n$/, what: "--raw-scores true: ECE labelled raw" });
  add({ name: "evaluate-calibrated-label", group: g2, args: ["evaluate", calTrain, "-m", M.cal, "-q"], code: 0, stdout: /expected calibration error of the top-5 scores \(10 bins\): [\d.]+ % \(calibrated\)\n$/, what: "calibrated model: ECE labelled calibrated" });
  add({ name: "evaluate-raw-scores-reliability", group: g2, args: ["evaluate", calTrain, "-m", M.cal, "-q", "--raw-scores", "true", "--reliability", "{out}/rel.svg"], code: 0, creates: ["rel.svg"], stdout: /\(raw scores\)/, fileMatches: [["rel.svg", /Reliability of the top-5 raw scores/]], what: "--raw-scores true: reliability plot titled raw scores" });
  add({ name: "evaluate-calibrated-reliability", group: g2, args: ["evaluate", calTrain, "-m", M.cal, "-q", "--reliability", "{out}/rel.svg"], code: 0, creates: ["rel.svg"], stdout: /\(calibrated\)/, fileMatches: [["rel.svg", /Reliability of the top-5 calibrated scores/]], what: "calibrated model: reliability plot titled calibrated scores" });
  add({ name: "evaluate-bad-ks", group: g2, args: ["evaluate", xcTest, "-m", M.xc, "-q", "--ks", "0,3"], code: 2, error: /^--ks: expected comma-separated positive integers, got "0,3"$/, what: "--ks 0: error" });
  add({ name: "evaluate-bad-ps-a", group: g2, args: ["evaluate", xcTest, "-m", M.xc, "-q", "--ps-a", "abc"], code: 2, error: /^--ps-a: expected a number, got "abc"$/, what: "--ps-a abc: error" });
  add({ name: "evaluate-missing-data", group: g2, args: ["evaluate", join(root, "nope.txt"), "-m", M.xc, "-q"], code: 2, error: /nope\.txt: no such file/, what: "missing test data: error" });

  // ---- ARFF ----------------------------------------------------------------------------------
  const g3 = "arff";
  const arffBad = (name: string, dir: string, rows: string[] | string | Buffer, error: RegExp, what: string, xml: string | null = XML): void => {
    if (xml !== null) put(`bad/${dir}/d.xml`, xml);
    trainBad(name, g3, `${dir}/d-train.arff`, Array.isArray(rows) ? ARFF_HEAD + rows.join("\n") + "\n" : rows, error, what);
  };
  arffBad("arff-value-1e400", "a-inf", ["1e400,0,0,1,0", ...ARFF_ROWS], /a-inf\/d-train\.arff:8: value "1e400" is out of range/, "dense 1e400: error FILE:LINE");
  arffBad("arff-value-minus-1e400-sparse", "a-ninf", [...ARFF_ROWS, "{1 -1e400,3 1}"], /a-ninf\/d-train\.arff:16: value "-1e400" is out of range/, "sparse -1e400: error");
  arffBad("arff-value-1e39", "a-f32", ["0,1e39,0,1,0", ...ARFF_ROWS], /a-f32\/d-train\.arff:8: value "1e39" is out of range/, "1e39 overflows float32: error");
  arffBad("arff-value-nan", "a-nan", ["nan,0,0,1,0", ...ARFF_ROWS], /a-nan\/d-train\.arff:8: value "nan" is not a number/, "nan: error");
  arffBad("arff-duplicate-sparse", "a-dup", [...ARFF_ROWS, "{0 1,0 1,3 1}"], /a-dup\/d-train\.arff:16: attribute index 0 appears more than once in the sparse row/, "{0 1, 0 1}: error");
  arffBad("arff-duplicate-sparse-label", "a-dupl", [...ARFF_ROWS, "{0 1,3 1,3 1}"], /a-dupl\/d-train\.arff:16: attribute index 3 appears more than once/, "a {0,1} label given twice: error");
  arffBad("arff-no-labels", "a-nolab", ARFF_ROWS.map((r) => r.split(",").slice(0, 3).join(",") + ",0,0"), /a-nolab\/d-train\.arff: no instance has a label \(8 instances\)/, "no instance has a label: error");
  arffBad("arff-missing-xml", "a-noxml", ARFF_ROWS, /a-noxml\/d\.xml: no such file \(expected the Mulan label list/, "no .xml beside the .arff: error naming it", null);
  arffBad("arff-xml-not-xml", "a-junk", ARFF_ROWS, /a-junk\/d\.xml: no <label name="\.\.\."> elements/, "an .xml that is not XML: error naming it", "\u0000\u0001garbage, not xml\n");
  arffBad("arff-xml-unreadable", "a-xmldir", ARFF_ROWS, /a-xmldir\/d\.xml: is a directory, expected a file/, "the .xml is a directory (unreadable): error naming it", null);
  mkdirSync(bad("a-xmldir/d.xml"), { recursive: true });
  arffBad("arff-xml-unknown-label", "a-xmlc", ARFF_ROWS, /a-xmlc\/d\.xml:5: label "c" is not an attribute of .*d-train\.arff/, "XML label not an attribute: error", XML.replace('<label name="b"></label>', '<label name="b"></label>\n<label name="c"></label>'));
  arffBad("arff-xml-duplicate-label", "a-xmldup", ARFF_ROWS, /a-xmldup\/d\.xml:4: duplicate label name "a" \(first on line 3\)/, "duplicate XML label: error", XML.replace('<label name="b"></label>', '<label name="a"></label>'));
  arffBad("arff-bad-type", "a-type", ARFF_HEAD.replace("f2 numeric", "f2 string") + ARFF_ROWS.join("\n"), /a-type\/d-train\.arff:4: attribute "f2": expected type numeric, real, integer/, "unsupported attribute type: error");
  arffBad("arff-no-data", "a-nodata", ARFF_HEAD.replace("@data\n", ""), /a-nodata\/d-train\.arff:6: expected "@data" before the end of the file/, "no @data: error");
  arffBad("arff-column-count", "a-cols", ["1,0,1,0", ...ARFF_ROWS], /a-cols\/d-train\.arff:8: expected 5 comma-separated values, got 4/, "row with too few values: error");
  arffBad("arff-sparse-out-of-range", "a-idx", [...ARFF_ROWS, "{9 1}"], /a-idx\/d-train\.arff:16: attribute index 9 out of range \(5 attributes\)/, "sparse index out of range: error");
  arffBad("arff-sparse-unclosed", "a-brace", [...ARFF_ROWS, "{0 1,3 1"], /a-brace\/d-train\.arff:16: expected a sparse row/, "unclosed sparse row (truncated): error");
  arffBad("arff-nominal-bad-value", "a-nom", ["1,0,0,2,0", ...ARFF_ROWS], /a-nom\/d-train\.arff:8: value "2" of attribute "a" is not one of \{0,1\}/, "label value outside {0,1}: error");
  arffBad("arff-bad-number", "a-num", ["1,x,0,1,0", ...ARFF_ROWS], /a-num\/d-train\.arff:8: value "x" is not a number/, "non-numeric value: error");
  arffBad("arff-empty-data", "a-empty", ARFF_HEAD, /a-empty\/d-train\.arff: no instances \(empty data\)/, "no rows after @data: error");
  arffBad("arff-unterminated-name", "a-quote", ARFF_HEAD.replace("@attribute f0 numeric", "@attribute 'f0 numeric") + ARFF_ROWS.join("\n"), /a-quote\/d-train\.arff:2: unterminated quoted attribute name/, "unterminated quoted name: error");
  arffBad("arff-garbage-line", "a-garb", "hello\n" + ARFF_HEAD, /a-garb\/d-train\.arff:1: expected "@relation", "@attribute" or "@data"/, "text before the header: error");
  arffBad("arff-non-utf8", "a-latin1", Buffer.concat([Buffer.from(ARFF_HEAD), Buffer.from([0x31, 0xe9, 0x2c]), Buffer.from("0,0,1,0\n"), Buffer.from(ARFF_ROWS.join("\n"))]), /a-latin1\/d-train\.arff:8: not valid UTF-8/, "bytes that are not UTF-8: error");
  const arffCrlf = put("ok/arff/d-test.arff", (ARFF_HEAD + ARFF_ROWS.slice(0, 4).join("\n") + "\n").replace(/\n/g, "\r\n"));
  put("ok/arff/d.xml", XML);
  add({ name: "arff-works-crlf", group: g3, args: ["evaluate", arffCrlf, "-m", M.arff, "-q", "--json"], code: 0, sameStdoutAs: ["evaluate", arffTest, "-m", M.arff, "-q", "--json"], what: "CRLF ARFF: works, same metrics" });
  const arffBom = put("ok/arffbom/d-test.arff", `\ufeff${ARFF_HEAD}${ARFF_ROWS.slice(0, 4).join("\n")}\n`);
  put("ok/arffbom/d.xml", XML);
  add({ name: "arff-works-bom", group: g3, args: ["evaluate", arffBom, "-m", M.arff, "-q", "--json"], code: 0, sameStdoutAs: ["evaluate", arffTest, "-m", M.arff, "-q", "--json"], what: "BOM ARFF: works, same metrics" });
  const arffSparse = put("ok/arffsparse/d-test.arff", `${ARFF_HEAD}{0 1,2 0.5,3 1}\n{1 1,2 0.5,4 1}\n{0 1,3 1}\n{1 1,4 1}\n`);
  put("ok/arffsparse/d.xml", XML);
  add({ name: "arff-works-sparse", group: g3, args: ["evaluate", arffSparse, "-m", M.arff, "-q", "--json"], code: 0, sameStdoutAs: ["evaluate", arffTest, "-m", M.arff, "-q", "--json"], what: "the same rows written sparse: same metrics" });

  // ---- text ---------------------------------------------------------------------------------
  const g4 = "text";
  const textBad = (name: string, dir: string, texts: string | Buffer | null, labels: string | Buffer | null, error: RegExp, what: string, extra: string[] = []): void => {
    if (texts !== null) put(`bad/${dir}/t_texts.txt`, texts);
    if (labels !== null) put(`bad/${dir}/t_labels.txt`, labels);
    add({ name, group: g4, args: ["train", bad(`${dir}/t`), "-m", `{out}/${EXISTING_MODEL}`, "-q", ...extra], code: 2, error, what });
  };
  const T = `${TEXTS.join("\n")}\n`;
  const TL = `${TEXT_LABELS.join("\n")}\n`;
  textBad("text-no-labels", "t-nolab", T, "\n".repeat(TEXTS.length), /t-nolab\/t_labels\.txt: no instance has a label \(12 instances\); training needs labelled data/, "text data without any label: error");
  textBad("text-all-empty", "t-empty", "\n".repeat(TEXTS.length), TL, /t-empty\/t_texts\.txt: every one of the 12 texts is empty; training needs texts/, "all-empty documents: error naming the file");
  for (const m of ["syncxml", "inceptionxml", "prime"]) {
    textBad(`text-all-empty-${m}`, "t-empty", null, null, /t-empty\/t_texts\.txt: every one of the 12 texts is empty/, `all-empty documents, --method ${m}: error`, ["--method", m]);
    textBad(`text-no-labels-${m}`, "t-nolab", null, null, /t-nolab\/t_labels\.txt: no instance has a label \(12 instances\)/, `no instance has a label, --method ${m}: error`, ["--method", m]);
  }
  put("bad/t-empty/labels.txt", "italian\nvegetarian\nsoup\ndessert\nbaking\nfish\nsalad\n");
  put("bad/t-nolab/labels.txt", "italian\nvegetarian\nsoup\ndessert\nbaking\nfish\nsalad\n");
  textBad("text-no-words", "t-punct", ". , ;\n".repeat(TEXTS.length), TL, /t-punct\/t_texts\.txt: text\.vectorizers\[0\]: none of the 12 texts has a word n-gram \(are the texts empty\?\)/, "texts of punctuation only: error naming the file and setting");
  textBad("text-min-df", "t-mindf", T, TL, /t-mindf\/t_texts\.txt: text\.vectorizers\[0\]: no n-gram left after minDf=50\/maxDf=1 filtering .*; lower text\.vectorizers\[0\]\.minDf/, "minDf removes every n-gram: error naming the setting", ["--params", put("bad/t-mindf/p.json", '{"text":{"vectorizers":[{"analyzer":"word","minDf":50}]}}')]);
  textBad("text-line-count", "t-count", T, TEXT_LABELS.slice(1).join("\n") + "\n", /t-count\/t_texts\.txt: has 12 lines but .*t_labels\.txt has 11; they must match/, "texts and labels of different lengths: error");
  textBad("text-missing-labels", "t-nolabfile", T, null, /t-nolabfile\/t_labels\.txt: no such file/, "missing PREFIX_labels.txt: error");
  textBad("text-empty-files", "t-zero", "", "", /t-zero\/t_texts\.txt: no instances \(empty data\)/, "empty texts and labels files: error");
  trainOk("text-non-utf8-texts", g4, (put("ok/t-latin1/t_texts.txt", Buffer.concat([Buffer.from(TEXTS.slice(0, 3).join("\n") + "\ncr"), Buffer.from([0xe8, 0x6d, 0x65]), Buffer.from(` ${TEXTS[3]}\n${TEXTS.slice(4).join("\n")}\n`)])), put("ok/t-latin1/t_labels.txt", TL), join(root, "ok/t-latin1/t")), "Latin-1 bytes in the texts: read as U+FFFD (one unknown character), trains");
  textBad("text-non-utf8-labels", "t-latin1-labels", T, Buffer.concat([Buffer.from(TEXT_LABELS.slice(0, 2).join("\n") + "\ncaf"), Buffer.from([0xe9]), Buffer.from(`\n${TEXT_LABELS.slice(3).join("\n")}\n`)]), /t-latin1-labels\/t_labels\.txt:3: not valid UTF-8/, "Latin-1 bytes in a label name: error FILE:LINE");
  textBad("text-labels-txt-unknown", "t-list", T, TL, /t-list\/t_labels\.txt:1: label "italian" is not in .*labels\.txt/, "a label missing from labels.txt: error");
  put("bad/t-list/labels.txt", "soup\tsoups\ndessert\tsweet things\n");
  textBad("text-labels-txt-duplicate", "t-listdup", T, TL, /t-listdup\/labels\.txt:3: duplicate label name "soup" \(first on line 1\)/, "duplicate name in labels.txt: error");
  put("bad/t-listdup/labels.txt", "soup\tsoups\ndessert\tsweet\nsoup\tagain\n");
  textBad("text-labels-txt-empty-name", "t-listempty", T, TL, /t-listempty\/labels\.txt:2: expected "name<TAB>text"/, "labels.txt line with an empty name: error");
  put("bad/t-listempty/labels.txt", "soup\tsoups\n\tno name\n");
  add({ name: "text-missing-prefix", group: g4, args: ["train", bad("t-none/t"), "-m", `{out}/${EXISTING_MODEL}`, "-q"], code: 2, error: /t-none\/t: no such file; expected an XC \.txt file, an \.arff file, or a text PREFIX/, what: "missing data: error" });
  mkdirSync(bad("t-none"), { recursive: true });
  add({ name: "text-directory-as-data", group: g4, args: ["train", bad("t-none"), "-m", `{out}/${EXISTING_MODEL}`, "-q"], code: 2, error: /t-none: is a directory; expected an XC \.txt file/, what: "a directory as DATA: \"is a directory\"" });
  add({ name: "text-directory-as-texts", group: g4, args: ["train", bad("t-dir/t"), "-m", `{out}/${EXISTING_MODEL}`, "-q"], code: 2, error: /t-dir\/t_texts\.txt: is a directory, expected a file|t-dir\/t: is a directory/, what: "PREFIX_texts.txt is a directory: error" });
  mkdirSync(bad("t-dir/t_texts.txt"), { recursive: true });
  const textCrlf = join(root, "ok/textcrlf/test");
  put("ok/textcrlf/test_texts.txt", "\ufefftomato basil soup\r\nsalmon with dill and lemon\r\nberry tart with cream\r\n");
  put("ok/textcrlf/test_labels.txt", "soup vegetarian\r\nfish\r\ndessert baking\r\n");
  add({ name: "text-works-crlf-bom", group: g4, args: ["evaluate", textCrlf, "-m", M.text, "-q", "--json"], code: 0, sameStdoutAs: ["evaluate", textTest, "-m", M.text, "-q", "--json"], what: "BOM + CRLF texts and labels: works, same metrics" });
  add({ name: "text-works-predict-crlf", group: g4, args: ["predict", textCrlf, "-m", M.text, "-q"], code: 0, sameStdoutAs: ["predict", textTest, "-m", M.text, "-q"], what: "predict on BOM + CRLF texts: same predictions" });
  add({ name: "text-works-predict-no-labels", group: g4, args: ["predict", put("ok/textnolab/q_texts.txt", "tomato basil soup\nsalmon with dill and lemon\nberry tart with cream\n") && join(root, "ok/textnolab/q"), "-m", M.text, "-q"], code: 0, sameStdoutAs: ["predict", textTest, "-m", M.text, "-q"], what: "predict without PREFIX_labels.txt: works" });
  trainOk("text-works-train-crlf", g4, (put("ok/texttrain/t_texts.txt", T.replace(/\n/g, "\r\n")), put("ok/texttrain/t_labels.txt", TL.replace(/\n/g, "\r\n")), join(root, "ok/texttrain/t")), "training on CRLF texts works");
  add({ name: "text-8mb-line-predict", group: g4, args: ["predict", (put("big/q_texts.txt", `${"tomato basil ".repeat(640 * 1024)}\nlemon cake\n`), join(root, "big/q")), "-m", M.text, "-q"], code: 0, stdout: /^\{.*\n\{.*\n$/, what: "an 8 MB text line: predicted (two output lines)" });

  // ---- models --------------------------------------------------------------------------------
  const g5 = "model";
  const modelBad = (name: string, rel: string, make: (m: Buffer) => Buffer, error: RegExp, what: string): void => {
    modelFiles.push([rel, make]);
    add({ name, group: g5, args: ["predict", xcTest, "-m", bad(rel), "-q"], code: 2, error, what });
  };
  /** The file offset of the first byte of a named array (preamble: 24 bytes, header length at 12). */
  const arrayByte = (m: Buffer, name: string): number => {
    const headerBytes = m.readUInt32LE(12);
    const header = JSON.parse(m.subarray(24, 24 + headerBytes).toString("utf8")) as { arrays: Record<string, { offset: number }> };
    return Math.ceil((24 + headerBytes) / 8) * 8 + header.arrays[name].offset;
  };
  const flip = (m: Buffer, at: number): Buffer => {
    const c = Buffer.from(m);
    c[at] ^= 0x40;
    return c;
  };
  modelBad("model-empty", "models/empty.xmc", () => Buffer.alloc(0), /models\/empty\.xmc: not an xmc model file/, "0-byte model: error");
  modelBad("model-text-file", "models/text.xmc", () => Buffer.from("this is not a model\n"), /models\/text\.xmc: not an xmc model file/, "a text file as model: error");
  modelBad("model-truncated-preamble", "models/pre.xmc", (m) => m.subarray(0, 12), /models\/pre\.xmc: the file is truncated \(12 bytes, shorter than its preamble\)/, "cut inside the preamble: error");
  modelBad("model-truncated-header", "models/hdr.xmc", (m) => m.subarray(0, 40), /models\/hdr\.xmc: the file is truncated \(40 bytes, its header alone needs/, "cut inside the header: error");
  modelBad("model-truncated-half", "models/half.xmc", (m) => m.subarray(0, Math.floor(m.length / 2) + 1), /models\/half\.xmc: the file is truncated/, "cut in half: error");
  modelBad("model-truncated-last-byte", "models/last.xmc", (m) => m.subarray(0, m.length - 1), /models\/last\.xmc: the file is truncated/, "last byte missing: error");
  modelBad("model-extra-bytes", "models/extra.xmc", (m) => Buffer.concat([m, Buffer.from("junk")]), /models\/extra\.xmc: the file is longer than its header says/, "bytes appended: error");
  modelBad("model-flipped-array-byte", "models/flip.xmc", (m) => flip(m, arrayByte(m, "trainLabelCounts")), /models\/flip\.xmc: array "[^"]+" fails its checksum \(the file is corrupt\)/, "a flipped byte in an array: checksum error");
  modelBad("model-flipped-header-byte", "models/fliph.xmc", (m) => flip(m, 30), /models\/fliph\.xmc: the header fails its checksum/, "a flipped byte in the header: checksum error");
  modelBad("model-wrong-version", "models/ver.xmc", (m) => flip(m, 8), /models\/ver\.xmc: model format \d+ is not supported/, "another format version: error");
  modelBad("model-bad-magic", "models/magic.xmc", (m) => flip(m, 0), /models\/magic\.xmc: not an xmc model file/, "a flipped magic byte: error");
  add({ name: "model-missing", group: g5, args: ["predict", xcTest, "-m", bad("models/none.xmc"), "-q"], code: 2, error: /models\/none\.xmc: no such model file/, what: "missing model: error" });
  add({ name: "model-directory", group: g5, args: ["evaluate", xcTest, "-m", bad("models"), "-q"], code: 2, error: /bad\/models: is a directory, not an xmc model file/, what: "a directory as model: error" });
  add({ name: "model-evaluate-flipped", group: g5, args: ["evaluate", xcTest, "-m", bad("models/flip.xmc"), "-q"], code: 2, error: /models\/flip\.xmc: array "[^"]+" fails its checksum/, what: "evaluate with a corrupt model: error" });
  // targets of train -m
  add({ name: "train-target-not-a-model", group: g5, args: ["train", xcTrain, "-m", `{out}/${EXISTING_PREDICTIONS}`, "-q"], code: 2, error: /pred\.jsonl: exists and is not an xmc model file; refusing to overwrite it/, what: "train -m onto a file that is not a model: refused, file unchanged" });
  add({ name: "train-target-directory", group: g5, args: ["train", xcTrain, "-m", "{out}", "-q"], code: 2, error: /\(-m\): is a directory; expected a file path/, what: "train -m onto a directory: refused before training" });
  add({ name: "train-target-new-directory", group: g5, args: ["train", xcTrain, "-m", "{out}/no/such/dir/m.xmc", "-q", "--threads", "1"], code: 0, creates: ["no"], what: "train -m into a missing directory: the directories are created" });
  add({ name: "train-replaces-model", group: g5, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--threads", "1"], code: 0, creates: [], what: "train -m onto an existing model: replaced, no temp file left" });

  // ---- params --------------------------------------------------------------------------------
  const g6 = "params";
  const paramsBad = (name: string, json: string, error: RegExp, what: string): void => {
    const p = put(`bad/params/${name}.json`, json);
    add({ name, group: g6, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--params", p], code: 2, error, what });
  };
  paramsBad("params-invalid-json", '{"solver": {"cp": 1,}}', /params-invalid-json\.json: not valid JSON/, "invalid JSON: error naming the file");
  paramsBad("params-empty-file", "", /params-empty-file\.json: not valid JSON/, "empty params file: error");
  paramsBad("params-array", "[1,2]", /params-array\.json: expected a JSON object of params sections/, "a JSON array: error");
  paramsBad("params-unknown-section", '{"solvr": {}}', /unknown section "solvr" \(known: /, "unknown section: error listing the known ones");
  paramsBad("params-unknown-key", '{"solver": {"cpp": 1}}', /solver: unknown parameter "cpp" \(known: /, "unknown key: error listing the known ones");
  paramsBad("params-wrong-type", '{"solver": {"Cp": "abc"}}', /solver\.Cp: expected a number, got "abc"/, "string for a number: error");
  paramsBad("params-null", '{"solver": {"Cp": null}}', /solver\.Cp: expected a number, got null/, "null for a number: error");
  paramsBad("params-1e400", '{"solver": {"Cp": 1e400}}', /solver\.Cp: expected a number, got a number out of range/, "1e400 in params: out of range, not \"got null\"");
  paramsBad("params-below-min", '{"tree": {"nrSplits": 1}}', /tree\.nrSplits: must be at least 2, got 1/, "value below the minimum: error");
  paramsBad("params-not-integer", '{"tree": {"nrSplits": 2.5}}', /tree\.nrSplits: expected an integer, got 2\.5/, "fraction for an integer: error");
  paramsBad("params-bad-choice", '{"solver": {"loss": "hinge"}}', /solver\.loss: expected one of squared-hinge, logistic, got "hinge"/, "value outside the choices: error");
  paramsBad("params-bad-boolean", '{"train": {"normalize": "yes"}}', /train\.normalize: expected true or false, got "yes"/, "non-boolean: error");
  paramsBad("params-section-not-object", '{"solver": 3}', /solver: expected an object of parameters/, "section that is not an object: error");
  add({ name: "params-missing-file", group: g6, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--params", bad("params/none.json")], code: 2, error: /params\/none\.json: no such file or bundled preset/, what: "missing params file: error" });
  add({ name: "params-flag-1e400", group: g6, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--cp", "1e400"], code: 2, error: /solver\.Cp: expected a number, got "1e400" out of range/, what: "--cp 1e400: out of range" });
  add({ name: "params-flag-not-number", group: g6, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--cp", "abc"], code: 2, error: /solver\.Cp: expected a number, got "abc"$/, what: "--cp abc: error" });
  add({ name: "predict-flag-bad-beam", group: g6, args: ["predict", xcTest, "-m", M.xc, "-q", "--beam-size", "0"], code: 2, error: /beamSize: must be at least 1, got 0/, what: "--beam-size 0: error" });
  add({ name: "predict-flag-other-method", group: g6, args: ["predict", xcTest, "-m", M.xc, "-q", "--shortlist", "5"], code: 2, error: /^--shortlist: not a prediction option of xr-linear models/, what: "another method's prediction flag: error" });

  // ---- the command line: usage errors, resource caps, outputs, pipes, params keys ----------
  const g7 = "cli";
  add({ name: "usage-unknown-option", group: g7, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "--nope"], code: 2, error: /unknown option '--nope'/, what: "unknown option: one xmc: error line, exit 2" });
  add({ name: "usage-missing-argument", group: g7, args: ["evaluate", "-m", M.xc], code: 2, error: /missing required argument/, what: "missing DATA: one xmc: error line, exit 2" });
  add({ name: "usage-missing-model-option", group: g7, args: ["predict", xcTest], code: 2, error: /required option '-m, --model <FILE>' not specified/, what: "missing -m: one line, exit 2" });
  add({ name: "usage-unknown-command", group: g7, args: ["trian", xcTrain], code: 2, error: /unknown command 'trian'/, what: "unknown verb: one line, exit 2" });
  add({ name: "threads-zero", group: g6, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--threads", "0"], code: 2, error: /^--threads: expected a positive integer, got "0"$/, what: "--threads 0: error" });
  add({ name: "threads-huge", group: g7, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--threads", "100000"], code: 2, error: /--threads/, timeoutMs: 3000, what: "--threads 100000: capped or refused" });
  add({ name: "ks-huge", group: g7, args: ["evaluate", xcTest, "-m", M.xc, "-q", "--ks", "100000000"], code: 0, warning: /^xmc: warning: cut-offs above the model's 3 labels \(@100000000\) are reported as @3$/, timeoutMs: 5000, what: "--ks 1e8: capped at the number of labels, with a warning" });
  add({ name: "predict-o-missing-dir", group: g7, args: ["predict", xcTest, "-m", M.xc, "-q", "-o", "{out}/no/dir/p.jsonl"], code: 2, error: /p\.jsonl/, what: "predict -o into a missing directory: one error line" });
  add({ name: "predict-o-directory", group: g7, args: ["predict", xcTest, "-m", M.xc, "-q", "-o", "{out}"], code: 2, error: /is a directory/, what: "predict -o onto a directory: error" });
  add({ name: "predict-o-replaces", group: g7, args: ["predict", xcTest, "-m", M.xc, "-q", "-o", `{out}/${EXISTING_PREDICTIONS}`], code: 0, creates: [], what: "predict -o onto an existing file: replaced atomically, no temp file" });
  add({ name: "predict-epipe", group: g7, args: [], shell: `set -o pipefail; "$XMC_NODE" "$XMC" predict ${JSON.stringify(put("ok/many.txt", xc(Array.from({ length: 5000 }, (_, i) => XC_TEST[i % 6]), "5000 6 3")))} -m ${JSON.stringify(M.xc)} -q | head -c 1 >/dev/null`, code: 0, what: "predict | head -c 1: no EPIPE stack trace" });
  add({ name: "params-proto-key", group: g7, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--params", put("bad/params/proto.json", '{"__proto__": {"Cp": 2}}')], code: 2, error: /unknown section "__proto__"/, what: "__proto__ section in params: unknown section" });
  add({ name: "params-proto-key-inner", group: g7, args: ["train", xcTrain, "-m", `{out}/${EXISTING_MODEL}`, "-q", "--params", put("bad/params/proto2.json", '{"solver": {"__proto__": {"Cp": 2}}}')], code: 2, error: /unknown parameter "__proto__"/, what: "__proto__ key in a section: unknown parameter" });
  add({ name: "reliability-missing-dir", group: g7, args: ["evaluate", calTrain, "-m", M.cal, "-q", "--reliability", "{out}/no/dir/r.svg"], code: 2, error: /r\.svg/, what: "--reliability into a missing directory: one error line" });
  return { cases, setup };
}

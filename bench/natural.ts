/**
 * `npm run bench -- --suite natural [--natural-dir DIR] [--only NAME[,NAME]] [--params JSON|FILE]
 *   [--threads N] [--out NAME] [--refresh-references]`
 *
 * XR-Linear with defaults (or `--params`) from raw text on every text data set: the shared
 * debian-debtags and wordnet-hyper3, and each set built by `npm run data:build` found under
 * `--natural-dir` (default `data/natural/`). Each row sits next to the set's references: the most
 * popular labels, a TF-IDF 10-nearest-neighbour vote, and xmc with one tree on word-unigram
 * TF-IDF (min_df 2, sublinear tf, as scikit-learn's TfidfVectorizer). References are kept in
 * bench/results/natural-references.json and recomputed when a set's sizes change or with
 * `--refresh-references`. Writes bench/results/NAME.{md,json} (default `natural`).
 */
import { execSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonArg, takeFlag, takeSwitch } from "./util.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const shared = process.env.XMC_DATA ?? join(root, "..", "shared", "data");

/** One tree on word unigrams: the sklearn-like features the peers are run on. */
export const UNIGRAM_ONE_TREE = { text: { vectorizers: [{ analyzer: "word", ngramMin: 1, ngramMax: 1, minDf: 2, sublinearTf: true }] }, ensemble: { trees: 1 } };

const args = process.argv.slice(2);
takeFlag(args, "--suite", "natural");
const naturalDir = resolve(takeFlag(args, "--natural-dir", join(root, "data", "natural")));
const only = takeFlag(args, "--only", "").split(",").filter((s) => s !== "");
const params = JSON.stringify(jsonArg(takeFlag(args, "--params", "{}")));
const threads = takeFlag(args, "--threads", "2");
const outName = takeFlag(args, "--out", "natural");
const refresh = takeSwitch(args, "--refresh-references");

interface TextSet {
  name: string;
  dir: string;
  kind: string;
}

const sets: TextSet[] = [
  { name: "debian-debtags", dir: join(shared, "debian-debtags"), kind: "package descriptions -> debtags (shared)" },
  { name: "wordnet-hyper3", dir: join(shared, "wordnet-hyper3"), kind: "WordNet glosses -> hypernyms (shared)" },
];
const BUILD_HINT = "build them with `npm run data:build -- NAME` (NAME: man-seealso, man-name, gcide-xref; `npm run data:build -- --list`), or point --natural-dir at a folder holding them";
let natural: string[] = [];
if (existsSync(naturalDir)) natural = readdirSync(naturalDir).filter((d) => !d.startsWith(".") && existsSync(join(naturalDir, d, "train_texts.txt"))).sort();
if (natural.length === 0) process.stderr.write(`bench natural: no data set under ${naturalDir}; ${BUILD_HINT}\n`);
for (const d of natural) {
  let kind = "";
  try {
    kind = (JSON.parse(readFileSync(join(naturalDir, d, "stats.json"), "utf8")) as { kind?: string }).kind ?? "";
  } catch {}
  sets.push({ name: d, dir: join(naturalDir, d), kind });
}
const chosen = sets.filter((s) => only.length === 0 || only.includes(s.name));
for (const s of chosen) if (!existsSync(join(s.dir, "train_texts.txt"))) throw new Error(`bench natural: ${s.dir}/train_texts.txt is missing`);

function runJson(script: string, argv: string[]): any {
  const r = spawnSync(process.execPath, [join(here, script), ...argv], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`${script} ${argv.join(" ")} failed`);
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const refPath = join(root, "bench", "results", "natural-references.json");
const refs: Record<string, any> = existsSync(refPath) ? JSON.parse(readFileSync(refPath, "utf8")) : {};
const sizes = (dir: string) => ["train_labels.txt", "test_labels.txt"].map((f) => readFileSync(join(dir, f), "utf8").split("\n").length - 1).join("/");

const rows: any[] = [];
for (const s of chosen) {
  const size = sizes(s.dir);
  let ref = refs[s.name];
  if (refresh || ref === undefined || ref.size !== size) {
    process.stderr.write(`bench natural: ${s.name}: references ...\n`);
    const base = runJson("natural-ref.js", [s.dir]);
    const uni = runJson("one.js", [join(s.dir, "train"), join(s.dir, "test"), JSON.stringify(UNIGRAM_ONE_TREE), threads]);
    ref = { size, ...base, unigramOneTree: { metrics: uni.metrics, trainCpu: uni.trainCpu, trainWall: uni.trainWall }, date: new Date().toISOString() };
    refs[s.name] = ref;
    mkdirSync(dirname(refPath), { recursive: true });
    writeFileSync(refPath, `${JSON.stringify(refs, null, 1)}\n`);
  }
  process.stderr.write(`bench natural: ${s.name}: xmc ${params} ...\n`);
  const res = runJson("one.js", [join(s.dir, "train"), join(s.dir, "test"), params, threads]);
  rows.push({ ...s, ref, res });
  const m = res.metrics;
  process.stderr.write(`  P@1/3/5 ${[m["P@1"], m["P@3"], m["P@5"]].map((v: number) => v.toFixed(2)).join("/")}, train ${res.trainCpu.toFixed(1)} s CPU\n`);
}

const p3 = (m: any) => `${m["P@1"].toFixed(2)} / ${m["P@3"].toFixed(2)} / ${m["P@5"].toFixed(2)}`;
let commit = "unknown";
try {
  commit = execSync("git rev-parse --short HEAD", { cwd: root, encoding: "utf8" }).trim();
} catch {}
let md = `# Natural text data sets (${outName})\n\n`;
md += `Command: \`npm run bench -- ${process.argv.slice(2).join(" ")}\`; commit ${commit}; ${new Date().toISOString()}; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${threads} threads; params ${params}.\n\n`;
md += "P@1 / P@3 / P@5 (%), then PSP@1. References: most popular training labels; TF-IDF 10-NN vote (word unigrams, min_df 2, sublinear tf); xmc with one tree on the same unigram TF-IDF. `≥ refs` says whether the run is at least the best of the 10-NN vote and the one-tree unigram xmc at each of P@1, P@3, P@5. CPU: training, user + sys seconds.\n\n";
md += "| set | train / test / labels | unseen test labels | popular | TF-IDF 10-NN | xmc 1 tree, unigrams (CPU s) | xmc run (CPU s) | PSP@1 10-NN / 1 tree / run | ≥ refs |\n|---|---|---|---|---|---|---|---|---|\n";
for (const r of rows) {
  const { ref, res } = r;
  const m = res.metrics;
  const ok = ["P@1", "P@3", "P@5"].every((k) => m[k] >= Math.max(ref.knn[k], ref.unigramOneTree.metrics[k]));
  md += `| ${r.name} | ${ref.nTrain} / ${ref.nTest} / ${ref.nLabels} | ${(ref.unseenTestLabelFraction * 100).toFixed(1)} % | ${p3(ref.popular)} | ${p3(ref.knn)} | ${p3(ref.unigramOneTree.metrics)} (${ref.unigramOneTree.trainCpu.toFixed(1)}) | ${p3(m)} (${res.trainCpu.toFixed(1)}) | ${ref.knn["PSP@1"].toFixed(2)} / ${ref.unigramOneTree.metrics["PSP@1"].toFixed(2)} / ${m["PSP@1"].toFixed(2)} | ${ok ? "yes" : "no"} |\n`;
}
md += `\nSets: ${rows.map((r) => `${r.name}: ${r.kind}`).join("; ")}.\n`;
if (natural.length === 0) md += `\nNo natural data set was found under ${naturalDir}: ${BUILD_HINT}.\n`;
const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `${outName}.md`), md);
writeFileSync(join(outDir, `${outName}.json`), `${JSON.stringify({ commit, date: new Date().toISOString(), threads, params, rows: rows.map(({ ref, res, ...s }) => ({ ...s, dir: undefined, references: ref, run: res })) }, null, 1)}\n`);
process.stdout.write(md);

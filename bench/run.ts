/**
 * `npm run bench [-- --only NAME[,NAME]] [--threads N] [--params JSON|FILE] [--out NAME]`
 * (`npm run bench -- --suite natural ...`: every text data set with references, see natural.ts)
 * Trains and evaluates XR-Linear with defaults on the shared data sets (raw text with xmc's
 * TF-IDF, and the XC/ARFF features the peers used), and writes bench/results/NAME.{md,json}
 * with accuracy, train time (wall and CPU), peak RSS, model size and single-query latency,
 * each next to PECOS's figure from ../shared/reference/peers.md.
 */
import { execSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PECOS } from "./reference.js";
import { jsonArg } from "./util.js";

if (arg("suite") !== undefined) {
  // other suites live in their own scripts
  if (arg("suite") !== "natural") throw new Error(`unknown suite ${arg("suite")} (known: natural)`);
  await import("./natural.js");
  process.exit(0);
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const data = process.env.XMC_DATA ?? join(root, "..", "shared", "data");

interface Config {
  name: string;
  dataset: keyof typeof PECOS;
  input: "text" | "features";
  train: string;
  test: string;
}

const CONFIGS: Config[] = [
  { name: "bibtex", dataset: "bibtex", input: "features", train: "bibtex/bibtex-train.arff", test: "bibtex/bibtex-test.arff" },
  { name: "delicious", dataset: "delicious", input: "features", train: "delicious/delicious-train.arff", test: "delicious/delicious-test.arff" },
  { name: "debtags-xc", dataset: "debian-debtags", input: "features", train: "debian-debtags/xc/train.txt", test: "debian-debtags/xc/test.txt" },
  { name: "debtags-text", dataset: "debian-debtags", input: "text", train: "debian-debtags/train", test: "debian-debtags/test" },
  { name: "wordnet-xc", dataset: "wordnet-hyper3", input: "features", train: "wordnet-hyper3/xc/train.txt", test: "wordnet-hyper3/xc/test.txt" },
  { name: "wordnet-text", dataset: "wordnet-hyper3", input: "text", train: "wordnet-hyper3/train", test: "wordnet-hyper3/test" },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const only = arg("only")?.split(",");
const threads = arg("threads") ?? "2";
const paramsArg = arg("params") ?? "{}";
// a params file (e.g. presets/mixed.json) or an inline JSON object
const params = JSON.stringify(jsonArg(paramsArg));
const outName = arg("out") ?? "xr-linear";
const configs = CONFIGS.filter((c) => !only || only.includes(c.name) || only.includes(c.dataset));

const rows: Record<string, unknown>[] = [];
for (const c of configs) {
  process.stderr.write(`bench: ${c.name} ...\n`);
  const r = spawnSync(process.execPath, [join(here, "one.js"), join(data, c.train), join(data, c.test), params, threads], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`bench run ${c.name} failed`);
  }
  const res = JSON.parse(r.stdout.trim().split("\n").pop()!);
  const ref = PECOS[c.dataset];
  rows.push({ ...c, ...res, pecos: ref });
  const m = res.metrics;
  process.stderr.write(
    `  P@1/3/5 ${m["P@1"].toFixed(2)}/${m["P@3"].toFixed(2)}/${m["P@5"].toFixed(2)} (PECOS ${ref.p.join("/")}), train ${res.trainWall.toFixed(2)} s wall, ${res.trainCpu.toFixed(2)} s CPU (PECOS ${ref.trainCpu}), latency ${res.latencyMs.toFixed(3)} ms\n`,
  );
}

const f2 = (v: number) => v.toFixed(2);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
let md = `# XR-Linear benchmark (${outName})\n\n`;
let commit = "unknown";
try {
  commit = execSync("git rev-parse --short HEAD", { cwd: root, encoding: "utf8" }).trim();
} catch {}
md += `Command: \`npm run bench -- ${process.argv.slice(2).join(" ")}\`; commit ${commit}; ${new Date().toISOString()}; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${threads} threads; params ${params}.\n\n`;
md += `PECOS figures from ../shared/reference/peers.md (same machine kind, same features; for the \`-text\` rows xmc uses its own TF-IDF on the raw text, PECOS the \`xc/\` features). Ratios are xmc / PECOS.\n\n`;
md += "| run | P@1 | P@3 | P@5 | nDCG@3 | nDCG@5 | PSP@1 | PSP@3 | PSP@5 | PECOS P@1/3/5 | train wall s | train CPU s (×PECOS) | peak RSS MB (PECOS) | model MB (PECOS) | latency ms (×PECOS) |\n";
md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
for (const r of rows as any[]) {
  const m = r.metrics;
  const p = r.pecos;
  md += `| ${r.name} | ${f2(m["P@1"])} | ${f2(m["P@3"])} | ${f2(m["P@5"])} | ${f2(m["nDCG@3"])} | ${f2(m["nDCG@5"])} | ${f2(m["PSP@1"])} | ${f2(m["PSP@3"])} | ${f2(m["PSP@5"])} | ${p.p.join(" / ")} | ${f2(r.trainWall)} | ${f2(r.trainCpu)} (${ratio(r.trainCpu, p.trainCpu)}) | ${r.peakRssMB.toFixed(0)} (${p.rssMB}) | ${f2(r.modelMB)} (${p.modelMB}) | ${r.latencyMs.toFixed(3)} (${ratio(r.latencyMs, p.latencyMs)}) |\n`;
}
md += `\nLatency: median over 1,000 test queries, one at a time on one thread, features given${rows.some((r: any) => r.textLatencyMs) ? "; from raw text (vectorize + search) for the -text rows: " + (rows as any[]).filter((r) => r.textLatencyMs).map((r) => `${r.name} ${r.textLatencyMs.toFixed(3)} ms`).join(", ") : ""}.\n`;
const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `${outName}.md`), md);
writeFileSync(join(outDir, `${outName}.json`), `${JSON.stringify({ commit, date: new Date().toISOString(), threads, params, rows }, null, 1)}\n`);
process.stdout.write(md);

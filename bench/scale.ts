/**
 * The scale bench: XR-Linear with its defaults (2 trees) and with `--trees 1` on synthetic
 * power-law sets of 10K, 100K and 1M labels (bench/synth.ts, cached under bench/cache/), next to
 * PECOS XR-Linear's figures on sets of the same law. Writes bench/results/scale.{md,json}.
 *
 * Training runs through the CLI in a fresh process (`xmc train DATA -m MODEL --threads N`):
 * train CPU and wall are that whole process, reading and saving included (as PECOS's figures
 * are), peak RSS its high-water mark. A second fresh process loads the model (load s), times 300
 * single queries after 30 warm-up ones (features given, one thread), predicts the whole test set
 * in one batch (ms per query) and computes P@1/3/5.
 *
 * Usage: node dist/bench/scale.js [--sizes 10k,100k[,1m]] [--configs default,trees1[,trees1-seed1,...]]
 *        [--threads 2] [--data 100k=DIR ...] [--keep-models]
 * `--data SIZE=DIR` uses DIR/train.txt and DIR/test.txt for that size instead of generating one
 * (e.g. the files the PECOS figures were measured on).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { loadModel } from "../src/api/load.js";
import { loadDataset } from "../src/data/load.js";
import { evaluate } from "../src/eval/metrics.js";
import { XRLinearModel } from "../src/methods/xr-linear/model.js";
import { synthesize } from "./synth.js";
import { appendRuns, takeFlag, takeSwitch } from "./util.js";

const root = new URL("../../", import.meta.url).pathname;

/** The synthetic sets: labels, train rows, test rows (features: max(50K, L/2)). */
const SIZES: Record<string, { labels: number; train: number; test: number }> = {
  "10k": { labels: 10_000, train: 30_000, test: 5_000 },
  "100k": { labels: 100_000, train: 300_000, test: 20_000 },
  "1m": { labels: 1_000_000, train: 1_000_000, test: 20_000 },
};

/**
 * PECOS XR-Linear v1.2.7 (built from source; its CLI defaults: 16 splits, leaves of 100, squared
 * hinge, Cp = Cn = 1, threshold 0.1, beam 10), 2 threads, on the files of synth_xmc.py (seed 0)
 * with the same sizes, on this machine kind (2 cores), December 2026. CPU: the whole Python
 * process from start to model saved; latency: median of 300 single rows, 1 thread; model MB =
 * 10^6 bytes. Two runs at 100K gave 165.7 and 216.7 CPU s (92 and 115 s wall): both are listed.
 */
const PECOS: Record<string, { p: [number, number, number]; cpu: number[]; wall: number[]; rssMb: number; modelMb: number; queryMs: number; queryP99Ms: number; batchMs: number }> = {
  "100k": { p: [73.25, 45.56, 29.78], cpu: [165.7, 216.7], wall: [92, 115], rssMb: 1098, modelMb: 159, queryMs: 0.48, queryP99Ms: 0.66, batchMs: 0.13 },
  "1m": { p: [68.73, 41.77, 26.73], cpu: [1373], wall: [760], rssMb: 4196, modelMb: 913, queryMs: 1.15, queryP99Ms: 1.63, batchMs: 0.17 },
};

const CONFIGS: Record<string, string[]> = {
  default: [],
  trees1: ["--trees", "1"],
  // the same one tree clustered from other seeds: how far P@k moves with the clustering alone
  "trees1-seed1": ["--trees", "1", "--seed", "1"],
  "trees1-seed2": ["--trees", "1", "--seed", "2"],
  // labels without training rows left out of the splits and dealt evenly over the leaves
  // (the default before "cluster", PECOS's clustering)
  "default-spread": ["--empty-labels", "spread"],
  "trees1-spread": ["--trees", "1", "--empty-labels", "spread"],
  "trees1-spread-seed1": ["--trees", "1", "--empty-labels", "spread", "--seed", "1"],
  "trees1-spread-seed2": ["--trees", "1", "--empty-labels", "spread", "--seed", "2"],
};

/** How a config is named in the table: its flags. */
function configLabel(config: string): string {
  return config === "default" ? "default (2 trees)" : `\`${CONFIGS[config].join(" ")}\``;
}

interface EvalResult {
  loadS: number;
  loadCpuS: number;
  p: [number, number, number];
  queryMs: number;
  queryP99Ms: number;
  batchMs: number;
}

/** `--eval MODEL TEST`: the measuring half, run in a fresh process; prints one JSON object. */
async function evalMode(modelPath: string, testPath: string): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const model = loadModel(modelPath) as XRLinearModel;
  const loadS = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const test = await loadDataset(testPath, { labels: model.labelNames });
  const X = model.featurize(test);
  const times: number[] = [];
  for (let i = 0; i < Math.min(330, X.rows); i++) {
    const idx = X.indices.slice(X.indptr[i], X.indptr[i + 1]);
    const val = X.data.slice(X.indptr[i], X.indptr[i + 1]);
    const s = performance.now();
    model.predictFeatures(idx, val, { topK: 5 });
    if (i >= 30) times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const tb = performance.now();
  const preds = model.predict(X, { topK: 5 });
  const batchMs = (performance.now() - tb) / X.rows;
  const m = evaluate(preds, test.Y, { ks: [1, 3, 5] });
  const p = [m["P@1"], m["P@3"], m["P@5"]] as [number, number, number];
  const out: EvalResult = { loadS, loadCpuS: (c1.user + c1.system) / 1e6, p, queryMs: times[times.length >> 1], queryP99Ms: times[Math.floor(times.length * 0.99)], batchMs };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** A set's folder: the one given with --data, else the generated one (made on first use). */
function dataFor(size: string, given: Map<string, string>): string {
  if (given.has(size)) return given.get(size)!;
  const s = SIZES[size];
  const dir = join(root, "bench", "cache", `synth-${size}`);
  if (!existsSync(join(dir, "test.txt"))) {
    process.stderr.write(`scale: generating ${dir} (${s.labels} labels, ${s.train} train rows)\n`);
    synthesize(dir, s.labels, s.train, s.test);
  }
  return dir;
}

interface Row {
  size: string;
  config: string;
  data: string;
  threads: number;
  trainCpuS: number;
  trainWallS: number;
  peakRssMb: number;
  modelMb: number;
  eval: EvalResult;
}

function runOne(size: string, config: string, data: string, threads: number, keep: boolean): Row {
  const dir = join(root, "bench", "cache", "scale-models");
  mkdirSync(dir, { recursive: true });
  const model = join(dir, `${size}-${config}.xmc`);
  const usage = join(dir, `${size}-${config}.usage.json`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", join(root, "dist", "bench", "rusage-hook.js"), join(root, "dist", "src", "cli", "main.js"), "train", join(data, "train.txt"), "-m", model, "--threads", String(threads), "-q", ...CONFIGS[config]], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, XMC_BENCH_RUSAGE: usage },
  });
  const trainWallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`train ${size} ${config} failed with status ${r.status}`);
  const u = JSON.parse(readFileSync(usage, "utf8")) as { cpuS: number; maxRssKb: number };
  const e = spawnSync(process.execPath, [join(root, "dist", "bench", "scale.js"), "--eval", model, join(data, "test.txt")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
  if (e.status !== 0) throw new Error(`evaluating ${size} ${config} failed with status ${e.status}`);
  const row: Row = { size, config, data: relative(root, data) || ".", threads, trainCpuS: u.cpuS, trainWallS, peakRssMb: u.maxRssKb / 1000, modelMb: statSync(model).size / 1e6, eval: JSON.parse(e.stdout) as EvalResult };
  if (!keep) rmSync(model, { force: true });
  rmSync(usage, { force: true });
  return row;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const int = (x: number): string => Math.round(x).toLocaleString("en-US");

function markdown(rows: Row[], when: string): string {
  let md = `# Scale: XR-Linear at 10K-1M labels\n\n`;
  md += `\`npm run bench:scale\` (table updated ${when}; each row's own date in scale.json; 2 cores shared with other jobs, so CPU seconds vary by up to 30 % between runs). xmc: \`xmc train DATA -m MODEL --threads N\` as a whole process (reading and saving included); load, latency (median and p99 of 300 single queries after 30 warm-up, features given, one thread), batch (whole test set, one thread) and P@k in a second fresh process. Model MB = 10^6 bytes.\n\n`;
  md += `PECOS: XR-Linear v1.2.7 built from source, its CLI defaults (16 splits, leaves of 100, squared hinge, Cp = Cn = 1, threshold 0.1, beam 10), 2 threads, on synth_xmc.py files (seed 0) of the same sizes, this machine kind, December 2026; copied into bench/scale.ts. xmc's rows use its defaults: beam 10 per tree, and 20 for a model of one tree (one-tree rows dated before 2026-12-07 20:00 were searched with 10).\n\n`;
  md += `| set | system | data | P@1 / P@3 / P@5 | train CPU s | wall s | peak RSS MB | model MB | load s | 1-query ms (p99) | batch ms/query |\n|---|---|---|---|---|---|---|---|---|---|---|\n`;
  for (const size of Object.keys(SIZES)) {
    const mine = rows.filter((r) => r.size === size);
    if (mine.length === 0) continue;
    const pe = PECOS[size];
    if (pe) md += `| ${size} | PECOS | synth_xmc.py | ${pe.p.map(f2).join(" / ")} | ${pe.cpu.map(f1).join(", ")} | ${pe.wall.join(", ")} | ${int(pe.rssMb)} | ${int(pe.modelMb)} | | ${f2(pe.queryMs)} (${f2(pe.queryP99Ms)}) | ${f2(pe.batchMs)} |\n`;
    for (const r of mine) {
      const e = r.eval;
      const data = r.data.includes(`synth-${size}`) ? "bench/synth.ts" : r.data.split("/").slice(-1)[0];
      md += `| ${size} | xmc ${configLabel(r.config)}, ${r.threads} threads | ${data} | ${e.p.map(f2).join(" / ")} | ${f1(r.trainCpuS)} | ${f1(r.trainWallS)} | ${int(r.peakRssMb)} | ${int(r.modelMb)} | ${f2(e.loadS)} | ${f2(e.queryMs)} (${f2(e.queryP99Ms)}) | ${f2(e.batchMs)} |\n`;
    }
  }
  return md;
}

const args = process.argv.slice(2);
if (args[0] === "--eval") {
  await evalMode(args[1], args[2]);
} else {
  const sizes = takeFlag(args, "--sizes", "10k,100k").split(",");
  const configs = takeFlag(args, "--configs", "default,trees1").split(",");
  const threads = Number(takeFlag(args, "--threads", "2"));
  const keep = takeSwitch(args, "--keep-models");
  const given = new Map<string, string>();
  for (let v = takeFlag(args, "--data", ""); v !== ""; v = takeFlag(args, "--data", "")) {
    const [k, d] = v.split("=");
    given.set(k, d);
  }
  for (const s of sizes) if (!SIZES[s]) throw new Error(`--sizes: unknown size "${s}" (expected ${Object.keys(SIZES).join(", ")})`);
  for (const c of configs) if (!CONFIGS[c]) throw new Error(`--configs: unknown config "${c}" (expected ${Object.keys(CONFIGS).join(", ")})`);
  if (args.length > 0) throw new Error(`unknown arguments: ${args.join(" ")}`);
  const rows: Row[] = [];
  for (const size of sizes) {
    const data = dataFor(size, given);
    for (const config of configs) {
      process.stderr.write(`scale: ${size} ${config}\n`);
      const row = runOne(size, config, data, threads, keep);
      process.stderr.write(`scale: ${JSON.stringify(row)}\n`);
      rows.push(row);
    }
  }
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  // the table shows the newest row of every (set, config, data, threads), this run's replacing earlier ones
  const jsonPath = join(root, "bench", "results", "scale.json");
  const key = (r: Row): string => `${r.size} ${r.config} ${r.data.split("/").slice(-1)[0]} ${r.threads}`;
  const table = new Map<string, Row & { when?: string }>();
  if (existsSync(jsonPath)) {
    try {
      for (const r of (JSON.parse(readFileSync(jsonPath, "utf8")) as { latest?: { rows?: (Row & { when?: string })[] } }).latest?.rows ?? []) table.set(key(r), r);
    } catch {
      // an unreadable history: start the table afresh
    }
  }
  for (const r of rows) table.set(key(r), { ...r, when });
  const all = [...table.values()].sort((a, b) => Object.keys(SIZES).indexOf(a.size) - Object.keys(SIZES).indexOf(b.size) || a.config.localeCompare(b.config));
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "scale.md"), markdown(all, when));
  appendRuns(jsonPath, { when, rows: all, pecos: PECOS }, [{ when, rows }]);
  process.stdout.write(markdown(all, when));
}

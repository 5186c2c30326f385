/**
 * Nearest-neighbour search over normalised prototypes: HNSW (`src/retrieval/hnsw.ts`) against
 * exact search (`src/retrieval/exact.ts`) on synthetic clustered data.
 *
 *   node dist/bench/ann.js [--n 17157] [--d 128] [--queries 1000] [--clusters 512] [--M 16] [--efc 200] [--seed 1]
 *
 * Data: n unit vectors around `clusters` Gaussian centres (per-coordinate noise equal to the centre
 * spread); queries: noisy copies of random items (relative noise 0.5), normalised. Measures build
 * time, recall@10 of HNSW against the exact top 10, and median single-query latency (one thread)
 * of exact search and of HNSW at efSearch 16 / 32 / 64 / 128. Prints a table and writes
 * bench/results/ann.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../src/core/rng.js";
import { exactTopK, exactTopK1, normalizeRows } from "../src/retrieval/exact.js";
import { HnswIndex } from "../src/retrieval/hnsw.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const n = arg("n", 17157), d = arg("d", 128), m = arg("queries", 1000);
const clusters = arg("clusters", 512), M = arg("M", 16), efc = arg("efc", 200), seed = arg("seed", 1);
const K = 10;

const rng = new Rng(seed);
function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

const centres = Float32Array.from({ length: clusters * d }, gauss);
const items = new Float32Array(n * d);
for (let i = 0; i < n; i++) {
  const c = rng.int(clusters);
  for (let j = 0; j < d; j++) items[i * d + j] = centres[c * d + j] + gauss();
}
normalizeRows(items, n, d);
const queries = new Float32Array(m * d);
for (let q = 0; q < m; q++) {
  const src = rng.int(n);
  for (let j = 0; j < d; j++) queries[q * d + j] = items[src * d + j] + (0.5 / Math.sqrt(d)) * gauss();
}
normalizeRows(queries, m, d);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function recall(approx: Int32Array, exact: Int32Array): number {
  let hit = 0;
  for (let q = 0; q < m; q++) {
    const truth = new Set(exact.subarray(q * K, q * K + K));
    for (let j = 0; j < K; j++) if (truth.has(approx[q * K + j])) hit++;
  }
  return hit / (m * K);
}

// exact ground truth: batched (GEMM)
let t = performance.now();
const truth = exactTopK(items, n, d, queries, m, K);
const exactBatchMs = (performance.now() - t) / m;

t = performance.now();
const index = HnswIndex.build(items, n, d, { M, efConstruction: efc, seed });
const buildS = (performance.now() - t) / 1000;
const stats = index.stats();

// single-query latencies, interleaved per query so that load changes on the machine hit every method alike
const EFS = [16, 32, 64, 128];
const exactLat: number[] = [];
const lat = EFS.map(() => [] as number[]);
const found = EFS.map(() => new Int32Array(m * K));
for (let q = 0; q < m; q++) {
  const qv = queries.subarray(q * d, q * d + d);
  t = performance.now();
  exactTopK1(items, n, d, qv, K);
  exactLat.push(performance.now() - t);
  EFS.forEach((ef, e) => {
    t = performance.now();
    const r = index.search(qv, K, ef);
    lat[e].push(performance.now() - t);
    found[e].set(r.ids, q * K);
  });
}
const exactMs = median(exactLat);

const rows: { method: string; recall10: number; medianMs: number; speedup: number }[] = [];
rows.push({ method: "exact (1 query)", recall10: 1, medianMs: exactMs, speedup: 1 });
rows.push({ method: "exact (GEMM batch of all queries, mean)", recall10: 1, medianMs: exactBatchMs, speedup: exactMs / exactBatchMs });
EFS.forEach((ef, e) => {
  const ms = median(lat[e]);
  rows.push({ method: `HNSW efSearch=${ef}`, recall10: recall(found[e], truth.ids), medianMs: ms, speedup: exactMs / ms });
});

const f = (x: number, p: number) => x.toFixed(p);
let out = `ANN bench: n=${n} d=${d} queries=${m} clusters=${clusters}; HNSW M=${M} efConstruction=${efc} seed=${seed}; Node ${process.version}, ${cpus()[0]?.model ?? "?"}\n`;
out += `HNSW build ${f(buildS, 2)} s, ${stats.layers} layers, mean layer-0 degree ${f(stats.meanDegree0, 1)}\n\n`;
out += `| method | recall@10 | median ms/query | speed-up vs exact |\n|---|---|---|---|\n`;
for (const r of rows) out += `| ${r.method} | ${f(r.recall10, 4)} | ${f(r.medianMs, 4)} | ${f(r.speedup, 1)}× |\n`;
process.stdout.write(out);

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
const json = { date: new Date().toISOString(), node: process.version, n, d, queries: m, clusters, params: index.params, buildS, ...stats, rows };
writeFileSync(join(outDir, "ann.json"), `${JSON.stringify(json, null, 1)}\n`);

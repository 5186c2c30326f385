/**
 * Load benchmark of `xmc serve` (npm run bench:serve): starts servers on 127.0.0.1 with a
 * debian-debtags text model and drives them with autocannon; all traffic stays on loopback and
 * every run is bounded in time. Measures:
 * - single-text requests at 1, 10 and 50 connections (2 prediction workers);
 * - 100-text requests at 10 connections with 2 workers and with 1 (texts/s ratio);
 * - the single-threaded handler xmc served with before (bench/serve-baseline.ts) at 10
 *   connections, alternating twice with xmc at 10 connections;
 * - /health latency, probed every 10 ms, while 10,000-text requests (sent by another process)
 *   are being served, three in a row on a fresh server.
 * Writes bench/results/serve.md and serve.json (earlier runs kept in the JSON).
 *
 *   npm run bench:serve [-- --trees 1] [--duration 30] [--model FILE]
 * The model is trained once into bench/results/tmp/ (or given by --model).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { writeFileAtomic } from "../src/core/atomic-file.js";
import { appendRuns, takeFlag } from "./util.js";

const require = createRequire(import.meta.url);
// autocannon ships no types: the part of its API used here
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

const ROOT = new URL("../../", import.meta.url).pathname;
const DATA = process.env.XMC_DATA ?? join(ROOT, "../shared/data");
const CLI = join(ROOT, "dist/src/cli/main.js");
const args = process.argv.slice(2);
const trees = Number(takeFlag(args, "--trees", "1"));
const longRun = Number(takeFlag(args, "--duration", "30"));
const shortRun = Math.max(5, Math.round(longRun / 3));
let model = takeFlag(args, "--model", "");

if (!model) {
  mkdirSync(join(ROOT, "bench/results/tmp"), { recursive: true });
  model = join(ROOT, `bench/results/tmp/debtags-text-${trees}tree.xmc`);
  if (!existsSync(model)) {
    process.stderr.write(`training ${model}\n`);
    execFileSync(process.execPath, [CLI, "train", join(DATA, "debian-debtags/train"), "-m", model, "--trees", String(trees), "-q"], { stdio: "inherit" });
  }
}
const texts = readFileSync(join(DATA, "debian-debtags/test_texts.txt"), "utf8").split("\n").filter((t) => t.length > 0);

/** Start a server process and read the port it prints. */
async function start(kind: "xmc" | "baseline", threads = 2): Promise<{ child: ChildProcess; port: number }> {
  const argv = kind === "xmc" ? [CLI, "serve", "-m", model, "--port", "0", "--threads", String(threads), "--quiet"] : [join(ROOT, "dist/bench/serve-baseline.js"), model];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.setEncoding("utf8");
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on("data", (c: string) => {
      err += c;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return { child, port };
}

async function stop(s: { child: ChildProcess }): Promise<void> {
  const done = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGTERM");
  await done;
}

interface Row {
  run: string;
  server: string;
  workers: number | null;
  connections: number;
  textsPerRequest: number;
  seconds: number;
  reqPerSec: number;
  textsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** Mean texts per task handed to a worker (xmc only, from /metrics). */
  textsPerTask: number | null;
  /** CPU time (user + system) of the server process per request, in ms (null where /proc is missing). */
  serverCpuMsPerReq: number | null;
  /** CPU time of the bench process (autocannon, the load generator) per request, in ms. */
  clientCpuMsPerReq: number;
}

/** CPU seconds (user + system) used so far by process `pid`, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** Sum and count of xmc_batch_texts from /metrics. */
async function batchTotals(port: number): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return { sum: num("xmc_batch_texts_sum"), count: num("xmc_batch_texts_count") };
}

/** autocannon against POST /predict, each request a different test text (or block of texts). */
async function load(run: string, server: string, workers: number | null, s: { child: ChildProcess; port: number }, connections: number, perRequest: number, seconds: number): Promise<Row> {
  const port = s.port;
  let next = 0;
  const bodies: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const block = Array.from({ length: perRequest }, () => texts[next++ % texts.length]);
    bodies.push(JSON.stringify(perRequest === 1 ? { text: block[0], k: 5 } : { texts: block, k: 5 }));
  }
  const xmc = server === "xmc";
  const request = { method: "POST", path: "/predict", headers: { "content-type": "application/json" } };
  // single texts: each connection cycles through its own slice of the bodies, given to autocannon
  // up front (no per-request callback: the load generator shares the server's cores, and this
  // cuts its CPU per request by about 40 %); blocks of texts: the next body per request
  const per = Math.floor(bodies.length / connections);
  let conn = 0;
  let b = 0;
  const traffic =
    perRequest === 1
      ? {
          requests: [{ ...request, body: bodies[0] }],
          setupClient: (client: { setRequests(r: unknown[]): void }) => {
            const from = (conn++ % connections) * per;
            client.setRequests(bodies.slice(from, from + per).map((body) => ({ ...request, body })));
          },
        }
      : { requests: [{ ...request, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[b++ % bodies.length] }) }] };
  const batches0 = xmc ? await batchTotals(port) : null;
  const cpu0 = cpuSeconds(s.child.pid);
  const client0 = process.cpuUsage();
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, ...traffic });
  const cpu1 = cpuSeconds(s.child.pid);
  const client = process.cpuUsage(client0);
  const batches1 = xmc ? await batchTotals(port) : null;
  const row: Row = {
    run,
    server,
    workers,
    connections,
    textsPerRequest: perRequest,
    seconds,
    reqPerSec: r.requests.average,
    textsPerSec: r.requests.average * perRequest,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    textsPerTask: batches0 && batches1 ? (batches1.sum - batches0.sum) / Math.max(1, batches1.count - batches0.count) : null,
    serverCpuMsPerReq: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1000) / Math.max(1, r.requests.total) : null,
    clientCpuMsPerReq: (client.user + client.system) / 1000 / Math.max(1, r.requests.total),
  };
  process.stderr.write(`${JSON.stringify(row)}\n`);
  return row;
}

/** One 10,000-text request, sent by a child process; /health probed every 10 ms while it runs. */
async function probeOneLarge(port: number, big: string): Promise<{ lat: number[]; status: number; ms: number }> {
  const sender = spawn(
    process.execPath,
    ["--input-type=module", "-e", `let b="";process.stdin.setEncoding("utf8");for await (const c of process.stdin) b+=c;process.stdout.write("sending\\n");const t=performance.now();const r=await fetch(process.argv[1],{method:"POST",headers:{"content-type":"application/json"},body:b});await r.arrayBuffer();process.stdout.write(JSON.stringify({status:r.status,ms:performance.now()-t}));`, `http://127.0.0.1:${port}/predict`],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  let sending: () => void = () => {};
  const started = new Promise<void>((resolve) => (sending = resolve));
  sender.stdout!.setEncoding("utf8");
  sender.stdout!.on("data", (c: string) => {
    out += c;
    if (out.startsWith("sending\n")) sending();
  });
  let done = false;
  const finished = new Promise<void>((resolve) => sender.on("exit", () => ((done = true), sending(), resolve())));
  sender.stdin!.end(big);
  await started;
  const lat: number[] = [];
  while (!done) {
    const s = performance.now();
    await (await fetch(`http://127.0.0.1:${port}/health`)).arrayBuffer();
    lat.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 10));
  }
  await finished;
  const { status, ms } = JSON.parse(out.slice("sending\n".length) || '{"status":0,"ms":0}') as { status: number; ms: number };
  return { lat, status, ms };
}

const LARGE_REQUESTS = 3;

/**
 * /health latencies (ms) while 10,000-text requests run: LARGE_REQUESTS of them one after the
 * other on a fresh server (the first meets a server that has answered nothing large yet), the
 * probes of all pooled; the worst probe of each request is kept too. The large requests are
 * sent by a child process, so that encoding their 4 MB bodies and reading their answers do not
 * delay the probes in this one: what is measured is the server.
 */
async function healthUnderLoad(port: number): Promise<{ probes: number; p50: number; p99: number; max: number; maxPerRequest: number[]; bigMs: number; bigStatus: number }> {
  const big = JSON.stringify({ texts: Array.from({ length: 10_000 }, (_, i) => texts[i % texts.length]), k: 5 });
  // the probe's own HTTP client is set up before the clock starts
  await (await fetch(`http://127.0.0.1:${port}/health`)).arrayBuffer();
  const lat: number[] = [];
  const maxPerRequest: number[] = [];
  let bigMs = 0;
  let bigStatus = 200;
  for (let i = 0; i < LARGE_REQUESTS; i++) {
    const one = await probeOneLarge(port, big);
    lat.push(...one.lat);
    maxPerRequest.push(Math.max(...one.lat));
    bigMs = Math.max(bigMs, one.ms);
    if (one.status !== 200) bigStatus = one.status;
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { probes: lat.length, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1], maxPerRequest, bigMs, bigStatus };
}

const rows: Row[] = [];
const loadBefore = loadavg()[0];
const two = await start("xmc", 2);
try {
  rows.push(await load("single text, 1 connections", "xmc", 2, two, 1, 1, shortRun));
  // the comparison with the one-thread handler alternates the two servers (the machine may be
  // shared: alternating spreads other work over both)
  const base = await start("baseline");
  try {
    for (let i = 0; i < 2; i++) {
      rows.push(await load("single text, 10 connections", "baseline (one thread)", null, base, 10, 1, shortRun));
      rows.push(await load("single text, 10 connections", "xmc", 2, two, 10, 1, shortRun));
    }
  } finally {
    await stop(base);
  }
  rows.push(await load("single text, 50 connections", "xmc", 2, two, 50, 1, longRun));
  rows.push(await load("100 texts per request, 10 connections", "xmc", 2, two, 10, 100, shortRun));
} finally {
  await stop(two);
}
const health = await (async () => {
  const s = await start("xmc", 2);
  try {
    return await healthUnderLoad(s.port);
  } finally {
    await stop(s);
  }
})();
const one = await start("xmc", 1);
try {
  rows.push(await load("100 texts per request, 10 connections", "xmc", 1, one, 10, 100, shortRun));
} finally {
  await stop(one);
}
const loadAfter = loadavg()[0];

const at = (server: string, workers: number | null, c: number, n: number) => rows.find((r) => r.server === server && r.workers === workers && r.connections === c && r.textsPerRequest === n)!;
const ratioWorkers = at("xmc", 2, 10, 100).textsPerSec / at("xmc", 1, 10, 100).textsPerSec;
const pick = (server: string, c: number) => rows.filter((r) => r.server === server && r.connections === c && r.textsPerRequest === 1);
const mean = (xs: Row[]) => xs.reduce((a, r) => a + r.reqPerSec, 0) / xs.length;
const ratioBaseline = mean(pick("xmc", 10)) / mean(pick("baseline (one thread)", 10));
// each xmc run against the baseline run just before it
const pairRatios = pick("xmc", 10).map((r, i) => r.reqPerSec / pick("baseline (one thread)", 10)[i].reqPerSec);
const c50 = at("xmc", 2, 50, 1);
const meanOf = (xs: Row[], f: (r: Row) => number | null) => xs.reduce((a, r) => a + (f(r) ?? NaN), 0) / xs.length;
// the CPU budget behind the 2× target (see the note above the table)
const budget = `xmc server + client CPU ${(meanOf(pick("xmc", 10), (r) => r.serverCpuMsPerReq) + meanOf(pick("xmc", 10), (r) => r.clientCpuMsPerReq)).toFixed(2)} ms/req against the baseline's server CPU ${meanOf(pick("baseline (one thread)", 10), (r) => r.serverCpuMsPerReq).toFixed(2)} ms/req`;
const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`;
const checks = [
  [`50 connections for ${longRun} s: zero errors and non-2xx`, c50.errors === 0 && c50.non2xx === 0, `${c50.errors} errors, ${c50.non2xx} non-2xx`],
  ["50 connections: p99 ≤ 50 ms", c50.p99 <= 50, `${c50.p99} ms`],
  ["texts/s, 2 workers ≥ 1.6 × 1 worker (100-text requests)", ratioWorkers >= 1.6, `${ratioWorkers.toFixed(2)}×`],
  ["single text at 10 connections ≥ 2 × the one-thread handler", ratioBaseline >= 2, `${ratioBaseline.toFixed(2)}× (mean of ${pairRatios.length} alternating runs each; run by run ${pairRatios.map((x) => x.toFixed(2)).join(", ")}×); ${budget}`],
  ["/health p99 ≤ 20 ms during a 10,000-text request", health.p99 <= 20 && health.bigStatus === 200, `${health.p99.toFixed(1)} ms over ${health.probes} probes during ${LARGE_REQUESTS} requests (worst probe of each: ${health.maxPerRequest.map((m) => m.toFixed(1)).join(", ")} ms; the slowest request took ${(health.bigMs / 1000).toFixed(1)} s, status ${health.bigStatus})`],
] as const;

const md = [
  "# xmc serve under load",
  "",
  `\`npm run bench:serve -- --trees ${trees} --duration ${longRun}\` on ${machine}; debian-debtags text model (${trees} tree${trees > 1 ? "s" : ""}), k 5, test texts (single-text runs: each connection cycles through its own 2,000 / connections texts, given to autocannon up front; the texts differ between connections); autocannon in the same process as the bench, on the same cores as the server. Load average (1 min) ${loadBefore.toFixed(1)} at the start and ${loadAfter.toFixed(1)} at the end (above ~2, other work shared the cores and every figure is lower than on a quiet machine); server CPU per request is the least sensitive figure. Client CPU is the bench process's (autocannon's) per request: the baseline uses one core and autocannon most of the other, so xmc reaches 2× the baseline's rate only if its server CPU plus the client's per request is at most the baseline's server CPU per request.`,
  "",
  "| run | server | workers | req/s | texts/s | p50 ms | p99 ms | max ms | non-2xx | errors | texts per task | server CPU ms/req | client CPU ms/req |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.run} (${r.seconds} s) | ${r.server} | ${r.workers ?? "–"} | ${r.reqPerSec.toFixed(0)} | ${r.textsPerSec.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.errors} | ${r.textsPerTask?.toFixed(1) ?? "–"} | ${r.serverCpuMsPerReq?.toFixed(2) ?? "–"} | ${r.clientCpuMsPerReq.toFixed(2)} |`),
  "",
  `/health during ${LARGE_REQUESTS} 10,000-text requests, one after the other on a fresh server (2 workers; sent by another process): p50 ${health.p50.toFixed(1)} ms, p99 ${health.p99.toFixed(1)} ms, max ${health.max.toFixed(1)} ms over ${health.probes} probes; the worst probe during each request: ${health.maxPerRequest.map((m) => m.toFixed(1)).join(", ")} ms; the slowest request took ${(health.bigMs / 1000).toFixed(1)} s.`,
  "",
  "| target | met | measured |",
  "|---|---|---|",
  ...checks.map(([what, ok, got]) => `| ${what} | ${ok ? "yes" : "**no**"} | ${got} |`),
  "",
].join("\n");
writeFileAtomic(join(ROOT, "bench/results/serve.md"), md);
const run = { date: new Date().toISOString(), machine, trees, loadavg: [loadBefore, loadAfter], rows, health, ratioBaseline, ratioWorkers };
appendRuns(join(ROOT, "bench/results/serve.json"), run, [run]);
process.stdout.write(md);

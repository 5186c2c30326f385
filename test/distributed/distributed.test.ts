/**
 * Distributed XR-Linear training end to end: a redis-server on a free loopback port, a
 * coordinator (`xmc train --distributed`) and worker processes (`xmc worker`) on the
 * debtags-mini text set. The model must be byte-identical to `--sub-trees K` on one machine,
 * also when a worker is killed mid-job or the coordinator is killed and run again; a wrong
 * address or a lost server must be an error within seconds.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = join(ROOT, "dist/src/cli/main.js");
const DATA = join(ROOT, "test/golden/data/debtags-mini-train");
const TEST = join(ROOT, "test/golden/data/debtags-mini-test");
const REDIS = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
const skip = REDIS === "" ? "redis-server is not installed (Debian: apt-get install redis-server); distributed training is not tested" : false;
/** Short locks so that a killed worker's job moves on within seconds. */
const WORKER_FLAGS = ["--threads", "1", "--lock-seconds", "2", "--stalled-check-seconds", "1"];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = new Socket();
    c.setTimeout(500);
    c.once("data", (d) => {
      c.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    c.once("error", () => resolve(false));
    c.once("timeout", () => {
      c.destroy();
      resolve(false);
    });
    c.connect(port, "127.0.0.1", () => c.write("PING\r\n"));
  });
}

/** A throw-away redis-server (no persistence) on a free loopback port. */
async function startRedis(): Promise<{ url: string; port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    if (await pingOnce(port)) return { url: `redis://127.0.0.1:${port}`, port, proc };
    await sleep(100);
  }
  proc.kill("SIGKILL");
  throw new Error("redis-server did not start");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running `xmc` process with its stderr collected. */
interface Xmc {
  proc: ChildProcess;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Xmc[] = [];

function xmc(cwd: string, args: string[], env: Record<string, string> = {}): Xmc {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const x = { proc, err: () => err, exit };
  running.push(x);
  return x;
}

/** Wait until the process's stderr matches `re` (or it exits, or the time is up). */
async function waitFor(x: Xmc, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const t0 = Date.now();
  let exited = false;
  void x.exit.then(() => (exited = true));
  while (Date.now() - t0 < ms) {
    const m = x.err().match(re);
    if (m) return m;
    if (exited) break;
    await sleep(50);
  }
  throw new Error(`no ${re} in the output within ${ms} ms:\n${x.err()}`);
}

async function finished(x: Xmc, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const late = sleep(ms).then(() => null);
  const r = await Promise.race([x.exit, late]);
  if (r === null) {
    x.proc.kill("SIGKILL");
    throw new Error(`still running after ${ms} ms:\n${x.err()}`);
  }
  return r;
}

function stopAll(xs: Xmc[]): Promise<unknown> {
  for (const x of xs) if (x.proc.exitCode === null && x.proc.signalCode === null) x.proc.kill("SIGTERM");
  return Promise.all(xs.map((x) => finished(x, 10_000).catch(() => null)));
}

function predictions(dir: string, model: string): string {
  const r = spawnSync(process.execPath, [CLI, "predict", TEST, "-m", model, "-q"], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("distributed training on BullMQ + Redis", { skip }, () => {
  let dir = "";
  let redis: { url: string; port: number; proc: ChildProcess };
  /** Single-machine models: the default ensemble and one tree, both with 4 sub-trees. */
  const ref = { two: "", one: "" };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "xmc-distributed-"));
    redis = await startRedis();
    const runs = (["two", "one"] as const).map((k) => xmc(dir, ["train", DATA, "-m", `ref-${k}.xmc`, "--sub-trees", "4", "--threads", "1", ...(k === "one" ? ["--trees", "1"] : [])]));
    for (const [k, x] of [["two", runs[0]], ["one", runs[1]]] as const) {
      assert.equal((await finished(x, 60_000)).code, 0, x.err());
      ref[k] = join(dir, `ref-${k}.xmc`);
    }
  });

  after(async () => {
    await stopAll(running);
    redis?.proc.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a coordinator and three workers build the same model as --sub-trees on one machine", async () => {
    const q = ["--queue", "same"];
    const workers = [0, 1, 2].map(() => xmc(dir, ["worker", redis.url, ...q, ...WORKER_FLAGS]));
    const c = xmc(dir, ["train", DATA, "-m", "dist.xmc", "--sub-trees", "4", "--threads", "1", "--distributed", redis.url, ...q]);
    const r = await finished(c, 60_000);
    assert.equal(r.code, 0, c.err());
    assert.match(c.err(), /sub-trees: 8\/8 done/);
    await stopAll(workers);
    // every worker stops cleanly on SIGTERM
    for (const w of workers) assert.equal(w.proc.exitCode, 0, w.err());
    const trainedBy = workers.map((w) => (w.err().match(/: trained \d+ labels/g) ?? []).length);
    assert.equal(trainedBy.reduce((a, b) => a + b, 0), 8, `jobs per worker: ${trainedBy}`);
    assert.ok(readFileSync(join(dir, "dist.xmc")).equals(readFileSync(ref.two)), "the model file differs from the single-machine one");
    assert.equal(predictions(dir, "dist.xmc"), predictions(dir, ref.two));
  });

  test("a worker killed (SIGKILL) in the middle of a job: its job is done by another, same model", async () => {
    const q = ["--queue", "killed"];
    const c = xmc(dir, ["train", DATA, "-m", "killed.xmc", "--trees", "1", "--sub-trees", "4", "--threads", "1", "--distributed", redis.url, ...q]);
    await waitFor(c, /sub-trees: 0\/4 done/, 30_000);
    // this worker dies while writing its first sub-model (the fault point of the model writer)
    const doomed = xmc(dir, ["worker", redis.url, ...q, ...WORKER_FLAGS], { XMC_FAULT_KILL_AT: "half-written" });
    const d = await finished(doomed, 30_000);
    assert.equal(d.signal, "SIGKILL", doomed.err());
    const workers = [0, 1].map(() => xmc(dir, ["worker", redis.url, ...q, ...WORKER_FLAGS]));
    const r = await finished(c, 60_000);
    assert.equal(r.code, 0, c.err());
    await stopAll(workers);
    assert.ok(readFileSync(join(dir, "killed.xmc")).equals(readFileSync(ref.one)), "the model file differs from the single-machine one");
  });

  test("a coordinator killed and run again finishes without training finished sub-trees again", async () => {
    const q = ["--queue", "restart"];
    const args = ["train", DATA, "-m", "restart.xmc", "--trees", "1", "--sub-trees", "4", "--threads", "1", "--distributed", redis.url, ...q];
    const c1 = xmc(dir, args);
    const w = xmc(dir, ["worker", redis.url, ...q, ...WORKER_FLAGS]);
    await waitFor(c1, /sub-trees: [1-3]\/4 done/, 60_000);
    c1.proc.kill("SIGKILL");
    await finished(c1, 10_000);
    const parts = join(dir, "restart.xmc.parts");
    const before = new Map(readdirSync(parts).filter((f) => f.endsWith(".sub")).map((f) => [f, statSync(join(parts, f)).ino]));
    assert.ok(before.size >= 1);
    const c2 = xmc(dir, args);
    const r = await finished(c2, 60_000);
    assert.equal(r.code, 0, c2.err());
    const m = c2.err().match(/resuming: (\d) of 4 sub-trees already trained/);
    assert.ok(m && Number(m[1]) >= before.size, c2.err());
    await stopAll([w]);
    // the sub-models written before the restart are the same files, and each sub-tree was trained once
    for (const [f, ino] of before) assert.equal(statSync(join(parts, f)).ino, ino, `${f} was written again`);
    for (let g = 0; g < 4; g++) assert.equal((w.err().match(new RegExp(`t0-g${g}: trained`, "g")) ?? []).length, 1, w.err());
    assert.ok(readFileSync(join(dir, "restart.xmc")).equals(readFileSync(ref.one)), "the model file differs from the single-machine one");
  });

  test("a wrong Redis address is a one-line error within seconds, for the coordinator and a worker", async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    const xs = [["train", DATA, "-m", "none.xmc", "--sub-trees", "4", "--distributed", closed], ["worker", closed]].map((args) => xmc(dir, args));
    for (const x of xs) {
      const r = await finished(x, 20_000);
      assert.equal(r.code, 2, x.err());
      assert.match(x.err(), /^xmc: error: redis:\/\/127\.0\.0\.1:\d+: cannot reach Redis/m);
      assert.doesNotMatch(x.err(), /\n\s+at /);
    }
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
    const bad = xmc(dir, ["worker", "http://127.0.0.1:1"]);
    assert.equal((await finished(bad, 10_000)).code, 2);
    assert.match(bad.err(), /^xmc: error: .*expected a Redis URL/m);
  });

  test("a Redis server lost mid-run ends the coordinator and the workers with an error within seconds", async () => {
    const lost = await startRedis();
    const w = xmc(dir, ["worker", lost.url, "--queue", "lost", ...WORKER_FLAGS]);
    await waitFor(w, /waiting for jobs/, 30_000);
    // a coordinator whose jobs nobody takes (another queue), waiting
    const c = xmc(dir, ["train", DATA, "-m", "lost.xmc", "--trees", "1", "--sub-trees", "4", "--threads", "1", "--distributed", lost.url, "--queue", "nobody"]);
    await waitFor(c, /sub-trees: 0\/4 done/, 30_000);
    const t0 = Date.now();
    lost.proc.kill("SIGKILL");
    for (const x of [c, w]) {
      const r = await finished(x, 30_000);
      assert.equal(r.code, 2, x.err());
      assert.match(x.err(), /^xmc: error: redis:\/\/127\.0\.0\.1:\d+: (lost the connection to Redis|Redis did not answer)/m);
      assert.doesNotMatch(x.err(), /\n\s+at /);
    }
    assert.ok(Date.now() - t0 < 25_000, `took ${Date.now() - t0} ms`);
  });
});

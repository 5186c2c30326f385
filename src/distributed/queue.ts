/**
 * Training jobs on a BullMQ queue in Redis: the connection settings (every wait bounded, so a
 * wrong address or a lost server is an error within seconds, never a hang), the queue a
 * coordinator fills and watches, and the loop of a worker process. Jobs carry small JSON
 * (paths and ids); the data they work on lives in files both sides can read.
 */
import { type Job, Queue, Worker } from "bullmq";
import { Worker as Thread } from "node:worker_threads";
import { XmcError } from "../core/errors.js";
import { type Progress, silentProgress } from "../core/progress.js";

/** The queue `xmc train --distributed` and `xmc worker` use unless told another. */
export const DEFAULT_QUEUE = "xmc-train";

/** Bounds of every Redis wait (milliseconds). */
const CONNECT_TIMEOUT_MS = 3000;
const RECONNECT_TRIES = 3;
const COMMAND_TIMEOUT_MS = 5000;
/** A worker whose server stops answering for this long gives up. */
const LOST_AFTER_MS = 8000;

/** Where the Redis server is, from a redis:// (or rediss://) URL. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL without its password, for messages. */
  shown: string;
}

/** Parse `redis://[USER:PASSWORD@]HOST[:PORT][/DB]`; anything else is an XmcError naming the flag. */
export function parseRedisUrl(url: string, flag: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new XmcError(`${flag} ${url}: expected a Redis URL, redis://HOST:PORT`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new XmcError(`${flag} ${url}: expected a Redis URL, redis://HOST:PORT (got the scheme "${u.protocol}")`);
  if (u.hostname === "") throw new XmcError(`${flag} ${url}: the URL names no host (redis://HOST:PORT)`);
  const port = u.port === "" ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new XmcError(`${flag} ${url}: the database number "${dbText}" is not a non-negative integer`);
  const shown = `${u.protocol}//${u.hostname}:${port}${db ? `/${db}` : ""}`;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === "rediss:",
    shown,
  };
}

/**
 * ioredis options with every wait bounded: 3 s to connect, then 3 reconnection tries before the
 * client gives up (ioredis would retry forever by default). BullMQ sets maxRetriesPerRequest to
 * null on the connections it blocks on; the others fail a command after 2 reconnections.
 */
function connectionOptions(t: RedisTarget) {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    username: t.username,
    password: t.password,
    tls: t.tls ? {} : undefined,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 2,
    retryStrategy: (times: number) => (times > RECONNECT_TRIES ? null : Math.min(400 * times, 1500)),
  };
}

/** Run `p` with a deadline; past it, the XmcError `what`. */
async function bounded<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new XmcError(what())), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, " ").slice(0, 200);
}

/** Ping the server through the queue's connection; an XmcError if it does not answer in time. */
async function ping(queue: Queue, t: RedisTarget, doing: string): Promise<void> {
  try {
    await bounded(
      queue.client.then((c) => c.get("xmc:ping")),
      COMMAND_TIMEOUT_MS + 2000,
      () => `${t.shown}: Redis did not answer within ${(COMMAND_TIMEOUT_MS + 2000) / 1000} s (${doing})`,
    );
  } catch (e) {
    if (e instanceof XmcError) throw e;
    throw new XmcError(`${t.shown}: cannot reach Redis (${doing}): ${reason(e)}`);
  }
}

/** A job's state as the coordinator sees it. */
export type JobState = "absent" | "waiting" | "active" | "completed" | "failed";

/** The coordinator's side: add jobs, read their states, count the workers listening. */
export class JobQueue {
  private constructor(
    private readonly queue: Queue,
    readonly target: RedisTarget,
    readonly name: string,
  ) {}

  /** Connect and check that the server answers (bounded); an XmcError otherwise. */
  static async open(url: string, name: string, flag = "--distributed"): Promise<JobQueue> {
    const t = parseRedisUrl(url, flag);
    const queue = new Queue(name, { connection: connectionOptions(t) });
    // connection errors are reported by the bounded calls below, not as unhandled events
    queue.on("error", () => {});
    const q = new JobQueue(queue, t, name);
    try {
      await ping(queue, t, "connecting");
    } catch (e) {
      await q.close();
      throw e;
    }
    return q;
  }

  private async call<T>(p: Promise<T>, doing: string): Promise<T> {
    try {
      return await bounded(p, COMMAND_TIMEOUT_MS, () => `${this.target.shown}: Redis did not answer within ${COMMAND_TIMEOUT_MS / 1000} s (${doing}); is the server still running?`);
    } catch (e) {
      if (e instanceof XmcError) throw e;
      throw new XmcError(`${this.target.shown}: lost the connection to Redis (${doing}): ${reason(e)}`);
    }
  }

  /**
   * Add a job under a fixed id (an existing job of that id is left as it is). Up to 2 attempts
   * when the job throws; finished jobs are removed, failed ones kept for `xmc` to report.
   */
  async add(id: string, data: Record<string, unknown>): Promise<void> {
    await this.call(this.queue.add("train", data, { jobId: id, attempts: 2, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: true, removeOnFail: false }), "adding a job");
  }

  /** The state of job `id`, and why it failed when it did. */
  async state(id: string): Promise<{ state: JobState; failedReason?: string }> {
    const job = await this.call(this.queue.getJob(id), "reading a job");
    if (!job) return { state: "absent" };
    const s = await this.call(job.getState(), "reading a job");
    if (s === "failed") return { state: "failed", failedReason: job.failedReason };
    if (s === "completed") return { state: "completed" };
    if (s === "active") return { state: "active" };
    if (s === "unknown") return { state: "absent" };
    return { state: "waiting" };
  }

  /** Put a failed job back in the queue for another try. */
  async retry(id: string): Promise<void> {
    const job = await this.call(this.queue.getJob(id), "reading a job");
    if (job) await this.call(job.retry("failed"), "retrying a job");
  }

  /** Remove a job (so that it can be added afresh). */
  async remove(id: string): Promise<void> {
    await this.call(this.queue.remove(id), "removing a job");
  }

  /** Workers connected to this queue now. */
  async workers(): Promise<number> {
    return this.call(this.queue.getWorkersCount(), "counting workers");
  }

  async close(): Promise<void> {
    await bounded(this.queue.close(), 3000, () => "closing").catch(() => {});
  }
}

export interface QueueWorkerOptions {
  queue: string;
  /**
   * How long a job's lock lasts without renewal (the worker renews it every half of this while
   * the job runs): a worker killed mid-job frees its job after at most this long.
   */
  lockMs: number;
  /** How often this worker looks for jobs whose lock expired (stalled) and puts them back. */
  stalledCheckMs: number;
  /** Does one job; the text is logged. Runs in another thread so that lock renewal never waits. */
  run: (data: Record<string, unknown>, id: string) => Promise<string>;
  progress?: Progress;
}

/**
 * Take jobs from the queue one at a time until SIGINT/SIGTERM (then the current job finishes
 * first) or until the Redis server is lost (an XmcError within seconds).
 */
export async function runQueueWorker(url: string, o: QueueWorkerOptions): Promise<void> {
  const progress = o.progress ?? silentProgress;
  const t = parseRedisUrl(url, "xmc worker");
  const health = new Queue(o.queue, { connection: connectionOptions(t) });
  health.on("error", () => {});
  try {
    await ping(health, t, "connecting");
  } catch (e) {
    await bounded(health.close(), 3000, () => "").catch(() => {});
    throw e;
  }
  const worker = new Worker(o.queue, async (job: Job) => o.run(job.data as Record<string, unknown>, String(job.id)), {
    connection: { ...connectionOptions(t), maxRetriesPerRequest: null },
    concurrency: 1,
    lockDuration: o.lockMs,
    stalledInterval: o.stalledCheckMs,
    // a job whose worker died is put back twice; a third loss fails it (e.g. one that kills every worker)
    maxStalledCount: 2,
  });
  worker.on("error", () => {});
  worker.on("completed", (job: Job, text: unknown) => progress.log(`job ${job.id}: ${String(text)}`));
  worker.on("failed", (job: Job | undefined, e: Error) => progress.log(`job ${job?.id ?? "?"} failed: ${reason(e)}`));
  progress.log(`worker: waiting for jobs on queue "${o.queue}" at ${t.shown}`);
  let stop: (e?: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    stop = (e?: unknown) => (e ? reject(e) : resolve());
  });
  const onSignal = () => stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  // the server must keep answering: LOST_AFTER_MS of silence ends the worker with an error
  let lastOk = Date.now();
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    ping(health, t, "checking the connection")
      .then(() => (lastOk = Date.now()))
      .catch((e) => {
        if (Date.now() - lastOk >= LOST_AFTER_MS) stop(new XmcError(`${t.shown}: lost the connection to Redis: ${e instanceof XmcError ? e.message.replace(`${t.shown}: `, "") : reason(e)}`));
      })
      .finally(() => (checking = false));
  }, 1000);
  try {
    await done;
    progress.log("worker: stopping (finishing the current job first)");
    await worker.close();
  } catch (e) {
    await bounded(worker.close(true), 3000, () => "").catch(() => {});
    throw e;
  } finally {
    clearInterval(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await bounded(health.close(), 3000, () => "").catch(() => {});
  }
}

/**
 * Run a script in a worker thread with `data` as its workerData; it answers with one message
 * `{ ok: true, result }` or `{ ok: false, error, user }` (user: the message of an XmcError).
 */
export function runInThread<T>(script: URL, data: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const th = new Thread(script, { workerData: data });
    let settled = false;
    th.once("message", (m: { ok: boolean; result?: T; error?: string; user?: boolean }) => {
      settled = true;
      if (m.ok) resolve(m.result as T);
      else reject(m.user ? new XmcError(m.error ?? "") : new Error(m.error));
    });
    th.once("error", (e) => {
      settled = true;
      reject(e);
    });
    th.once("exit", (code) => {
      if (!settled) reject(new Error(`the job's thread exited with code ${code} before answering`));
    });
  });
}

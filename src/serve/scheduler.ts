/**
 * The request scheduler of `xmc serve`: it keeps at most one task per worker in flight and
 * decides what runs next, so the order is ours and not a FIFO of whole requests.
 * - Small requests (≤ maxBatch texts) with the same prediction options are merged into one
 *   task as they wait for a free worker. By default (maxWaitMs 0) an idle worker starts at
 *   once with whatever waits: batches form while every worker is busy. With maxWaitMs > 0 an
 *   idle worker instead waits, up to maxWaitMs, until a worker's share of the small texts in
 *   play has arrived (texts waiting or running, averaged over recent arrivals, divided by the
 *   number of workers), so that clients that send their next request when answered get
 *   batches of about clients / workers texts. Measured with 10 such clients on 2 cores, the
 *   waiting cost more (idle workers, timers, threads put to sleep and woken) than the larger
 *   batches saved: a batch of 4 texts costs 0.77–0.95 × 4 single texts, not a fraction.
 * - A large request is cut into chunks of `chunk` texts; chunks of large requests and batches
 *   of small ones take turns, so a 10,000-text request does not hold up a one-text request.
 * - The texts waiting to run are bounded by maxQueued: beyond it `submit` throws
 *   {@link Overloaded} (HTTP 503), never an unbounded queue.
 */
import type { PredictOverrides } from "../methods/model.js";
import type { Piece, PredictResult, PredictTask } from "./predict-worker.js";

export interface SchedulerOptions {
  /** Texts per merged batch of small requests; larger requests are chunked. */
  maxBatch: number;
  /** Texts per chunk of a large request. */
  chunk: number;
  /** Texts allowed to wait for a worker (in flight not counted). */
  maxQueued: number;
  /** Longest a small request waits for others to batch with while a worker is idle (ms); 0: never waits. */
  maxWaitMs: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { maxBatch: 64, chunk: 256, maxQueued: 100_000, maxWaitMs: 0 };

/** Request limits and logging of `xmc serve` by default (here, not in app.ts, so the CLI reads them without loading fastify). */
export const DEFAULT_SERVE = { maxBody: 16 << 20, maxTexts: 50_000, log: true } as const;

/** Thrown by submit when the queue is full. */
export class Overloaded extends Error {}

/** A prediction task answered with an error the user caused (bad option value). */
export class TaskUserError extends Error {}

interface Runner {
  readonly size: number;
  run(task: PredictTask): Promise<PredictResult>;
}

interface Request {
  key: string;
  options: PredictOverrides;
  texts: string[];
  /** Next text not yet handed to a worker. */
  next: number;
  /** Chunks not yet answered. */
  open: number;
  /** The answer of each chunk (one for a small request), JSON predictions joined by commas. */
  pieces: Piece[];
  failed: boolean;
  resolve: (pieces: Piece[]) => void;
  reject: (e: Error) => void;
}

export interface SchedulerStats {
  queuedTexts: number;
  inFlight: number;
}

export class Scheduler {
  private small: Request[] = [];
  private large: Request[] = [];
  private inFlight = 0;
  private queued = 0;
  /** Texts of small requests waiting, and of the small batches in flight. */
  private queuedSmall = 0;
  private inFlightSmall = 0;
  /** Small texts in play (waiting or running), averaged over recent arrivals. */
  private inPlay = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private turnLarge = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly runner: Runner,
    readonly opts: SchedulerOptions = DEFAULT_SCHEDULER,
    /** Called with the number of texts of every task handed to a worker (for metrics). */
    private readonly onBatch: (texts: number) => void = () => {},
  ) {}

  get stats(): SchedulerStats {
    return { queuedTexts: this.queued, inFlight: this.inFlight };
  }

  /**
   * Predict `texts`; resolves with pieces of JSON, in order: each holds the predictions of a run
   * of texts joined by commas, so the pieces joined by commas are the list of predictions.
   */
  submit(texts: string[], options: PredictOverrides): Promise<Piece[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (this.queued + texts.length > this.opts.maxQueued) {
      return Promise.reject(new Overloaded(`the server has ${this.queued} texts waiting (limit ${this.opts.maxQueued}); retry later`));
    }
    return new Promise((resolve, reject) => {
      const r: Request = { key: JSON.stringify(options), options, texts, next: 0, open: 0, pieces: [], failed: false, resolve, reject };
      if (texts.length <= this.opts.maxBatch) {
        this.small.push(r);
        this.queuedSmall += texts.length;
        this.inPlay += (this.queuedSmall + this.inFlightSmall - this.inPlay) / 8;
      } else this.large.push(r);
      this.queued += texts.length;
      this.pump();
    });
  }

  /** Resolves once nothing is queued or running (used before closing a replaced model's workers). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((ok) => this.idleWaiters.push(ok));
  }

  private pump(force = false): void {
    while (this.inFlight < this.runner.size) {
      if (!force && !this.worthStarting()) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.pump(true);
        }, this.opts.maxWaitMs);
        break;
      }
      const task = this.nextTask();
      if (!task) break;
      this.launch(task.parts, task.options, task.small);
    }
    if (this.inFlight === 0 && this.queued === 0) for (const ok of this.idleWaiters.splice(0)) ok();
  }

  /** Whether an idle worker should start now (see the module comment). */
  private worthStarting(): boolean {
    if (this.opts.maxWaitMs <= 0 || this.large.length > 0 || this.small.length === 0) return true;
    const share = Math.max(1, Math.round(this.inPlay / this.runner.size));
    return this.queuedSmall >= Math.min(this.opts.maxBatch, share);
  }

  /** Small batch and large chunk take turns when both wait. */
  private nextTask(): { parts: { r: Request; from: number; to: number }[]; options: PredictOverrides; small: boolean } | null {
    const useLarge = this.large.length > 0 && (this.small.length === 0 || this.turnLarge);
    this.turnLarge = !useLarge;
    if (useLarge) {
      const r = this.large[0];
      const from = r.next;
      const to = Math.min(r.texts.length, from + this.opts.chunk);
      r.next = to;
      // round robin over large requests: the one just served goes to the back
      this.large.shift();
      if (r.next < r.texts.length) this.large.push(r);
      return { parts: [{ r, from, to }], options: r.options, small: false };
    }
    if (this.small.length === 0) return null;
    const key = this.small[0].key;
    const parts: { r: Request; from: number; to: number }[] = [];
    let n = 0;
    for (let i = 0; i < this.small.length; ) {
      const r = this.small[i];
      if (r.key === key && n + r.texts.length <= this.opts.maxBatch) {
        parts.push({ r, from: 0, to: r.texts.length });
        r.next = r.texts.length;
        n += r.texts.length;
        this.small.splice(i, 1);
      } else i++;
      if (n === this.opts.maxBatch) break;
    }
    return { parts, options: parts[0].r.options, small: true };
  }

  private launch(parts: { r: Request; from: number; to: number }[], options: PredictOverrides, small: boolean): void {
    const texts: string[] = [];
    const lengths: number[] = [];
    for (const p of parts) {
      for (let i = p.from; i < p.to; i++) texts.push(p.r.texts[i]);
      lengths.push(p.to - p.from);
      p.r.open++;
    }
    this.queued -= texts.length;
    this.inFlight++;
    if (small) {
      this.queuedSmall -= texts.length;
      this.inFlightSmall += texts.length;
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    }
    this.onBatch(texts.length);
    const done = (result: PredictResult | Error) => {
      this.inFlight--;
      if (small) this.inFlightSmall -= texts.length;
      for (let j = 0; j < parts.length; j++) {
        const p = parts[j];
        const r = p.r;
        r.open--;
        if (result instanceof Error || "error" in result) {
          if (!r.failed) {
            r.failed = true;
            this.drop(r);
            r.reject(result instanceof Error ? result : new TaskUserError(result.error));
          }
        } else if (!r.failed) {
          // chunks start at multiples of opts.chunk; a small request is one piece
          r.pieces[Math.floor(p.from / this.opts.chunk)] = result.pieces[j];
          if (r.open === 0 && r.next === r.texts.length) r.resolve(r.pieces);
        }
      }
      this.pump();
    };
    this.runner.run({ texts, options, parts: lengths }).then(done, (e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
  }

  /** A failed request's chunks still waiting are not run. */
  private drop(r: Request): void {
    const i = this.large.indexOf(r);
    if (i >= 0) {
      this.large.splice(i, 1);
      this.queued -= r.texts.length - r.next;
      r.next = r.texts.length;
    }
  }
}

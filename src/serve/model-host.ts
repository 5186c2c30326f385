/**
 * The model behind `xmc serve`: the model file read once into a SharedArrayBuffer (checked
 * whole: header, length, every array's checksum), a pool of worker threads that predict, fed by
 * a {@link Scheduler}: the first decodes the model in place (the arrays are views over those
 * shared bytes, not copies), into shared memory when there are more; they build theirs from its
 * handoff (methods with `handoff`) or decode the bytes too (see predict-worker.ts). This thread decodes no model of its own: what it tells about the model
 * (method, labels, label texts) comes from a worker at start. A reload reads the new file
 * beside the old one, warms its workers, then swaps; requests already queued finish on the old
 * model, whose workers stop once it is idle (its bytes are freed with them). A failed load
 * leaves the old model serving.
 */
import { XmcError } from "../core/errors.js";
import type { PredictOverrides } from "../methods/model.js";
import { readModelShared } from "../model/file.js";
import { WorkerPool } from "../worker/pool.js";
import type { ModelFacts, Piece, PredictResult, PredictTask, WorkerInit } from "./predict-worker.js";
import { DEFAULT_SCHEDULER, Scheduler, type SchedulerOptions, type SchedulerStats } from "./scheduler.js";

export interface HostOptions {
  /** Prediction worker threads. */
  threads: number;
  scheduler?: Partial<SchedulerOptions>;
}

export interface ModelInfo {
  method: string;
  labels: number;
  path: string;
  loadedAt: string;
  /** Whether the model has label texts (GET /labels/:name answers with them). */
  labelTexts: boolean;
}

interface Loaded {
  /** The model file's bytes, shared by the workers. */
  bytes: Uint8Array;
  labelTexts: string[] | null;
  pool: WorkerPool<PredictTask, PredictResult>;
  scheduler: Scheduler;
  info: ModelInfo;
  byName: Map<string, number>;
  predictOptions: Set<string>;
}

const WORKER = new URL("./predict-worker.js", import.meta.url);

export class ModelHost {
  private constructor(
    private current: Loaded,
    private readonly opts: HostOptions,
    private readonly onBatch: (texts: number) => void,
  ) {}

  static async open(path: string, opts: HostOptions, onBatch: (texts: number) => void = () => {}): Promise<ModelHost> {
    return new ModelHost(await load(path, opts, onBatch), opts, onBatch);
  }

  get info(): ModelInfo {
    return this.current.info;
  }

  /** Most texts that may wait for a worker (a larger request could never be queued). */
  get maxQueued(): number {
    return this.current.scheduler.opts.maxQueued;
  }

  get stats(): SchedulerStats {
    return this.current.scheduler.stats;
  }

  /** Predict `texts`: pieces of JSON (text or UTF-8 bytes) that, joined by commas, are the list of predictions (see {@link Scheduler.submit}). */
  predict(texts: string[], options: PredictOverrides): Promise<Piece[]> {
    return this.current.scheduler.submit(texts, options);
  }

  /** Whether the served model's method takes this prediction option (e.g. "thresholds"). */
  takes(option: string): boolean {
    return this.current.predictOptions.has(option);
  }

  labelText(name: string): string | undefined {
    const l = this.current.byName.get(name);
    if (l === undefined) return undefined;
    return this.current.labelTexts?.[l] ?? "";
  }

  async reload(path = this.current.info.path): Promise<void> {
    const next = await load(path, this.opts, this.onBatch);
    const old = this.current;
    this.current = next;
    await old.scheduler.idle();
    await old.pool.close();
  }

  async close(): Promise<void> {
    await this.current.scheduler.idle();
    await this.current.pool.close();
  }
}

async function load(path: string, opts: HostOptions, onBatch: (texts: number) => void): Promise<Loaded> {
  const bytes = readModelShared(path);
  const threads = Math.max(1, opts.threads);
  const init: WorkerInit = { bytes, source: path, shareModel: threads > 1 };
  const pool = new WorkerPool<PredictTask, PredictResult>(WORKER, 1, init);
  let facts: ModelFacts | undefined;
  try {
    // every worker builds the model and predicts once before the swap; a model that cannot
    // take text (or that a worker cannot load) fails here, not on every request. The first
    // decodes it and, with more workers, hands it over to them when its method can.
    const check = (withFacts: boolean): PredictTask => ({ texts: ["xmc serve start-up check"], options: { topK: 1 }, parts: [1], facts: withFacts, handoff: withFacts && threads > 1 });
    const first = await pool.run(check(true));
    if ("error" in first) throw new XmcError(`${path}: cannot serve this model: ${first.error}`);
    facts = first.facts;
    if (threads > 1) {
      pool.grow(threads - 1, first.handoff ? ({ source: path, ...first.handoff } satisfies WorkerInit) : init);
      const warm = await Promise.all(Array.from({ length: threads - 1 }, () => pool.run(check(false))));
      for (const r of warm) if ("error" in r) throw new XmcError(`${path}: cannot serve this model: ${r.error}`);
    }
  } catch (e) {
    await pool.close();
    throw e;
  }
  if (!facts) throw new Error("no worker returned the model's facts");
  const scheduler = new Scheduler(pool, { ...DEFAULT_SCHEDULER, ...opts.scheduler }, onBatch);
  const byName = new Map(facts.labelNames.map((n, i) => [n, i]));
  const info: ModelInfo = {
    method: facts.method,
    labels: facts.labels,
    path,
    loadedAt: new Date().toISOString(),
    labelTexts: facts.labelTexts !== null,
  };
  return { bytes, labelTexts: facts.labelTexts, pool, scheduler, info, byName, predictOptions: new Set(facts.predictOptions) };
}

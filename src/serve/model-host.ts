/**
 * The model behind `xmc serve`: a copy in this thread for its facts (method, labels, label
 * texts) and a pool of worker threads that predict, fed by a {@link Scheduler}. A reload loads
 * the new model beside the old one, warms its workers, then swaps; requests already queued
 * finish on the old model, whose workers stop once it is idle. A failed load leaves the old
 * model serving.
 */
import { XmcError } from "../core/errors.js";
import type { PredictOverrides, XmcModel } from "../methods/model.js";
import { loadModel } from "../api/load.js";
import { WorkerPool } from "../worker/pool.js";
import type { PredictResult, PredictTask } from "./predict-worker.js";
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
  model: XmcModel;
  pool: WorkerPool<PredictTask, PredictResult>;
  scheduler: Scheduler;
  info: ModelInfo;
  byName: Map<string, number>;
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

  predict(texts: string[], options: PredictOverrides): Promise<string[]> {
    return this.current.scheduler.submit(texts, options);
  }

  labelText(name: string): string | undefined {
    const l = this.current.byName.get(name);
    if (l === undefined) return undefined;
    const texts = (this.current.model as { labelTexts?: string[] | null }).labelTexts;
    return texts?.[l] ?? "";
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
  const model = loadModel(path);
  // a model that cannot take text cannot be served: say so now, not on every request
  try {
    model.predictTexts(["xmc serve start-up check"], { topK: 1 });
  } catch (e) {
    if (e instanceof XmcError) throw new XmcError(`${path}: cannot serve this model: ${e.message}`);
    throw e;
  }
  const pool = new WorkerPool<PredictTask, PredictResult>(WORKER, Math.max(1, opts.threads), { source: path });
  try {
    // the workers load the model before the swap (a model they cannot load fails here)
    await Promise.all(Array.from({ length: pool.size }, () => pool.run({ texts: ["xmc serve warm-up"], options: { topK: 1 } })));
  } catch (e) {
    await pool.close();
    throw e;
  }
  const scheduler = new Scheduler(pool, { ...DEFAULT_SCHEDULER, ...opts.scheduler }, onBatch);
  const byName = new Map(model.labelNames.map((n, i) => [n, i]));
  const info: ModelInfo = {
    method: model.method,
    labels: model.nLabels,
    path,
    loadedAt: new Date().toISOString(),
    labelTexts: Array.isArray((model as { labelTexts?: unknown }).labelTexts),
  };
  return { model, pool, scheduler, info, byName };
}

/**
 * Predicting on several threads (`xmc predict` and `xmc evaluate` with `--threads`).
 * The calling thread keeps its loaded model and predicts too. The other threads get the model from
 * it when its method can hand it over (`XmcModel.handoff`: XR-Linear's trees and search lookups
 * move into shared memory, read in place by every thread); else each decodes the model from one
 * copy of the file's bytes in shared memory (as `xmc serve` does: the arrays are views over that
 * copy; what a worker builds for itself is what decoding builds). The rows are
 * cut into chunks handed out in turn: a worker holds two (one queued), the calling thread takes
 * one between its looks at the workers' answers. Texts arriving in batches (stdin) go through
 * {@link TextStreamPredictor}. Each instance is predicted alone by every method, so the
 * predictions are those of `predictDataset` on the whole set (tested for XR-Linear and SyncXML;
 * PRIME and XR-Transformer checked the same way by hand).
 * Workers start only when the rows are many for the model's size (see startCostS):
 * below that, this thread predicts them all.
 */
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import { type Progress, silentProgress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import type { XmcModel } from "../methods/model.js";
import { readModelShared } from "../model/file.js";
import type { Ranked } from "../search/beam.js";
import { WorkerPool } from "../worker/pool.js";
import { canHandOff, handoffOf, loadModel, type WorkerModelSource } from "./load.js";
import type { AnyModel } from "./types.js";
import { withModelMemory } from "../core/alloc.js";

/**
 * Rows per chunk: large enough that a chunk's hand-off (well under a millisecond) is small against
 * its prediction, and that XR-Linear's batched search reads each weight chunk once for many rows
 * (0.25 ms per row in batches of 512 at 100K labels, 0.20-0.21 in 2,048).
 */
export const CHUNK_ROWS = 2048;

/** What a worker predicts: rows of a data set, without their labels. */
export interface ChunkTask {
  kind: Dataset["kind"];
  source: string;
  texts: string[] | null;
  X: Csr | null;
  overrides: object;
}

/** Or raw texts, answered as `predictTexts` answers. */
export interface TextsTask {
  kind: "predictTexts";
  texts: string[];
  overrides: object;
}

/** Labels with scores, best first, per text. */
export type NamedScores = { label: string; score: number }[][];

/** A worker's model (the file's bytes to decode, or what the loaded model handed over), and the file's path for messages. */
export type WorkerInit = { source: string } & WorkerModelSource;

/** A chunk's predictions (or the texts' named ones), or a user error (a bad option value) as a message. */
export type ChunkResult = { labels: Int32Array[]; scores: Float32Array[] } | { named: NamedScores } | { error: string };

/** Rows [a, b) of a data set, its labels left out. */
export function chunkOf(d: Dataset, a: number, b: number, overrides: object): ChunkTask {
  let X: Csr | null = null;
  if (d.X) {
    const p0 = d.X.indptr[a], p1 = d.X.indptr[b];
    const indptr = d.X.indptr.slice(a, b + 1);
    for (let i = 0; i < indptr.length; i++) indptr[i] -= p0;
    X = { rows: b - a, cols: d.X.cols, indptr, indices: d.X.indices.slice(p0, p1), data: d.X.data.slice(p0, p1) };
  }
  return { kind: d.kind, source: d.source, texts: d.texts ? d.texts.slice(a, b) : null, X, overrides };
}

/** The data set a chunk stands for (no labels), in a model's label space. */
export function chunkDataset(c: ChunkTask, labelNames: string[]): Dataset {
  const rows = c.X ? c.X.rows : (c.texts?.length ?? 0);
  const Y: Csr = { rows, cols: labelNames.length, indptr: new Int32Array(rows + 1), indices: new Int32Array(0), data: new Float32Array(0) };
  return { source: c.source, kind: c.kind, X: c.X, texts: c.texts, Y, labelNames, labelTexts: null, knownLabels: labelNames.length };
}

const WORKER = new URL("./predict-threads-worker.js", import.meta.url);

/**
 * Workers start only when the rows left would take this thread longer than this many seconds per
 * byte of the model file: a worker first decodes the model for itself (measured 6-8 s per GB on
 * one core, slower beside this thread's predictions, plus 1.6 s per GB to read the file into
 * shared memory here), and shares the work only after that. At 1M labels (a 1.4 GB file) 20,000
 * rows took 27-30 s on one thread and 34 s with a worker, which started too late to help.
 */
const WORKER_START_S_PER_BYTE = 20e-9;

/**
 * The same for a model that hands its decoded arrays over (`XmcModel.handoff`): loaded by
 * {@link loadModelForThreads}, its arrays are in shared memory already, and a worker only copies
 * the label names and the small parts. At 1M labels (a 1.4 GB file, two trees) the handoff took
 * under 10 ms here, the worker's model 0.6 s, and 20,000 rows took 14.0-15.1 s of wall time on two
 * threads against 19.5-19.7 s on one (the load and the data's reading included).
 */
const WORKER_HANDOFF_S_PER_BYTE = 2e-9;

let startCostOverride: number | null = null;

/** Replace both start costs per model byte (0: always start the workers; null: the measured ones; for tests); returns the previous setting. */
export function setWorkerStartCost(sPerByte: number | null): number | null {
  const prev = startCostOverride;
  startCostOverride = sPerByte;
  return prev;
}

/** What starting workers for this model costs, in seconds of this thread's predictions. */
function startCostS(model: XmcModel, file: ModelFile): number {
  return (startCostOverride ?? (canHandOff(model) ? WORKER_HANDOFF_S_PER_BYTE : WORKER_START_S_PER_BYTE)) * file.size;
}

/**
 * Load a model to predict with on `threads` threads: with more than one (and as many cores), its
 * arrays are allocated in shared memory, so that a method that hands its model over
 * (`XmcModel.handoff`) gives the workers those arrays with no copy.
 */
export function loadModelForThreads(path: string, threads: number): AnyModel {
  return withModelMemory(Math.min(threads, availableParallelism()) > 1, () => loadModel(path));
}

/** A model file as it was when its model was loaded: the workers decode it only if it is unchanged. */
export interface ModelFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Stat a model file, right after its model was loaded from it. */
export function modelFileOf(path: string): ModelFile {
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs };
}

function unchanged(f: ModelFile): boolean {
  try {
    const st = statSync(f.path);
    return st.size === f.size && st.mtimeMs === f.mtimeMs;
  } catch {
    return false;
  }
}

type Pool = WorkerPool<ChunkTask | TextsTask, ChunkResult>;

/**
 * `workers` workers predicting as `model` does: on what the model hands over, or else over one
 * copy of the model file in shared memory; null, with a message, when that file has changed since
 * its model was loaded (before or while it is read).
 */
function startWorkers(model: XmcModel, file: ModelFile, workers: number, progress: Progress): Pool | null {
  const handoff = handoffOf(model);
  if (handoff !== null) return new WorkerPool<ChunkTask | TextsTask, ChunkResult>(WORKER, workers, { source: file.path, ...handoff } satisfies WorkerInit);
  const bytes = unchanged(file) ? readModelShared(file.path, false) : null;
  if (bytes === null || !unchanged(file)) {
    progress.log(`${file.path} changed since it was loaded: predicting on one thread`);
    return null;
  }
  return new WorkerPool<ChunkTask | TextsTask, ChunkResult>(WORKER, workers, { bytes, source: file.path } satisfies WorkerInit);
}

/**
 * `model.predictDataset(data, overrides)` on `threads` threads (this one included), `model` loaded
 * from `file`; one thread, or a set of at most two chunks, predicts here alone, and so does this
 * thread when the file has changed since (the workers would decode another model).
 */
export async function predictDatasetOnThreads(model: XmcModel, file: ModelFile, data: Dataset, overrides: object, threads: number, progress: Progress = silentProgress): Promise<Ranked[]> {
  const n = data.Y.rows;
  const workers = Math.min(Math.max(1, threads), availableParallelism(), Math.ceil(n / CHUNK_ROWS)) - 1;
  if (workers < 1 || n <= 2 * CHUNK_ROWS) return model.predictDataset(data, overrides, progress);
  const out: Ranked[] = new Array(n);
  const put = (a: number, labels: Int32Array[], scores: Float32Array[], tick = true): void => {
    for (let i = 0; i < labels.length; i++) out[a + i] = { labels: labels[i], scores: scores[i] };
    if (tick) progress.tick(labels.length);
  };
  /** Rows [a, b) on this thread; a long run (`ticking`) reports its progress as it goes. */
  const predictHere = (a: number, b: number, ticking = false): void => {
    const p: Progress = ticking ? { start() {}, tick: (k) => progress.tick(k), stop() {}, log: (m) => progress.log(m) } : silentProgress;
    const preds = model.predictDataset(chunkDataset(chunkOf(data, a, b, overrides), model.labelNames), overrides, p);
    put(a, preds.map((r) => r.labels), preds.map((r) => r.scores), !ticking);
  };
  progress.start("predict", n);
  // the first chunk, timed here, tells whether the rest is worth the workers' start
  const t0 = performance.now();
  predictHere(0, CHUNK_ROWS);
  const restS = ((performance.now() - t0) / 1000 / CHUNK_ROWS) * (n - CHUNK_ROWS);
  const hereAlone = (): Ranked[] => {
    predictHere(CHUNK_ROWS, n, true);
    progress.stop();
    return out;
  };
  if (restS < startCostS(model, file)) return hereAlone();
  const pool = startWorkers(model, file, workers, progress);
  if (pool === null) return hereAlone();
  const nChunks = Math.ceil(n / CHUNK_ROWS);
  let next = 1;
  try {
    // a failure anywhere ends the hand-out
    const stopOnError = async (work: () => Promise<void>): Promise<void> => {
      try {
        await work();
      } catch (e) {
        next = nChunks;
        throw e;
      }
    };
    // each worker takes chunks until none is left
    const byWorker = async (): Promise<void> => {
      while (next < nChunks) {
        const a = next++ * CHUNK_ROWS, b = Math.min(n, a + CHUNK_ROWS);
        const r = await pool.run(chunkOf(data, a, b, overrides));
        if ("error" in r) throw new XmcError(r.error);
        if (!("labels" in r)) throw new Error("a row task answered with named labels");
        put(a, r.labels, r.scores);
      }
    };
    // this thread takes one chunk at a time, letting the workers' answers in between
    const here = async (): Promise<void> => {
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (next >= nChunks) return;
        const a = next++ * CHUNK_ROWS;
        predictHere(a, Math.min(n, a + CHUNK_ROWS));
      }
    };
    // two chunks in flight per worker: one queued while it predicts the other, so that it never
    // waits for this thread (busy with its own chunk) to hand it the next
    await Promise.all([here, ...Array.from({ length: 2 * workers }, () => byWorker)].map(stopOnError));
  } finally {
    progress.stop();
    await pool.close();
  }
  return out;
}

/**
 * Texts arriving in batches (`xmc predict` reading stdin): each batch is predicted as
 * `model.predictTexts(batch)` would, here or on a worker, and the answers come back in the order
 * of the calls. The batches are predicted here until this thread has spent as long on them as
 * workers cost to start for this model (see startCostS), so a short stream
 * never starts any; then `threads` workers take every batch (queued when all are busy), this
 * thread only reading the input and writing the answers: measured on a stream of short texts,
 * that took 13.1-13.2 s where one worker beside this thread's own predictions took 16.1-17.0 s.
 */
export class TextStreamPredictor {
  private pool: Pool | null = null;
  private spentS = 0;
  private readonly workers: number;

  constructor(
    private readonly model: XmcModel,
    private readonly file: ModelFile,
    private readonly overrides: object,
    threads: number,
    private readonly progress: Progress = silentProgress,
  ) {
    const n = Math.min(threads, availableParallelism());
    this.workers = n > 1 ? n : 0;
  }

  /** Whether workers have started. */
  get threaded(): boolean {
    return this.pool !== null;
  }

  /** The predictions of one batch. */
  async predict(texts: string[]): Promise<NamedScores> {
    if (this.pool === null && this.workers > 0 && this.spentS > startCostS(this.model, this.file)) {
      this.spentS = -Infinity; // tried once, whatever the outcome
      this.pool = startWorkers(this.model, this.file, this.workers, this.progress);
    }
    if (this.pool === null) return this.here(texts);
    const r = await this.pool.run({ kind: "predictTexts", texts, overrides: this.overrides });
    if ("error" in r) throw new XmcError(r.error);
    if (!("named" in r)) throw new Error("a text task answered with rows");
    return r.named;
  }

  private here(texts: string[]): NamedScores {
    const t0 = performance.now();
    const out = this.model.predictTexts(texts, this.overrides);
    this.spentS += (performance.now() - t0) / 1000;
    return out;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }
}

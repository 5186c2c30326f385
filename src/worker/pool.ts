import { type Transferable, Worker } from "node:worker_threads";

/**
 * A fixed pool of worker threads running one script. Each worker gets `init` once
 * (typically SharedArrayBuffer-backed arrays), then tasks are handed out as workers
 * become free. Tasks should be coarse (milliseconds or more): a round trip costs ~20 µs.
 */
export class WorkerPool<TTask, TResult> {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { task: TTask; transfer: Transferable[]; resolve: (r: TResult) => void; reject: (e: unknown) => void }[] = [];
  private current = new Map<Worker, { resolve: (r: TResult) => void; reject: (e: unknown) => void }>();
  private failed: unknown = null;

  constructor(
    private readonly script: URL,
    size: number,
    init: unknown,
  ) {
    this.grow(size, init);
  }

  /** Add `n` workers, each given `init` (which may differ from the first ones'); they are handed tasks before the older idle workers. */
  grow(n: number, init: unknown): void {
    for (let i = 0; i < n; i++) {
      const w = new Worker(this.script, { workerData: init });
      w.on("message", (msg: { ok: boolean; result?: TResult; error?: string }) => {
        const job = this.current.get(w);
        this.current.delete(w);
        if (job) {
          if (msg.ok) job.resolve(msg.result as TResult);
          else job.reject(new Error(msg.error));
        }
        this.idle.push(w);
        this.pump();
      });
      w.on("error", (err) => {
        this.failed = err;
        const job = this.current.get(w);
        this.current.delete(w);
        job?.reject(err);
        for (const q of this.queue.splice(0)) q.reject(err);
      });
      this.workers.push(w);
      this.idle.push(w);
    }
    this.pump();
  }

  get size(): number {
    return this.workers.length;
  }

  run(task: TTask, transfer: Transferable[] = []): Promise<TResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const job = this.queue.shift()!;
      this.current.set(w, job);
      w.postMessage(job.task, job.transfer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
    this.idle = [];
  }
}

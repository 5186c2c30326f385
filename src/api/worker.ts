/** `xmc worker`: take the jobs of distributed training runs from a Redis queue and do them. */
import { XmcError } from "../core/errors.js";
import type { Progress } from "../core/progress.js";
import { methodByName } from "./methods.js";

export interface TrainWorkerOptions {
  /** Queue name (default "xmc-train", the one `xmc train --distributed` fills by default). */
  queue?: string;
  /** Threads each job trains with. */
  threads: number;
  /** Lock of a running job, renewed every half of it; a killed worker's job is freed after this long (default 30 s). */
  lockSeconds?: number;
  /** How often expired locks are looked for (default 15 s). */
  stalledCheckSeconds?: number;
  progress?: Progress;
}

/**
 * Do queued training jobs until SIGINT/SIGTERM (the current job finishes first); each job names
 * its method, whose `runJob` does it. A lost Redis server ends the worker with an XmcError.
 */
export async function runTrainWorker(url: string, o: TrainWorkerOptions): Promise<void> {
  // bullmq loads only here and in distributed training
  const { DEFAULT_QUEUE, runQueueWorker } = await import("../distributed/queue.js");
  await runQueueWorker(url, {
    queue: o.queue ?? DEFAULT_QUEUE,
    lockMs: Math.round((o.lockSeconds ?? 30) * 1000),
    stalledCheckMs: Math.round((o.stalledCheckSeconds ?? 15) * 1000),
    progress: o.progress,
    run: async (data, id) => {
      const m = methodByName(String(data.method), `job ${id}: method`);
      if (!m.runJob) throw new XmcError(`job ${id}: method ${m.name} does not train across machines`);
      return m.runJob(data, { threads: o.threads });
    },
  });
}

/** Check that the Redis server at `url` answers (bounded); an XmcError naming `flag` otherwise. */
export async function checkRedis(url: string, flag: string): Promise<void> {
  const { JobQueue, DEFAULT_QUEUE } = await import("../distributed/queue.js");
  await (await JobQueue.open(url, DEFAULT_QUEUE, flag)).close();
}

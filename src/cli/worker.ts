import type { Command } from "commander";
import { runTrainWorker } from "../api/worker.js";
import { XmcError } from "../core/errors.js";
import { parseThreads } from "./flags.js";
import { stderrProgress } from "./progress-bar.js";

function seconds(v: unknown, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new XmcError(`${flag}: expected a positive number of seconds, got "${String(v)}"`);
  return n;
}

/** `xmc worker URL`: train the sub-models that `xmc train --distributed URL` queues. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("take training jobs from the Redis queue that `xmc train DATA -m MODEL --distributed URL` fills, and do them (any number of workers, on any machine that sees the model's directory at the same path); stops on Ctrl-C after the current job")
    .argument("<URL>", "the Redis server, redis://HOST:PORT")
    .option("--queue <NAME>", "queue name (the same as the coordinator's --queue)", "xmc-train")
    .option("--threads <n>", "threads per job (default: all cores)")
    .option("--lock-seconds <s>", "a job's lock, renewed every half of it while it runs; a killed worker's job goes to another worker after at most this long", "30")
    .option("--stalled-check-seconds <s>", "how often this worker looks for jobs whose lock expired", "15")
    .option("-q, --quiet", "no progress output")
    .action(async (url: string, o: Record<string, unknown>) => {
      await runTrainWorker(url, {
        queue: String(o.queue),
        threads: parseThreads(o.threads),
        lockSeconds: seconds(o.lockSeconds, "--lock-seconds", 30),
        stalledCheckSeconds: seconds(o.stalledCheckSeconds, "--stalled-check-seconds", 15),
        progress: stderrProgress(Boolean(o.quiet)),
      });
    });
}

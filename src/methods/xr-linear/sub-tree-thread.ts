/** Worker-thread entry of one queued sub-tree job (see runJobInThread). */
import { parentPort, workerData } from "node:worker_threads";
import { XmcError } from "../../core/errors.js";
import { runSubTreeJob, type SubTreeJob } from "./distributed.js";

const { job, threads } = workerData as { job: SubTreeJob; threads: number };
runSubTreeJob(job, threads).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), user: e instanceof XmcError }),
);

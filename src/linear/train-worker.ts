import { parentPort, workerData } from "node:worker_threads";
import type { Csr } from "../core/csr.js";
import type { SolverParams } from "./params.js";
import { createSolver } from "./solver.js";

/** One group of binary problems sharing an instance set (see GroupSolver.trainGroup). */
export interface TrainTask {
  rows: Int32Array;
  positives: Int32Array[];
  params: SolverParams;
  seed: number;
}

if (parentPort) {
  const { X, kind } = workerData as { X: Csr; kind: "wasm" | "js" };
  const solver = createSolver(X, kind);
  const port = parentPort;
  port.on("message", (task: TrainTask) => {
    try {
      const w = solver.trainGroup(task.rows, task.positives, task.params, task.seed);
      // copy out of any shared or wasm-backed memory before transferring
      const r = { colptr: w.colptr.slice(), rows: w.rows.slice(), values: w.values.slice() };
      port.postMessage({ ok: true, result: r }, [r.colptr.buffer, r.rows.buffer, r.values.buffer]);
    } catch (e) {
      port.postMessage({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
  });
}

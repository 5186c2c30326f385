import { parentPort, workerData } from "node:worker_threads";
import type { Csr } from "../core/csr.js";
import { type PifaTask, runPifaTask } from "../tree/pifa.js";
import { ChunkScratch, chunkParent, type ParentChunk } from "./level-weights.js";
import type { SolverParams } from "./params.js";
import { createSolver } from "./solver.js";
import type { WeightBlock } from "./types.js";

/** One group of binary problems sharing an instance set (see GroupSolver.trainGroup). */
export interface SolveTask {
  kind: "solve";
  rows: Int32Array;
  positives: Int32Array[];
  params: SolverParams;
  seed: number;
  /** The group is all of one parent's children: return its chunk (chunkParent), not the block. */
  chunk: boolean;
}

/** A solver worker's tasks: solving a group, or a pass of PIFA over a range of labels (pifaParallel). */
export type TrainTask = SolveTask | { kind: "pifa"; pifa: PifaTask };

/** A task's answer: the group's weight columns, or with `chunk` the parent's chunk (PIFA's: nothing, it writes into shared arrays). */
export type TrainResult = { block: WeightBlock } | { chunk: ParentChunk } | { done: true };

if (parentPort) {
  const { X, kind } = workerData as { X: Csr; kind: "wasm" | "js" };
  const solver = createSolver(X, kind);
  const port = parentPort;
  const scratch = new ChunkScratch();
  const answer = (result: TrainResult, transfer: ArrayBuffer[] = []): void => port.postMessage({ ok: true, result }, transfer);
  port.on("message", (task: TrainTask) => {
    try {
      if (task.kind === "pifa") {
        runPifaTask(X, task.pifa);
        answer({ done: true });
        return;
      }
      const w = solver.trainGroup(task.rows, task.positives, task.params, task.seed);
      if (task.chunk) {
        const c = chunkParent([{ e0: 0, block: w }], task.positives.length, scratch);
        answer({ chunk: c }, [c.rowFeat.buffer, c.rowPtr.buffer, c.entChild.buffer, c.entVal.buffer] as ArrayBuffer[]);
      } else {
        answer({ block: w }, [w.colptr.buffer, w.rows.buffer, w.values.buffer] as ArrayBuffer[]);
      }
    } catch (e) {
      port.postMessage({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
  });
}

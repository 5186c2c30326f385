import type { Csr } from "../core/csr.js";
import { toShared, transposePattern } from "../core/csr.js";
import { type Progress, silentProgress } from "../core/progress.js";
import { searchEveryRow } from "../search/beam.js";
import type { PostProcessor } from "../search/postprocess.js";
import type { ClusterChain } from "../tree/chain.js";
import { WorkerPool } from "../worker/pool.js";
import type { TrainTask } from "./train-worker.js";
import { chunkLevelBlocks, type LevelWeights } from "./level-weights.js";
import { nodeSolverParams, type SolverParams } from "./params.js";
import { createSolver } from "./solver.js";
import { levelTargets, type NodeInstances } from "./targets.js";
import { SOLVER_LANES, type WeightBlock } from "./types.js";

export const NEGATIVE_SCHEMES = ["tfn", "man", "tfn+man"] as const;
export type NegativeScheme = (typeof NEGATIVE_SCHEMES)[number];

/** A pool of solver workers over one feature matrix, reusable across trainChain calls on it. */
export type TrainPool = WorkerPool<TrainTask, WeightBlock>;

/**
 * Start `threads` solver workers over X (null for one thread). Callers that train several chains
 * on the same X (ensembles, disentanglement rounds) share one pool and close it when done.
 */
export function createTrainPool(X: Csr, threads: number, solverKind: "wasm" | "js" = "wasm"): TrainPool | null {
  if (threads <= 1) return null;
  return new WorkerPool<TrainTask, WeightBlock>(new URL("./train-worker.js", import.meta.url), threads, {
    X: toShared(X),
    kind: solverKind,
  });
}

export interface ChainTrainOptions {
  solver: SolverParams;
  negatives: NegativeScheme;
  /** Worker threads; 1 trains in this thread. */
  threads: number;
  /** Workers started by the caller over the same X (kept open); otherwise trainChain starts and closes its own. */
  pool?: TrainPool | null;
  seed: number;
  /**
   * With man or tfn+man negatives: the first level that gets them (default 1, every level below
   * the root's children); levels above it are trained on TFN alone.
   */
  manFromLevel?: number;
  /** Beam and post-processor used to find matcher-aware negatives. */
  beamSize: number;
  post: PostProcessor;
  solverKind?: "wasm" | "js";
  progress?: Progress;
  /** Train only the first `levels` levels (default: all), e.g. the matcher levels that label disentanglement needs. */
  levels?: number;
  /** Called once the last level's problems are solved, before their weights are assembled (the caller may close `pool` then). */
  solved?: () => Promise<void>;
}

interface Job {
  t: number;
  parent: number;
  e0: number;
  e1: number;
  rows: Int32Array;
  positives: Int32Array[];
}

/**
 * Train every level of the chain: per level t and parent p, one binary problem per child
 * over the instances routed to p (TFN: instances positive for p; MAN: instances the
 * already-trained levels send to p), positives being the child's instances.
 * X rows must be L2-normalised. Returns the chunked weights of every level trained.
 */
export async function trainChain(X: Csr, Y: Csr, chain: ClusterChain, opts: ChainTrainOptions): Promise<LevelWeights[]> {
  const progress = opts.progress ?? silentProgress;
  const targets = levelTargets(Y, chain);
  const threads = Math.max(1, opts.threads);
  const own = opts.pool === undefined ? createTrainPool(X, threads, opts.solverKind) : null;
  const pool = opts.pool ?? own;
  const local = pool ? null : createSolver(X, opts.solverKind ?? "wasm");
  const levels: LevelWeights[] = [];
  try {
    const upTo = Math.min(chain.length, opts.levels ?? chain.length);
    // the jobs of a level depend on the trained levels above it only through matcher-aware
    // negatives: levels trained on TFN alone run together, so the root's few big jobs overlap
    // with the many small ones below instead of leaving threads idle
    const needsTrained = (t: number): boolean => t > 0 && opts.negatives !== "tfn" && t >= (opts.manFromLevel ?? 1);
    for (let t0 = 0; t0 < upTo; ) {
      let t1 = t0 + 1;
      while (t1 < upTo && !needsTrained(t1)) t1++;
      const jobs: Job[] = [];
      const firstJob: number[] = [];
      let edges = 0;
      let nodes = 0;
      for (let t = t0; t < t1; t++) {
        const matching = t === 0 ? null : matchingSets(X, chain, levels, targets, t, opts);
        firstJob.push(jobs.length);
        jobs.push(...makeJobs(t, chain, targets[t], matching, X.rows, threads));
        edges += chain[t].children.length;
        nodes += chain[t].nNodes;
      }
      firstJob.push(jobs.length);
      const label = chain.length === 1
        ? "train labels"
        : t1 - t0 === 1
          ? `train level ${t0 + 1}/${chain.length} (${chain[t0].nNodes} nodes)`
          : `train levels ${t0 + 1}-${t1}/${chain.length} (${nodes} nodes)`;
      progress.start(label, edges);
      const blocks: WeightBlock[] = new Array(jobs.length);
      // the solver seeds the block of SOLVER_LANES children starting at child c of a job with seed + c, and
      // jobs cut a parent's children at multiples of SOLVER_LANES: the weights do not depend on the cut
      const seedOf = (job: Job): number => (opts.seed * 1_000_003 + job.t * 7919 + job.e0) >>> 0;
      const paramsOf = (job: Job): SolverParams => nodeSolverParams(opts.solver, job.rows.length, X.rows);
      if (pool) {
        // queued in level order: the root's jobs, the biggest, start first
        await Promise.all(
          jobs.map(async (job, k) => {
            blocks[k] = await pool.run({ rows: job.rows, positives: job.positives, params: paramsOf(job), seed: seedOf(job) });
            progress.tick(job.e1 - job.e0);
          }),
        );
      } else {
        jobs.forEach((job, k) => {
          blocks[k] = local!.trainGroup(job.rows, job.positives, paramsOf(job), seedOf(job));
          progress.tick(job.e1 - job.e0);
        });
      }
      progress.stop();
      if (t1 === upTo) {
        // nothing more to solve: let the workers and their copies of X go before the weights are assembled
        await own?.close();
        local?.dispose?.();
        await opts.solved?.();
      }
      for (let t = t0; t < t1; t++) {
        const mine = jobs.slice(firstJob[t - t0], firstJob[t - t0 + 1]);
        levels.push(chunkLevelBlocks(chain[t], mine.map((job, q) => ({ e0: job.e0, block: blocks[firstJob[t - t0] + q] }))));
      }
      t0 = t1;
    }
  } finally {
    await own?.close();
    local?.dispose?.();
  }
  return levels;
}

/** Per parent of level t, the sorted instances it sees (before positives are added). */
function matchingSets(
  X: Csr,
  chain: ClusterChain,
  trained: LevelWeights[],
  targets: NodeInstances[],
  t: number,
  opts: ChainTrainOptions,
): NodeInstances {
  const tfn = targets[t - 1];
  if (opts.negatives === "tfn" || t < (opts.manFromLevel ?? 1)) return tfn;
  // matcher-aware: where levels 0..t-1 send each training instance
  const reached = searchEveryRow(X, chain, trained, opts.solver.bias, { levels: t, beam: opts.beamSize, post: opts.post });
  const ptr = new Int32Array(X.rows + 1);
  for (let i = 0; i < X.rows; i++) ptr[i + 1] = ptr[i] + reached[i].length;
  const idx = new Int32Array(ptr[X.rows]);
  for (let i = 0; i < X.rows; i++) idx.set(reached[i], ptr[i]);
  const pattern = transposePattern(ptr, idx, X.rows, chain[t].nParents);
  const man: NodeInstances = { ptr: pattern.ptr, idx: pattern.idx };
  if (opts.negatives === "man") return man;
  return unionSets(tfn, man, chain[t].nParents);
}

function unionSets(a: NodeInstances, b: NodeInstances, n: number): NodeInstances {
  const ptr = new Int32Array(n + 1);
  const out: number[] = [];
  for (let p = 0; p < n; p++) {
    let i = a.ptr[p];
    let j = b.ptr[p];
    const ie = a.ptr[p + 1];
    const je = b.ptr[p + 1];
    while (i < ie || j < je) {
      if (j >= je || (i < ie && a.idx[i] < b.idx[j])) out.push(a.idx[i++]);
      else if (i >= ie || b.idx[j] < a.idx[i]) out.push(b.idx[j++]);
      else {
        out.push(a.idx[i++]);
        j++;
      }
    }
    ptr[p + 1] = out.length;
  }
  return { ptr, idx: Int32Array.from(out) };
}

/** Cut a level into jobs: a parent's children share one instance set; big parents are split. */
function makeJobs(t: number, chain: ClusterChain, Yt: NodeInstances, matching: NodeInstances | null, N: number, threads: number): Job[] {
  const lv = chain[t];
  const jobs: Job[] = [];
  const pos = new Int32Array(N).fill(-1);
  const minJobs = 4 * threads;
  for (let p = 0; p < lv.nParents; p++) {
    const e0 = lv.ptr[p];
    const e1 = lv.ptr[p + 1];
    if (e1 === e0) continue;
    // instance set: matched instances ∪ positives of every child
    let rows: Int32Array;
    if (matching === null) {
      rows = Int32Array.from({ length: N }, (_, i) => i);
    } else {
      const set = new Set<number>();
      for (let q = matching.ptr[p]; q < matching.ptr[p + 1]; q++) set.add(matching.idx[q]);
      for (let e = e0; e < e1; e++) {
        const j = lv.children[e];
        for (let q = Yt.ptr[j]; q < Yt.ptr[j + 1]; q++) set.add(Yt.idx[q]);
      }
      rows = Int32Array.from(set).sort();
    }
    for (let k = 0; k < rows.length; k++) pos[rows[k]] = k;
    const positives: Int32Array[] = [];
    for (let e = e0; e < e1; e++) {
      const j = lv.children[e];
      const list = new Int32Array(Yt.ptr[j + 1] - Yt.ptr[j]);
      for (let q = Yt.ptr[j], k = 0; q < Yt.ptr[j + 1]; q++, k++) list[k] = pos[Yt.idx[q]];
      positives.push(list.sort());
    }
    for (let k = 0; k < rows.length; k++) pos[rows[k]] = -1;
    const pieces = lv.nParents >= minJobs || threads === 1 ? 1 : Math.min(e1 - e0, Math.ceil(minJobs / lv.nParents));
    const size = Math.ceil(Math.ceil((e1 - e0) / pieces) / SOLVER_LANES) * SOLVER_LANES;
    for (let a = e0; a < e1; a += size) {
      const b = Math.min(e1, a + size);
      jobs.push({ t, parent: p, e0: a, e1: b, rows, positives: positives.slice(a - e0, b - e0) });
    }
  }
  return jobs;
}

import type { Csr } from "../core/csr.js";
import { toShared, transposePattern } from "../core/csr.js";
import { type Progress, silentProgress } from "../core/progress.js";
import { searchEveryRow } from "../search/beam.js";
import type { PostProcessor } from "../search/postprocess.js";
import type { ChainLevel, ClusterChain } from "../tree/chain.js";
import { pifa, pifaParallel } from "../tree/pifa.js";
import { WorkerPool } from "../worker/pool.js";
import type { TrainResult, TrainTask } from "./train-worker.js";
import { ChunkScratch, chunkParent, concatChunks, type EdgeBlock, type LevelWeights, type ParentChunk } from "./level-weights.js";
import { nodeSolverParams, type SolverParams } from "./params.js";
import { createSolver } from "./solver.js";
import { levelTargets, type NodeInstances } from "./targets.js";
import { SOLVER_LANES } from "./types.js";

export const NEGATIVE_SCHEMES = ["tfn", "man", "tfn+man"] as const;
export type NegativeScheme = (typeof NEGATIVE_SCHEMES)[number];

/** A pool of solver workers over one feature matrix, reusable across trainChain calls on it. */
export type TrainPool = WorkerPool<TrainTask, TrainResult>;

/**
 * Start `threads` solver workers over X (null for one thread). Callers that train several chains
 * on the same X (ensembles, disentanglement rounds) share one pool and close it when done.
 */
export function createTrainPool(X: Csr, threads: number, solverKind: "wasm" | "js" = "wasm"): TrainPool | null {
  if (threads <= 1) return null;
  return new WorkerPool<TrainTask, TrainResult>(new URL("./train-worker.js", import.meta.url), threads, {
    X: toShared(X),
    kind: solverKind,
  });
}

/** PIFA label embeddings of (X, Y) on the pool's workers (in shared memory), or on this thread without a pool. */
export async function pifaOnPool(pool: TrainPool | null, X: Csr, Y: Csr): Promise<Csr> {
  return pool ? pifaParallel(X, Y, (task) => pool.run({ kind: "pifa", pifa: task }), pool.size) : pifa(X, Y);
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
  const scratch = new ChunkScratch();
  const wholeParent = (job: Job): boolean => job.e0 === chain[job.t].ptr[job.parent] && job.e1 === chain[job.t].ptr[job.parent + 1];
  try {
    const upTo = Math.min(chain.length, opts.levels ?? chain.length);
    // the jobs of a level depend on the trained levels above it only through matcher-aware
    // negatives: levels trained on TFN alone run together, so the root's few big jobs overlap
    // with the many small ones below instead of leaving threads idle
    const needsTrained = (t: number): boolean => t > 0 && opts.negatives !== "tfn" && t >= (opts.manFromLevel ?? 1);
    for (let t0 = 0; t0 < upTo; ) {
      let t1 = t0 + 1;
      while (t1 < upTo && !needsTrained(t1)) t1++;
      let edges = 0;
      let nodes = 0;
      for (let t = t0; t < t1; t++) {
        edges += chain[t].children.length;
        nodes += chain[t].nNodes;
      }
      const label = chain.length === 1
        ? "train labels"
        : t1 - t0 === 1
          ? `train level ${t0 + 1}/${chain.length} (${chain[t0].nNodes} nodes)`
          : `train levels ${t0 + 1}-${t1}/${chain.length} (${nodes} nodes)`;
      progress.start(label, edges);
      // the solver seeds the block of SOLVER_LANES children starting at child c of a job with seed + c, and
      // jobs cut a parent's children at multiples of SOLVER_LANES: the weights do not depend on the cut
      const seedOf = (job: Job): number => (opts.seed * 1_000_003 + job.t * 7919 + job.e0) >>> 0;
      const paramsOf = (job: Job): SolverParams => nodeSolverParams(opts.solver, job.rows.length, X.rows);
      // a level's jobs are queued as soon as they are cut (the workers start on the root's, the
      // biggest, while the levels below are cut) and the level is assembled as soon as they are
      // back. A job holding all of a parent's children comes back chunked (by the worker); the
      // parents cut into several jobs are chunked here from their blocks.
      const solving: Promise<{ jobs: Job[]; results: TrainResult[] }>[] = [];
      for (let t = t0; t < t1; t++) {
        const matching = t === 0 ? null : matchingSets(X, chain, levels, targets, t, opts);
        const jobs = makeJobs(t, chain, targets[t], matching, X.rows, threads);
        const results: TrainResult[] = new Array(jobs.length);
        if (pool) {
          const done = Promise.all(
            jobs.map(async (job, k) => {
              results[k] = await pool.run({ kind: "solve", rows: job.rows, positives: job.positives, params: paramsOf(job), seed: seedOf(job), chunk: wholeParent(job) });
              progress.tick(job.e1 - job.e0);
            }),
          ).then(() => ({ jobs, results }));
          done.catch(() => {}); // awaited below, in level order
          solving.push(done);
          // let finished workers take the next jobs before the next level is cut
          await new Promise((resolve) => setImmediate(resolve));
        } else {
          jobs.forEach((job, k) => {
            const block = local!.trainGroup(job.rows, job.positives, paramsOf(job), seedOf(job));
            results[k] = wholeParent(job) ? { chunk: chunkParent([{ e0: 0, block }], job.e1 - job.e0, scratch) } : { block };
            progress.tick(job.e1 - job.e0);
          });
          solving.push(Promise.resolve({ jobs, results }));
        }
      }
      for (let t = t0; t < t1; t++) {
        const { jobs, results } = await solving[t - t0];
        if (t === t1 - 1) progress.stop();
        if (t === upTo - 1) {
          // nothing more to solve: let the workers and their copies of X go before the weights are assembled
          await own?.close();
          local?.dispose?.();
          await opts.solved?.();
        }
        levels.push(assembleLevel(chain[t], jobs, results, scratch));
      }
      t0 = t1;
    }
  } finally {
    await own?.close();
    local?.dispose?.();
  }
  return levels;
}

/** A level's weights from the results of its jobs (each parent's jobs consecutive, in child order); lets go of the results. */
function assembleLevel(level: ChainLevel, jobs: Job[], results: TrainResult[], scratch: ChunkScratch): LevelWeights {
  const chunks: (ParentChunk | null)[] = new Array(level.nParents).fill(null);
  for (let k = 0; k < jobs.length; ) {
    const p = jobs[k].parent;
    let k2 = k + 1;
    while (k2 < jobs.length && jobs[k2].parent === p) k2++;
    const r = results[k];
    if (k2 === k + 1 && "chunk" in r) chunks[p] = r.chunk;
    else {
      const parts: EdgeBlock[] = [];
      for (let q = k; q < k2; q++) {
        const rq = results[q];
        if (!("block" in rq)) throw new Error(`trainChain: parent ${p} cut into jobs returned a chunk`);
        parts.push({ e0: jobs[q].e0 - level.ptr[p], block: rq.block });
      }
      chunks[p] = chunkParent(parts, level.ptr[p + 1] - level.ptr[p], scratch);
    }
    for (let q = k; q < k2; q++) results[q] = undefined as unknown as TrainResult;
    k = k2;
  }
  return concatChunks(level, chunks);
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

/**
 * The sorted instances of parent p's group: its matched instances (sorted, as the sets above are)
 * ∪ the positives of its children. With TFN negatives the children's positives are among the
 * matched instances, and the set is a copy of them. `pos` is -1 everywhere, and left so.
 */
function instanceSet(matching: NodeInstances, p: number, children: Int32Array, Yt: NodeInstances, pos: Int32Array): Int32Array {
  const m0 = matching.ptr[p];
  const m1 = matching.ptr[p + 1];
  const extra: number[] = [];
  let sorted = true;
  for (let q = m0; q < m1; q++) {
    const i = matching.idx[q];
    if (q > m0 && i <= matching.idx[q - 1]) sorted = false;
    pos[i] = 0;
  }
  for (const j of children) {
    for (let q = Yt.ptr[j]; q < Yt.ptr[j + 1]; q++) {
      const i = Yt.idx[q];
      if (pos[i] === -1) {
        pos[i] = 0;
        extra.push(i);
      }
    }
  }
  for (let q = m0; q < m1; q++) pos[matching.idx[q]] = -1;
  for (const i of extra) pos[i] = -1;
  if (sorted && extra.length === 0) return matching.idx.slice(m0, m1);
  const set = new Set<number>(matching.idx.subarray(m0, m1));
  for (const i of extra) set.add(i);
  return Int32Array.from(set).sort();
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
      rows = new Int32Array(N);
      for (let i = 0; i < N; i++) rows[i] = i;
    } else {
      rows = instanceSet(matching, p, lv.children.subarray(e0, e1), Yt, pos);
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

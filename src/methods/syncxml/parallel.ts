/**
 * Data-parallel gradient computation for SyncXML / InceptionXML training on worker threads.
 *
 * Every parameter lives in a SharedArrayBuffer seen by all threads, so weights are never copied:
 * for a batch, the main thread and T − 1 workers each run forward + backward on a part of the
 * rows (each part normalised by its own batch statistics, like data-parallel training without
 * synchronised batch norm), the workers send their gradients back (dense: one concatenated
 * array; row-sparse tables: touched row ids and values), and the main thread merges them into
 * its own gradients weighted by part size (the gradient of the whole batch's mean losses) and
 * runs the optimizers while the workers wait. Spectral-norm vectors are kept per thread and stay
 * identical (the same power step on the same weights); batch-norm running statistics of the
 * model are the main thread's. Part p > 0 of step s in epoch e draws its dropout from a seed
 * derived from (seed, e, s, p), so runs are deterministic for a given thread count.
 */
import type { Csr } from "../../core/csr.js";
import { Rng } from "../../core/rng.js";
import type { Tensor } from "../../nn/tensor.js";
import { WorkerPool } from "../../worker/pool.js";
import type { Network } from "./network.js";
import type { SyncXMLParams } from "./params.js";

/** Losses of one batch. */
export interface StepLoss {
  loss: number;
  meta: number;
  ext: number;
  candidates: number;
}

/** What a worker builds its replica from. */
export interface ReplicaInit {
  params: SyncXMLParams;
  vocabSize: number;
  L: number;
  clusterOf: Int32Array | null;
  K: number;
  /** N × seqLen token ids and the label matrix (positives). */
  ids: Int32Array;
  Y: Csr;
  /** Shared parameter buffers by name. */
  shared: Record<string, SharedArrayBuffer>;
  /** Spectral-norm vectors (and any other buffers) to start from, by name. */
  buffers: Record<string, Float32Array>;
}

/** One part of a batch, for a worker. */
export interface PartTask {
  rows: Int32Array;
  detach: boolean;
  /** Dropout seed of this part. */
  seed: number;
}

/** A worker's gradients and losses. */
export interface PartResult {
  n: number;
  loss: StepLoss;
  dense: Float32Array;
  sparse: { ids: Int32Array; values: Float32Array }[];
}

/** Seed of part `part` of step `step` in epoch `epoch`. */
export function partSeed(seed: number, epoch: number, step: number, part: number): number {
  let h = Math.imul(seed ^ 0x27d4eb2f, 0x165667b1) ^ Math.imul(epoch + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77) ^ Math.imul(step + 1, 0xc2b2ae3d);
  return (Math.imul(h ^ (h >>> 13), 0x27d4eb2f) ^ Math.imul(part, 0x165667b1)) >>> 0;
}

/** Move every parameter of `net` into shared memory (in place); returns the buffers by name. */
export function shareParameters(net: Network): Record<string, SharedArrayBuffer> {
  const out: Record<string, SharedArrayBuffer> = {};
  for (const t of net.parameters()) {
    const sab = new SharedArrayBuffer(t.data.byteLength);
    const view = new Float32Array(sab);
    view.set(t.data);
    t.data = view;
    out[t.name] = sab;
  }
  return out;
}

/** Attach a replica's parameters to shared buffers. */
export function attachParameters(net: Network, shared: Record<string, SharedArrayBuffer>): void {
  for (const t of net.parameters()) {
    const sab = shared[t.name];
    if (!sab || sab.byteLength !== t.data.byteLength) throw new Error(`replica: no shared buffer of the right size for ${t.name}`);
    t.data = new Float32Array(sab);
  }
}

/** Gradients of a replica's parameters, packed for the main thread (and cleared). */
export function packGradients(params: readonly Tensor[]): { dense: Float32Array; sparse: { ids: Int32Array; values: Float32Array }[] } {
  let n = 0;
  for (const p of params) if (!p.sparseGrad) n += p.size;
  const dense = new Float32Array(n);
  const sparse: { ids: Int32Array; values: Float32Array }[] = [];
  let o = 0;
  for (const p of params) {
    if (p.sparseGrad) {
      const rg = p.rowGrad;
      sparse.push(rg ? { ids: rg.ids.slice(), values: Float32Array.from(rg.values) } : { ids: new Int32Array(0), values: new Float32Array(0) });
    } else {
      if (p.grad) dense.set(p.grad, o);
      o += p.size;
    }
    p.zeroGrad();
  }
  return { dense, sparse };
}

/** Scale the main thread's gradients by `w0` and add worker gradients weighted by `w`. */
export function mergeGradients(params: readonly Tensor[], w0: number, parts: readonly { w: number; r: PartResult }[]): void {
  for (const p of params) {
    if (p.sparseGrad) {
      if (p.rowGrad) {
        const v = p.rowGrad.values;
        for (let i = 0; i < v.length; i++) v[i] *= w0;
      }
    } else if (p.grad) {
      const g = p.grad;
      for (let i = 0; i < g.length; i++) g[i] *= w0;
    }
  }
  for (const { w, r } of parts) {
    let o = 0, s = 0;
    for (const p of params) {
      if (p.sparseGrad) {
        const { ids, values } = r.sparse[s++];
        const D = p.shape[1];
        for (let k = 0; k < ids.length; k++) p.addGradRow(ids[k], values, k * D, w);
      } else {
        const g = p.gradBuffer(), src = r.dense;
        for (let i = 0; i < p.size; i++) g[i] += w * src[o + i];
        o += p.size;
      }
    }
  }
}

/** Workers computing parts of each batch. */
export class ParallelSteps {
  private pool: WorkerPool<PartTask, PartResult>;

  constructor(readonly workers: number, init: ReplicaInit) {
    this.pool = new WorkerPool<PartTask, PartResult>(new URL("./worker.js", import.meta.url), workers, init);
  }

  /**
   * Gradients of a batch into the main replica's parameters: the main thread computes part 0 with
   * `local` while the workers compute the others. Returns the batch's (weighted) losses.
   */
  async step(
    net: Network, rows: Int32Array, detach: boolean, seed: number, epoch: number, step: number,
    local: (rows: Int32Array) => StepLoss,
  ): Promise<StepLoss> {
    const B = rows.length;
    const parts = Math.max(1, Math.min(this.workers + 1, Math.floor(B / 2)));
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.round((p * B) / parts));
    const pending: Promise<PartResult>[] = [];
    for (let p = 1; p < parts; p++) {
      const r = rows.slice(bounds[p], bounds[p + 1]);
      pending.push(this.pool.run({ rows: r, detach, seed: partSeed(seed, epoch, step, p) }, [r.buffer]));
    }
    const own = local(rows.subarray(0, bounds[1]));
    const results = await Promise.all(pending);
    const w0 = bounds[1] / B;
    mergeGradients(net.parameters(), w0, results.map((r) => ({ w: r.n / B, r })));
    const total: StepLoss = { loss: own.loss * w0, meta: own.meta * w0, ext: own.ext * w0, candidates: own.candidates * w0 };
    for (const r of results) {
      const w = r.n / B;
      total.loss += w * r.loss.loss;
      total.meta += w * r.loss.meta;
      total.ext += w * r.loss.ext;
      total.candidates += w * r.loss.candidates;
    }
    return total;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** A fresh Rng for a part seed. */
export function partRng(seed: number): Rng {
  return new Rng(seed);
}

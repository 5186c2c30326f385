/**
 * Loading a large tree model on two threads. When a model file is too large for one buffer it
 * is read array by array (model/file.ts); with two or more trees and two or more cores, the
 * later half of the trees is then left to a helper thread, which reads their arrays, decodes
 * them and builds their search lookups (row directories, whole-level indexes) while this thread
 * does the same for the first half. The helper's arrays are transferred, not copied. The call
 * stays synchronous: this thread waits on a shared flag and takes the helper's answer with
 * `receiveMessageOnPort`. A helper that has not started within HELPER_START_MS (a broken
 * install, a starved machine) is given up and its trees are decoded here.
 */
import { availableParallelism } from "node:os";
import { MessageChannel, receiveMessageOnPort, type Transferable, Worker } from "node:worker_threads";
import { modelMemoryShared, withModelMemory } from "../core/alloc.js";
import { XmcError } from "../core/errors.js";
import { type DeferArrays, type DeferredArrays, readDeferredArrays } from "../model/file.js";
import { type SearchLookup, searchLookup } from "./beam.js";
import { type TreeShapes, treesFromArrays, type WeightedTree } from "./tree-arrays.js";

/** A decoded tree, with its search lookups when they were built during the load. */
export type LoadedTree = WeightedTree & { lookup?: SearchLookup };

/** What the helper thread decodes: the file's trees `first`, `first + 1`, ... (feature dimensions `dims`). */
export interface HelperJob {
  deferred: DeferredArrays;
  shapes: TreeShapes;
  first: number;
  dims: number[];
  where: string;
  /** Allocate in shared memory, as the calling thread does (core/alloc.ts). */
  shared: boolean;
}

const HELPER_START_MS = 10_000;

/** The first tree the helper decodes, of n. */
const helperFirst = (n: number): number => Math.ceil(n / 2);

/** For {@link readModelFile}: leave the later half of the header's `trees` to the helper (none with one tree or one core). */
export const deferLaterTrees: DeferArrays = (header) => {
  const shapes = header.trees;
  if (!Array.isArray(shapes) || shapes.length < 2 || availableParallelism() < 2) return null;
  const h = helperFirst(shapes.length);
  return (name) => {
    const m = /^tree\.(\d+)\./.exec(name);
    return m !== null && Number(m[1]) >= h;
  };
};

/**
 * The trees of a model file (tree i searched over `dims[i]` features): all on this thread, or,
 * when the file's reader deferred the later half (`deferred`), those on a helper thread while
 * this one decodes the first half.
 */
export function decodeTrees(shapes: TreeShapes, dims: readonly number[], need: (name: string) => unknown, has: (name: string) => boolean, where: string, deferred?: DeferredArrays): LoadedTree[] {
  if (!deferred) return treesFromArrays(shapes, need, has, where);
  const h = helperFirst(shapes.length);
  const helper = startHelper({ deferred, shapes: shapes.slice(h), first: h, dims: dims.slice(h), where, shared: modelMemoryShared() });
  let mine: LoadedTree[];
  try {
    mine = withLookups(treesFromArrays(shapes.slice(0, h), need, has, where), dims);
  } catch (e) {
    helper.cancel();
    throw e;
  }
  return [...mine, ...helper.finish()];
}

/** The helper's work (on whichever thread runs it): read the deferred arrays, decode the trees, build their lookups. */
export function decodeDeferredTrees(job: HelperJob): LoadedTree[] {
  return withModelMemory(job.shared, () => decodeDeferred(job));
}

function decodeDeferred(job: HelperJob): LoadedTree[] {
  const arrays = readDeferredArrays(job.deferred);
  const need = (name: string): unknown => {
    const a = arrays[name];
    if (!a) throw new XmcError(`${job.where}: model array "${name}" is missing`);
    return a;
  };
  return withLookups(treesFromArrays(job.shapes, need, (k) => arrays[k] !== undefined, job.where, job.first), job.dims);
}

function withLookups(trees: WeightedTree[], dims: readonly number[]): LoadedTree[] {
  return trees.map((t, i) => ({ ...t, lookup: searchLookup(t.chain, t.weights, dims[i]) }));
}

/** Every ArrayBuffer under `x` (typed arrays in nested objects and arrays), once each. */
export function buffersOf(x: unknown, out = new Set<ArrayBuffer>()): Transferable[] {
  if (ArrayBuffer.isView(x)) {
    if (x.buffer instanceof ArrayBuffer) out.add(x.buffer);
  } else if (x !== null && typeof x === "object") {
    for (const v of Object.values(x)) buffersOf(v, out);
  }
  return [...out];
}

/** The answer the helper posts. */
export type HelperAnswer = { ok: true; trees: LoadedTree[] } | { ok: false; error: string; xmc: boolean };

function startHelper(job: HelperJob): { finish(): LoadedTree[]; cancel(): void } {
  // flag[0]: the answer is posted; flag[1]: the helper has started
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker | null;
  try {
    worker = new Worker(new URL("./tree-load-worker.js", import.meta.url), { workerData: { job, flag, port: port2 }, transferList: [port2] });
    // failures reach this thread through the flag and the answer; an 'error' event without a listener would end the process
    worker.on("error", () => undefined);
    worker.unref();
  } catch {
    worker = null;
  }
  const giveUp = (): void => {
    void worker?.terminate();
    port1.close();
  };
  return {
    finish(): LoadedTree[] {
      if (worker === null) return decodeDeferredTrees(job);
      const since = Date.now();
      while (Atomics.load(flag, 0) === 0) {
        Atomics.wait(flag, 0, 0, 1000);
        if (Atomics.load(flag, 0) === 0 && Atomics.load(flag, 1) === 0 && Date.now() - since > HELPER_START_MS) {
          giveUp();
          return decodeDeferredTrees(job);
        }
      }
      const got = receiveMessageOnPort(port1)?.message as HelperAnswer | undefined;
      port1.close();
      if (got === undefined) throw new Error("the tree-decoding thread ended without an answer");
      if (!got.ok) throw got.xmc ? new XmcError(got.error) : new Error(got.error);
      return got.trees;
    },
    cancel: giveUp,
  };
}

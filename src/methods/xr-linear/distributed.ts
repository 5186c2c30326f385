/**
 * XR-Linear trained across machines: the coordinator trains the meta-trees of the sub-tree
 * recipe, writes a work directory beside the model (the training matrix once, and per sub-tree
 * its row and label ids), and puts one job per sub-tree on a BullMQ queue; workers train the
 * sub-trees and write them into the work directory; the coordinator joins them into one
 * ordinary model, the same as `train.subTrees` on one machine. Every job input and sub-model
 * carries a key (a hash of the data, the params and its ids), so a coordinator run again
 * reuses the sub-models already written and never mixes in a stale one.
 */
import { addTreeArrays, treeShapes, type TreeShapes, treesFromArrays } from "../../search/tree-arrays.js";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Csr } from "../../core/csr.js";
import { XmcError } from "../../core/errors.js";
import { type Progress, silentProgress } from "../../core/progress.js";
import type { Dataset } from "../../data/dataset.js";
import { JobQueue, runInThread } from "../../distributed/queue.js";
import { readModelFile, readModelHeader, writeModelFile } from "../../model/file.js";
import type { TypedArray } from "../../model/format.js";
import { XRLinearModel } from "./model.js";
import { parseXRLinearParams, type XRLinearParams, type XRLinearParamsInput } from "./params.js";
import { checkSubTrees, type MetaTree, stitchSubTrees, subProblem, type SubTreeModel, trainMetaTree, trainSubTree } from "./sub-trees.js";
import type { TreeModel, TreeTrainOptions } from "./train.js";

const DATA_FILE = "data.xmc";
const DATA_KIND = "xr-linear sub-tree training data";
const JOB_KIND = "xr-linear sub-tree job";
const SUB_KIND = "xr-linear sub-tree";

/** What a queued job carries: where its files are, which sub-tree, and the key they must have. */
export interface SubTreeJob {
  method: "xr-linear";
  dir: string;
  name: string;
  key: string;
  solverKind?: "wasm" | "js";
}

export interface DistributedOptions {
  /** redis://HOST:PORT of the server holding the queue. */
  url: string;
  queue: string;
  /** Where the model will be written; the work directory is MODEL.parts beside it. */
  modelPath: string;
  threads?: number;
  progress?: Progress;
  solverKind?: "wasm" | "js";
  /** How often the coordinator looks at the work directory and the queue (ms). */
  pollMs?: number;
}

/** The work directory of a model file. */
export function workDirOf(modelPath: string): string {
  return `${resolve(modelPath)}.parts`;
}

function hashArrays(h: ReturnType<typeof createHash>, ...arrays: TypedArray[]): void {
  for (const a of arrays) {
    h.update(String(a.length));
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
}

/** Coordinator: train with the sub-tree recipe, the sub-trees trained by `xmc worker` processes. */
export async function trainDistributed(data: Dataset, paramsInput: unknown, o: DistributedOptions): Promise<XRLinearModel> {
  const params = parseXRLinearParams(paramsInput);
  if (params.train.subTrees < 2) throw new XmcError("--distributed: give --sub-trees K (K > 1, a power of two): each of the K sub-trees of every tree is one job");
  if (params.calibration.holdout > 0) throw new XmcError("--distributed: does not combine with --holdout (calibration trains twice); train with --sub-trees on one machine instead");
  checkSubTrees(params, data.Y.cols);
  const queue = await JobQueue.open(o.url, o.queue);
  try {
    // the params as given (the trainer tells given settings from defaults); the candidates of an
    // automatic choice train here, only the final model's sub-trees become jobs
    return await XRLinearModel.train(data, paramsInput as XRLinearParamsInput, {
      threads: o.threads,
      progress: o.progress,
      solverKind: o.solverKind,
      trainTrees: (X, Y, p, t) => coordinate(queue, X, Y, p, t, o),
    });
  } finally {
    await queue.close();
  }
}

interface Pending {
  tree: number;
  group: number;
  name: string;
  key: string;
  id: string;
}

async function coordinate(queue: JobQueue, X: Csr, Y: Csr, p: XRLinearParams, t: TreeTrainOptions, o: DistributedOptions): Promise<TreeModel[]> {
  const progress = t.progress ?? silentProgress;
  const dir = workDirOf(o.modelPath);
  mkdirSync(dir, { recursive: true });
  // the training matrix, once (kept when a previous run wrote the same one)
  const h = createHash("sha256");
  h.update(`${X.rows} ${X.cols} ${Y.cols}`);
  hashArrays(h, X.indptr, X.indices, X.data, Y.indptr, Y.indices);
  const dataHash = h.digest("hex");
  const dataPath = join(dir, DATA_FILE);
  if (headerField(dataPath, "hash") !== dataHash) {
    writeModelFile(dataPath, { kind: DATA_KIND, hash: dataHash, rows: X.rows, cols: X.cols, labels: Y.cols }, { xIndptr: X.indptr, xIndices: X.indices, xData: X.data, yIndptr: Y.indptr, yIndices: Y.indices });
  }
  const metas: MetaTree[] = [];
  const jobs: Pending[] = [];
  let reused = 0;
  const K = p.train.subTrees;
  const paramsText = JSON.stringify(p);
  for (let i = 0; i < p.ensemble.trees; i++) {
    const meta = await trainMetaTree(X, Y, p, i, t);
    metas.push(meta);
    for (let g = 0; g < K; g++) {
      const name = `t${i}-g${g}`;
      const kh = createHash("sha256");
      kh.update(`${dataHash} ${paramsText} ${i} ${g} ${meta.subDepth} ${X.rows}`);
      hashArrays(kh, meta.groupRows[g], meta.groupLabels[g]);
      const key = kh.digest("hex");
      const id = createHash("sha256").update(`${dir}\n${key}`).digest("hex").slice(0, 40);
      if (headerField(join(dir, `${name}.sub`), "key") === key) {
        reused++;
        continue;
      }
      const jobPath = join(dir, `${name}.job`);
      if (headerField(jobPath, "key") !== key) {
        writeModelFile(jobPath, { kind: JOB_KIND, key, dataHash, tree: i, group: g, subDepth: meta.subDepth, nTrain: X.rows, params: p }, { rows: meta.groupRows[g], labels: meta.groupLabels[g] });
      }
      const job: Pending = { tree: i, group: g, name, key, id };
      const s = await queue.state(id);
      // a job that failed in an earlier run gets another try; one that finished without leaving its file, a new job
      if (s.state === "failed") await queue.retry(id);
      else if (s.state === "completed") await queue.remove(id);
      if (s.state === "absent" || s.state === "completed") await queue.add(id, { method: "xr-linear", dir, name, key, solverKind: t.solverKind } satisfies SubTreeJob);
      jobs.push(job);
    }
  }
  const total = p.ensemble.trees * K;
  if (reused > 0) progress.log(`resuming: ${reused} of ${total} sub-trees already trained in ${dir}`);
  await waitForSubTrees(queue, dir, jobs, total, reused, progress, o.pollMs ?? 500);
  progress.log(`joining ${total} sub-trees (their files stay in ${dir}, which can be removed once the model is written)`);
  return metas.map((meta, i) => {
    const subs: SubTreeModel[] = [];
    for (let g = 0; g < K; g++) subs.push(readSubTree(join(dir, `t${i}-g${g}.sub`)));
    return stitchSubTrees(meta, subs, Y.cols);
  });
}

/** Wait until every job's sub-model is in the work directory; a job that failed for good is an error. */
async function waitForSubTrees(queue: JobQueue, dir: string, jobs: Pending[], total: number, reused: number, progress: Progress, pollMs: number): Promise<void> {
  let left = jobs.slice();
  let lastDone = -1;
  let lastCheck = 0;
  let warnedIdle = false;
  const t0 = Date.now();
  while (left.length > 0) {
    left = left.filter((j) => headerField(join(dir, `${j.name}.sub`), "key") !== j.key);
    const done = total - left.length;
    if (done !== lastDone) {
      progress.log(`sub-trees: ${done}/${total} done${reused > 0 ? ` (${reused} from an earlier run)` : ""}`);
      lastDone = done;
    }
    if (left.length === 0) break;
    if (Date.now() - lastCheck >= 2000) {
      lastCheck = Date.now();
      for (const j of left) {
        const s = await queue.state(j.id);
        if (s.state === "failed") throw new XmcError(`sub-tree ${j.group + 1} of tree ${j.tree + 1} failed on a worker: ${s.failedReason ?? "no reason given"} (run the same command again to retry it)`);
        // a job gone without its file (removed by hand, or a flushed server): queue it again
        if ((s.state === "absent" || s.state === "completed") && headerField(join(dir, `${j.name}.sub`), "key") !== j.key) {
          if (s.state === "completed") await queue.remove(j.id);
          await queue.add(j.id, { method: "xr-linear", dir, name: j.name, key: j.key } satisfies SubTreeJob);
        }
      }
      if (!warnedIdle && Date.now() - t0 > 10_000 && (await queue.workers()) === 0) {
        progress.log(`waiting: no worker is connected to queue "${queue.name}" at ${queue.target.shown} (start one with: xmc worker ${queue.target.shown})`);
        warnedIdle = true;
      }
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A header field of an xmc file, or undefined when the file is absent or unreadable. */
function headerField(path: string, key: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return readModelHeader(path)[key];
  } catch {
    return undefined;
  }
}

function writeSubTree(path: string, key: string, s: SubTreeModel): void {
  const arrays: Record<string, TypedArray> = {};
  addTreeArrays([s], arrays);
  writeModelFile(path, { kind: SUB_KIND, key, levels: treeShapes([s])[0] }, arrays);
}

function readSubTree(path: string): SubTreeModel {
  const { header, arrays } = readModelFile(path);
  const need = (k: string): TypedArray => {
    const a = arrays[k];
    if (!a) throw new XmcError(`${path}: array "${k}" is missing`);
    return a;
  };
  return treesFromArrays([header.levels as TreeShapes[number]], need, (k) => arrays[k] !== undefined, path)[0];
}

/**
 * Worker side: train the sub-tree a job names and write it (atomically) into the work
 * directory. A sub-model already there with the job's key is kept (a job run twice trains once).
 */
export async function runSubTreeJob(job: SubTreeJob, threads: number, progress: Progress = silentProgress): Promise<string> {
  const subPath = join(job.dir, `${job.name}.sub`);
  if (headerField(subPath, "key") === job.key) return `${job.name}: already trained`;
  const jobPath = join(job.dir, `${job.name}.job`);
  const { header, arrays } = readModelFile(jobPath);
  if (header.kind !== JOB_KIND || header.key !== job.key) throw new XmcError(`${jobPath}: not the input of this job (its key differs; the coordinator has started another run)`);
  const data = readModelFile(join(job.dir, DATA_FILE));
  if (data.header.hash !== header.dataHash) throw new XmcError(`${join(job.dir, DATA_FILE)}: the training matrix changed since the job was queued`);
  const rows = data.header.rows as number;
  const X: Csr = { rows, cols: data.header.cols as number, indptr: data.arrays.xIndptr as Int32Array, indices: data.arrays.xIndices as Int32Array, data: data.arrays.xData as Float32Array };
  const yIdx = data.arrays.yIndices as Int32Array;
  const Y: Csr = { rows, cols: data.header.labels as number, indptr: data.arrays.yIndptr as Int32Array, indices: yIdx, data: new Float32Array(yIdx.length).fill(1) };
  const p = parseXRLinearParams(header.params, `${jobPath} params`);
  const sub = subProblem(X, Y, arrays.rows as Int32Array, arrays.labels as Int32Array);
  const t0 = performance.now();
  const model = await trainSubTree(sub.X, sub.Y, p, { tree: header.tree as number, group: header.group as number, subDepth: header.subDepth as number, nTrain: header.nTrain as number }, { threads, progress, solverKind: job.solverKind });
  writeSubTree(subPath, job.key, model);
  return `${job.name}: trained ${sub.Y.cols} labels on ${sub.X.rows} rows in ${((performance.now() - t0) / 1000).toFixed(2)} s`;
}

/** Run a queued job in a worker thread (so that the job's lock is renewed while it trains). */
export function runJobInThread(data: Record<string, unknown>, threads: number): Promise<string> {
  const job = data as unknown as SubTreeJob;
  if (typeof job.dir !== "string" || typeof job.name !== "string" || typeof job.key !== "string") throw new XmcError("a job without its dir, name and key");
  return runInThread<string>(new URL("./sub-tree-thread.js", import.meta.url), { job, threads });
}

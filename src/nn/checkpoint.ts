/**
 * Per-epoch training checkpoints of SyncXML / InceptionXML: parameters, persistent buffers and
 * both optimizers' states (`stateDict`), written with `params-io` to the model file `DIR/state.xmc`
 * after every epoch (replaced atomically), with the number of finished epochs and a fingerprint of what the run trains (params,
 * data shape) so a checkpoint is never resumed into a different run.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { XmcError } from "../core/errors.js";
import type { LayerBuffer } from "./layers.js";
import type { Optimizer, OptimizerState } from "./optim.js";
import { loadInto, loadParams, saveParams, type SaveItem } from "./params-io.js";
import type { Tensor } from "./tensor.js";

/** What a checkpoint covers. */
export interface TrainingState {
  params: readonly Tensor[];
  buffers: readonly LayerBuffer[];
  optimizers: Record<string, Optimizer>;
}

/** Checkpoint settings of a training run (SyncXML, InceptionXML, PRIME). */
export interface CheckpointOptions {
  /** The model file the caller will save to: checkpoints go to the directory `${modelDir}.checkpoint/`. */
  modelDir?: string;
  /** Checkpoint directory (overrides the one derived from `modelDir`). */
  checkpointDir?: string;
  /** Resume from the checkpoint when there is one. */
  resume?: boolean;
  /** Stop after this many epochs in this call (the returned model is partly trained; resume later). */
  maxEpochsThisRun?: number;
}

/** The checkpoint directory of a run (none: no checkpoints). */
export function checkpointDirOf(o: CheckpointOptions): string | undefined {
  return o.checkpointDir ?? (o.modelDir ? `${o.modelDir.replace(/\/+$/, "")}.checkpoint` : undefined);
}

function stateFile(dir: string): string {
  return join(dir, "state.xmc");
}

/** Write the state after `epochsDone` epochs. */
export function writeCheckpoint(dir: string, st: TrainingState, epochsDone: number, fingerprint: string): void {
  mkdirSync(dir, { recursive: true });
  const items: SaveItem[] = [...st.params];
  for (const b of st.buffers) items.push({ name: `buffer.${b.name}`, data: b.data });
  const scalars: Record<string, Record<string, number>> = {};
  for (const [name, opt] of Object.entries(st.optimizers)) {
    const s = opt.stateDict();
    for (const [k, a] of Object.entries(s.arrays)) items.push({ name: `opt.${name}.${k}`, data: a });
    scalars[name] = s.scalars;
  }
  saveParams(stateFile(dir), items, { epochsDone, fingerprint, scalars });
}

/** Whether `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(stateFile(dir));
}

/**
 * Restore a checkpoint into `st` (in place); returns the number of finished epochs. A checkpoint
 * of another run (different fingerprint) is an error telling the user to remove it.
 */
export function readCheckpoint(dir: string, st: TrainingState, fingerprint: string): number {
  const loaded = loadParams(stateFile(dir));
  const meta = loaded.meta as { epochsDone?: number; fingerprint?: string; scalars?: Record<string, Record<string, number>> };
  if (meta.fingerprint !== fingerprint) throw new XmcError(`${dir}: the checkpoint belongs to a run with other parameters or data; remove it to start afresh`);
  loadInto(loaded, st.params);
  for (const b of st.buffers) {
    const a = loaded.arrays.get(`buffer.${b.name}`);
    if (!a || a.data.length !== b.data.length) throw new XmcError(`${dir}: checkpoint buffer "${b.name}" missing or of the wrong size`);
    b.data.set(a.data);
  }
  for (const [name, opt] of Object.entries(st.optimizers)) {
    const prefix = `opt.${name}.`;
    const arrays: OptimizerState["arrays"] = {};
    for (const [k, a] of loaded.arrays) {
      if (!k.startsWith(prefix)) continue;
      if (a.data instanceof Float64Array) throw new XmcError(`${dir}: optimizer array "${k}" has an unexpected type`);
      arrays[k.slice(prefix.length)] = a.data;
    }
    opt.loadStateDict({ arrays, scalars: meta.scalars?.[name] ?? {} });
  }
  return meta.epochsDone ?? 0;
}

/** Delete a checkpoint directory (after a successful run). */
export function removeCheckpoint(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

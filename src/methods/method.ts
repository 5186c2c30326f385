/**
 * What a method contributes to xmc: its name, its params sections (the CLI derives its flags
 * from them), the prediction options its models take, training and loading. Each method's
 * folder exports one `Method`; src/api/methods.ts lists them.
 */
import type { Schema } from "../core/params.js";
import type { Progress } from "../core/progress.js";
import type { Dataset } from "../data/dataset.js";
import type { XmcModel } from "./model.js";

/**
 * One section of a method's params object that flags can set: the section's key in the params
 * object, its schema, and flag renames (field → "flag", or "s, flag" with a one-letter alias).
 * Fields without a rename get their kebab-case name; a name that two sections share is
 * prefixed with the section's (`--train-epochs`).
 */
export interface ParamsSection {
  readonly name: string;
  readonly schema: Schema;
  readonly flags?: Readonly<Record<string, string>>;
}

/** Options of a training run that are not params (not stored in the model). */
export interface MethodTrainOptions {
  progress?: Progress;
  /** Worker threads (each method documents its default). */
  threads?: number;
  /** Where the model will be written; methods with checkpoints keep them beside it. */
  modelDir?: string;
  /** Continue from the checkpoint an interrupted run left beside `modelDir` (methods with `resumable`). */
  resume?: boolean;
  /** Solver implementation, one of the method's `kernels`. */
  kernel?: string;
  /** Train across machines: jobs on the queue `queue` of the Redis server at `url` (methods with `runJob`). */
  distributed?: { url: string; queue: string };
}

import type { ModelSource } from "../model/format.js";

export type { ModelSource };

/** What `xmc inspect` prints about a model beyond the generic part (plain JSON values). */
export type InspectInfo = Record<string, unknown>;

/** One feature's part of a label's score: its name (a word or n-gram for text models, else "#id") and w·x. */
export interface FeatureContribution {
  feature: string;
  weight: number;
}

export interface Method {
  /** The name `--method` takes and models record. */
  readonly name: string;
  /** Other names of the same method. */
  readonly aliases?: readonly string[];
  /** One line for help texts. */
  readonly description: string;
  /** Every top-level key of the params object (those in `sections` and any set only by a params file). */
  readonly paramsKeys: readonly string[];
  /** The sections flags can set. */
  readonly sections: readonly ParamsSection[];
  /** The prediction options its models take (`predict` / `evaluate` flags), with flag renames. */
  readonly predictSchema: Schema;
  readonly predictFlags?: Readonly<Record<string, string>>;
  /** Whether it learns from raw texts, and whether from feature vectors. */
  readonly takesText: boolean;
  readonly takesFeatures: boolean;
  /** Whether training can continue from a checkpoint (`MethodTrainOptions.resume`). */
  readonly resumable: boolean;
  /** Solver implementations it offers, the first the default; none: no choice. */
  readonly kernels?: readonly string[];
  /** Validate a params object as `train` would (an `XmcError` naming the first bad setting), before any data is read. */
  checkParams(params: unknown): void;
  train(data: Dataset, params: unknown, opts?: MethodTrainOptions): Promise<XmcModel>;
  load(source: ModelSource): XmcModel;
  /** The model a worker thread predicts with, from what its model's `handoff()` gave (methods whose models have `handoff`). */
  fromHandoff?(handoff: unknown): XmcModel;
  /** Method-specific facts about a trained model (for tree models: depth and level sizes per tree). */
  inspect?(model: XmcModel): InspectInfo;
  /** One label: its place in the model (tree paths), training count, top-weighted features; `XmcError` for an unknown name. */
  inspectLabel?(model: XmcModel, label: string, topFeatures: number): InspectInfo;
  /** Per point, per returned label (as in `ranked`), the features that contributed most to its score. */
  explain?(model: XmcModel, data: Dataset, ranked: readonly { labels: Int32Array }[], topFeatures: number): FeatureContribution[][][];
  /** What `explain` attributes, one sentence for help texts. */
  readonly explainHelp?: string;
  /** Do one job a distributed training run queued (in `xmc worker`); returns a line for the log. */
  runJob?(data: Record<string, unknown>, opts: { threads: number }): Promise<string>;
}

/** The prediction flag every method names the same way: `-k, --top-k` for `topK`. */
export const TOP_K_FLAGS: Record<string, string> = { topK: "k, top-k" };

/** XR-Linear: label tree, linear rankers per level, beam search (with ensembles and label disentanglement). */
import { SOLVER_SCHEMA } from "../../linear/params.js";
import { TREE_SCHEMA } from "../../tree/build.js";
import { type Method, TOP_K_FLAGS } from "../method.js";
import { explainXRLinear, inspectXRLinear, inspectXRLinearLabel, XRLINEAR_EXPLAIN_HELP } from "./inspect.js";
import { type XRLinearHandoff, XRLinearModel } from "./model.js";
import { FUSION_SCHEMA } from "./channels.js";
import { CALIBRATION_SCHEMA, DISENTANGLE_SCHEMA, ENSEMBLE_SCHEMA, parseXRLinearParams, type XRLinearParamsInput, XRLINEAR_PREDICT_SCHEMA, XRLINEAR_TRAIN_SCHEMA } from "./params.js";
import { checkTrainingData } from "../../data/checks.js";
import { XmcError } from "../../core/errors.js";

/** Flags renamed where a field name would clash across sections or read ambiguously. */
const SOLVER_FLAGS = { threshold: "prune-threshold", loss: "loss" };

export const xrLinear: Method = {
  name: "xr-linear",
  description: "label tree + linear rankers + beam search (text or feature data)",
  paramsKeys: ["tree", "solver", "train", "predict", "ensemble", "disentangle", "calibration", "text", "fusion"],
  sections: [
    { name: "tree", schema: TREE_SCHEMA },
    { name: "solver", schema: SOLVER_SCHEMA, flags: SOLVER_FLAGS },
    { name: "train", schema: XRLINEAR_TRAIN_SCHEMA },
    { name: "predict", schema: XRLINEAR_PREDICT_SCHEMA, flags: TOP_K_FLAGS },
    { name: "ensemble", schema: ENSEMBLE_SCHEMA },
    { name: "disentangle", schema: DISENTANGLE_SCHEMA },
    { name: "calibration", schema: CALIBRATION_SCHEMA, flags: { method: "calibration", refit: "calibration-refit", minSupport: "threshold-min-support" } },
    { name: "fusion", schema: FUSION_SCHEMA },
  ],
  predictSchema: XRLINEAR_PREDICT_SCHEMA,
  predictFlags: TOP_K_FLAGS,
  takesText: true,
  takesFeatures: true,
  resumable: false,
  kernels: ["wasm", "js"],
  checkParams: (params) => void parseXRLinearParams(params),
  train: async (data, params, opts = {}) => {
    checkTrainingData(data);
    if (opts.distributed) {
      if (!opts.modelDir) throw new XmcError("distributed training needs the model's path (its work directory goes beside it)");
      // bullmq loads only for distributed training
      const { trainDistributed } = await import("./distributed.js");
      return trainDistributed(data, params, { ...opts.distributed, modelPath: opts.modelDir, threads: opts.threads, progress: opts.progress, solverKind: opts.kernel as "wasm" | "js" | undefined });
    }
    // validated here; passed as given, so that training can tell given settings from defaults
    parseXRLinearParams(params);
    return XRLinearModel.train(data, params as XRLinearParamsInput, { threads: opts.threads, progress: opts.progress, solverKind: opts.kernel as "wasm" | "js" | undefined });
  },
  load: (source) => XRLinearModel.load(source),
  fromHandoff: (h) => XRLinearModel.fromHandoff(h as XRLinearHandoff),
  inspect: (model) => inspectXRLinear(model as XRLinearModel),
  inspectLabel: (model, label, n) => inspectXRLinearLabel(model as XRLinearModel, label, n),
  explain: (model, data, ranked, n) => explainXRLinear(model as XRLinearModel, data, ranked, n),
  explainHelp: XRLINEAR_EXPLAIN_HELP,
  runJob: async (data, opts) => (await import("./distributed.js")).runJobInThread(data, opts.threads),
};

export { XRLinearModel, type NamedScore, type TrainOptions } from "./model.js";
export { parseXRLinearParams, type XRLinearParams } from "./params.js";

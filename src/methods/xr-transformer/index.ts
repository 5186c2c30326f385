/** XR-Transformer: encoders (an ensemble of 3 by default) trained coarse to fine along a label tree, then per encoder an XR-Linear ranker on [TF-IDF | out-of-fold embedding], fused with TF-IDF-only trees. */
import { SOLVER_SCHEMA } from "../../linear/params.js";
import { TEXT_SCHEMA } from "../../text/vocab.js";
import { checkTrainingData } from "../../data/checks.js";
import { type Method, TOP_K_FLAGS } from "../method.js";
import { XRTransformerModel } from "./model.js";
import { parseXrtParams, XRT_ENCODER_SCHEMA, XRT_MATCHER_SCHEMA, XRT_PREDICT_SCHEMA, XRT_RANKER_SCHEMA, XRT_SECTIONS, XRT_WORDVEC_SCHEMA } from "./params.js";

export { XRTransformerModel, type XrtTrainOptions, type XrtTrainReport } from "./model.js";
export { parseXrtParams, type XrtParams, type XrtParamsInput, type XrtPredictInput } from "./params.js";

export const xrTransformer: Method = {
  name: "xr-transformer",
  description: "encoders (3 by default) trained coarse to fine along a label tree + XR-Linear rankers on [TF-IDF | embedding], fused with TF-IDF-only trees (text data)",
  paramsKeys: XRT_SECTIONS,
  sections: [
    { name: "vocab", schema: TEXT_SCHEMA },
    { name: "wordvec", schema: XRT_WORDVEC_SCHEMA },
    { name: "encoder", schema: XRT_ENCODER_SCHEMA },
    { name: "matcher", schema: XRT_MATCHER_SCHEMA },
    { name: "ranker", schema: XRT_RANKER_SCHEMA },
    { name: "solver", schema: SOLVER_SCHEMA, flags: { threshold: "prune-threshold", loss: "solver-loss" } },
    { name: "predict", schema: XRT_PREDICT_SCHEMA, flags: TOP_K_FLAGS },
  ],
  predictSchema: XRT_PREDICT_SCHEMA,
  predictFlags: TOP_K_FLAGS,
  takesText: true,
  takesFeatures: false,
  resumable: false,
  checkParams: (params) => void parseXrtParams(params),
  train: async (data, params, opts = {}) => {
    checkTrainingData(data);
    return XRTransformerModel.train(data, parseXrtParams(params), { threads: opts.threads, progress: opts.progress });
  },
  load: (source) => XRTransformerModel.load(source),
};

/** PRIME: label prototypes from label texts and training queries, a neural text encoder and a classifier. */
import { TEXT_SCHEMA } from "../../text/vocab.js";
import { WORDVEC_SCHEMA } from "../../text/wordvec-init.js";
import type { Method } from "../method.js";
import { PrimeModel } from "./model.js";
import { ANN_SCHEMA, BATCHES_SCHEMA, CLASSIFIER_SCHEMA, ENCODER_SCHEMA, LOSS_SCHEMA, LPN_SCHEMA, PREDICT_SCHEMA, TRAIN_SCHEMA } from "./params.js";

export { PrimeModel, type PrimeTrainOptions } from "./model.js";
export { parsePrimeParams, type PrimeParams } from "./params.js";

const PREDICT_FLAGS = { topK: "k, top-k" };

export const prime: Method = {
  name: "prime",
  description: "label prototypes with a neural text encoder (text data with label texts only)",
  paramsKeys: ["text", "wordvec", "encoder", "lpn", "loss", "train", "batches", "classifier", "predict", "ann"],
  sections: [
    { name: "text", schema: TEXT_SCHEMA },
    { name: "wordvec", schema: WORDVEC_SCHEMA },
    { name: "encoder", schema: ENCODER_SCHEMA },
    { name: "lpn", schema: LPN_SCHEMA },
    { name: "loss", schema: LOSS_SCHEMA },
    { name: "train", schema: TRAIN_SCHEMA },
    { name: "batches", schema: BATCHES_SCHEMA },
    { name: "classifier", schema: CLASSIFIER_SCHEMA },
    { name: "predict", schema: PREDICT_SCHEMA, flags: PREDICT_FLAGS },
    { name: "ann", schema: ANN_SCHEMA },
  ],
  predictSchema: PREDICT_SCHEMA,
  predictFlags: PREDICT_FLAGS,
  takesText: true,
  takesFeatures: false,
  resumable: true,
  train: (data, params, opts = {}) => PrimeModel.train(data, params, { progress: opts.progress, modelDir: opts.modelDir, resume: opts.resume }),
  load: (source) => PrimeModel.load(source),
};

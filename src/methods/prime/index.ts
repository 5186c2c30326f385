/** PRIME: label prototypes from label texts and training queries, a neural text encoder and a classifier. */
import { TEXT_SCHEMA } from "../../text/vocab.js";
import { WORDVEC_SCHEMA } from "../../text/wordvec-init.js";
import { type Method, TOP_K_FLAGS } from "../method.js";
import { PrimeModel } from "./model.js";
import { checkTrainingData } from "../../data/checks.js";
import {
  parsePrimeParams,
  PRIME_ANN_SCHEMA,
  PRIME_BATCHES_SCHEMA,
  PRIME_CLASSIFIER_SCHEMA,
  PRIME_ENCODER_SCHEMA,
  PRIME_LOSS_SCHEMA,
  PRIME_LPN_SCHEMA,
  PRIME_PREDICT_SCHEMA,
  PRIME_TRAIN_SCHEMA,
} from "./params.js";

export { PrimeModel, type PrimeTrainOptions } from "./model.js";
export { parsePrimeParams, type PrimeParams, type PrimeParamsInput } from "./params.js";


export const prime: Method = {
  name: "prime",
  description: "label prototypes with a neural text encoder (text data with label texts only)",
  paramsKeys: ["text", "wordvec", "encoder", "lpn", "loss", "train", "batches", "classifier", "predict", "ann"],
  sections: [
    { name: "text", schema: TEXT_SCHEMA },
    { name: "wordvec", schema: WORDVEC_SCHEMA },
    { name: "encoder", schema: PRIME_ENCODER_SCHEMA },
    { name: "lpn", schema: PRIME_LPN_SCHEMA },
    { name: "loss", schema: PRIME_LOSS_SCHEMA },
    { name: "train", schema: PRIME_TRAIN_SCHEMA },
    { name: "batches", schema: PRIME_BATCHES_SCHEMA },
    { name: "classifier", schema: PRIME_CLASSIFIER_SCHEMA },
    { name: "predict", schema: PRIME_PREDICT_SCHEMA, flags: TOP_K_FLAGS },
    { name: "ann", schema: PRIME_ANN_SCHEMA, flags: { M: "hnsw-m", efConstruction: "hnsw-ef-construction" } },
  ],
  predictSchema: PRIME_PREDICT_SCHEMA,
  predictFlags: TOP_K_FLAGS,
  takesText: true,
  takesFeatures: false,
  resumable: true,
  checkParams: (params) => void parsePrimeParams(params),
  train: async (data, params, opts = {}) => {
    checkTrainingData(data);
    return PrimeModel.train(data, parsePrimeParams(params), { progress: opts.progress, modelDir: opts.modelDir, resume: opts.resume });
  },
  load: (source) => PrimeModel.load(source),
};

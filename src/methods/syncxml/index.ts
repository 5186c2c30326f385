/** SyncXML / InceptionXML: the public surface of the method and its two registry entries. */
import { type Method, TOP_K_FLAGS } from "../method.js";
import { ENCODER_SCHEMA } from "./encoder.js";
import { SyncXMLModel } from "./model.js";
import { parseSyncXMLParams, SYNCXML_MODEL_SCHEMA, SYNCXML_PREDICT_SCHEMA, SYNCXML_TRAIN_SCHEMA, TEXT_SCHEMA, WORDVEC_SCHEMA } from "./params.js";
import { checkTrainingData } from "../../data/checks.js";

export { SyncXMLModel, type SyncXMLTrainOptions } from "./model.js";
export { parseSyncXMLParams, type SyncXMLParams } from "./params.js";
export type { EpochStats } from "./train.js";

/** The model section less `architecture`, which the method's name sets. */
const { architecture: _architecture, ...MODEL_FLAGS_SCHEMA } = SYNCXML_MODEL_SCHEMA;


/** The entry of one architecture: training sets `model.architecture` to the method's name. */
function entry(name: "syncxml" | "inceptionxml", description: string): Method {
  /** The params validated, with the architecture this entry names. */
  const withArchitecture = (params: unknown) => {
    const base = (params ?? {}) as Record<string, unknown>;
    const model = (base.model ?? {}) as Record<string, unknown>;
    return parseSyncXMLParams({ ...base, model: { ...model, architecture: name } });
  };
  return {
    name,
    description,
    paramsKeys: ["text", "wordvec", "encoder", "model", "train", "predict"],
    sections: [
      { name: "text", schema: TEXT_SCHEMA },
      { name: "wordvec", schema: WORDVEC_SCHEMA },
      { name: "encoder", schema: ENCODER_SCHEMA },
      { name: "model", schema: MODEL_FLAGS_SCHEMA },
      { name: "train", schema: SYNCXML_TRAIN_SCHEMA },
      { name: "predict", schema: SYNCXML_PREDICT_SCHEMA, flags: TOP_K_FLAGS },
    ],
    predictSchema: SYNCXML_PREDICT_SCHEMA,
    predictFlags: TOP_K_FLAGS,
    takesText: true,
    takesFeatures: false,
    resumable: true,
    checkParams: (params) => void withArchitecture(params),
    train: async (data, params, opts = {}) => {
      checkTrainingData(data);
      return SyncXMLModel.train(data, withArchitecture(params), { progress: opts.progress, threads: opts.threads, modelDir: opts.modelDir, resume: opts.resume });
    },
    load: (source) => SyncXMLModel.load(source),
  };
}

export const syncxml = entry("syncxml", "neural text encoder with a meta head and a shortlisted extreme head (text data only)");
export const inceptionxml = entry("inceptionxml", "the SyncXML encoder with one-vs-all scores over every label (text data only; small label spaces)");

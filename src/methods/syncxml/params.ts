/**
 * Parameters of SyncXML / InceptionXML models: one validated object with sections `text`,
 * `wordvec`, `encoder`, `model`, `train`, `predict` (unknown sections or keys are errors), the
 * same object the library API takes and a model file's header stores. Defaults follow the reference code
 * except where a CPU budget makes them impractical; those
 * are marked in the help texts.
 */
import { XmcError } from "../../core/errors.js";
import { type InputOf, parseParams, type ParamsOf, type Schema, sectionsOf } from "../../core/params.js";
import { parseWordvec, WORDVEC_SCHEMA } from "../../text/wordvec-init.js";
import { TEXT_SCHEMA } from "../../text/vocab.js";
import { ENCODER_SCHEMA, encoderShapes, type EncoderParams } from "./encoder.js";

/** Heads and label clusters. */
export const SYNCXML_MODEL_SCHEMA = {
  architecture: { type: "string", default: "syncxml", choices: ["syncxml", "inceptionxml"] as const, help: "syncxml (meta head + shortlisted extreme head) or inceptionxml (one-vs-all head over every label; small label spaces)" },
  clusters: { type: "number", default: 0, min: 0, integer: true, help: "label clusters K (meta-labels; rounded to the balanced tree's power of two); 0: about L / clusterSize" },
  clusterSize: { type: "number", default: 16, min: 1, integer: true, help: "labels per cluster when clusters = 0" },
  clusterLabelTexts: { type: "boolean", default: true, help: "label features for clustering add the label text's words to PIFA (labels without training positives get a place)" },
  kmeansMaxIter: { type: "number", default: 20, min: 1, integer: true, help: "2-means iterations per split" },
  shortlist: { type: "number", default: 800, min: 1, integer: true, help: "clusters shortlisted per training query (K_s, true clusters forced in)" },
  headDropout: { type: "number", default: 0.25, min: 0, max: 0.95, help: "dropout on the encoder output inside each head" },
  metaDropout: { type: "number", default: 0.4, min: 0, max: 0.95, help: "p_meta: dropout before the meta classifier" },
  extDropout: { type: "number", default: 0.5, min: 0, max: 0.95, help: "p_ext: dropout before the label scores" },
  metaScale: { type: "number", default: 1, min: 0, help: "weight of the meta loss" },
} as const satisfies Schema;

/** Optimisation. */
export const SYNCXML_TRAIN_SCHEMA = {
  epochs: { type: "number", default: 45, min: 1, integer: true, help: "training epochs" },
  warmupEpochs: { type: "number", default: 10, min: 0, integer: true, help: "detached warm-up: epochs in which the extreme head does not update the encoder (meta_epoch)" },
  batch: { type: "number", default: 128, min: 2, integer: true, help: "batch size" },
  maxLr: { type: "number", default: 5e-3, min: 0, help: "one-cycle peak learning rate (both optimisers)" },
  pctStart: { type: "number", default: 0.33, min: 0, max: 1, help: "one-cycle fraction of rising learning rate" },
  divFactor: { type: "number", default: 10, min: 1, help: "one-cycle initial lr = maxLr / divFactor" },
  finalDivFactor: { type: "number", default: 1e4, min: 1, help: "one-cycle final lr = initial / finalDivFactor" },
  cycleMomentum: { type: "boolean", default: true, help: "cycle Adam's β1 between 0.95 and 0.85 (PyTorch OneCycleLR)" },
  clipNorm: { type: "number", default: 0, min: 0, help: "clip the global gradient norm (0: off; the reference does not clip)" },
  seed: { type: "number", default: 29, integer: true, help: "random seed (initialisation, shuffling, dropout)" },
} as const satisfies Schema;

/** Prediction defaults (overridable at predict time). */
export const SYNCXML_PREDICT_SCHEMA = {
  topK: { type: "number", default: 10, min: 1, integer: true, help: "labels returned per query" },
  shortlist: { type: "number", default: 100, min: 1, integer: true, help: "clusters whose labels are scored per query" },
  score: { type: "string", default: "comb", choices: ["comb", "probs"] as const, help: "comb: σ(label)·σ(its cluster); probs: σ(label) only" },
  threshold: { type: "number", default: 0, min: 0, help: "drop labels scoring below this (0 = off)" },
  neighbours: { type: "number", default: 20, min: 0, integer: true, help: "training queries retrieved per query whose labels vote beside the classifier (SyncXML; an xmc addition, not in the paper). > 0 at training: the model keeps its training queries' features and labels (N × hidden floats); 0 there: it keeps none and predicts from the classifier only" },
  neighbourWeight: { type: "number", default: 0.5, min: 0, max: 1, help: "w: score = (1 − w) · classifier score + w · neighbour vote" },
  search: { type: "string", default: "exact", choices: ["exact", "hnsw"] as const, help: "neighbour search: exact (cosine with every training query; their features are kept in WebAssembly memory after the first query) or hnsw (approximate graph search, faster on many training queries; \"hnsw\" at training builds the graph into the model, otherwise it is built on first use)" },
  efSearch: { type: "number", default: 64, min: 1, integer: true, help: "HNSW candidate list size at search" },
  neighbourTau: { type: "number", default: 0.03, min: 1e-4, help: "softmax temperature of the neighbour vote over the neighbours' cosines" },
  lexicalNeighbours: { type: "number", default: 10, min: 0, integer: true, help: "training queries retrieved per query by TF-IDF cosine over the model's words, voting like the dense neighbours (SyncXML; an xmc addition). > 0 at training: the model keeps the TF-IDF posting lists of its training texts; 0 there: none" },
  lexicalWeight: { type: "number", default: 0.5, min: 0, max: 1, help: "v: score = (1 − v) · (classifier and dense vote) + v · lexical vote (0: off)" },
  lexicalTau: { type: "number", default: 0.3, min: 1e-4, help: "softmax temperature of the lexical vote over the neighbours' TF-IDF cosines" },
} as const satisfies Schema;

export { parseWordvec, TEXT_SCHEMA, WORDVEC_SCHEMA };

export type TextParams = ParamsOf<typeof TEXT_SCHEMA>;
export type WordvecParams = ParamsOf<typeof WORDVEC_SCHEMA>;
export type ModelParams = ParamsOf<typeof SYNCXML_MODEL_SCHEMA>;
export type SyncXMLTrainParams = ParamsOf<typeof SYNCXML_TRAIN_SCHEMA>;
export type SyncXMLPredictParams = ParamsOf<typeof SYNCXML_PREDICT_SCHEMA>;

/** Everything that defines a SyncXML / InceptionXML model, validated; JSON round-trips. */
export interface SyncXMLParams {
  text: TextParams;
  wordvec: WordvecParams;
  encoder: EncoderParams;
  model: ModelParams;
  train: SyncXMLTrainParams;
  predict: SyncXMLPredictParams;
}

/** Prediction options of a SyncXML / InceptionXML model (any subset of {@link SYNCXML_PREDICT_SCHEMA}). */
export type SyncXMLPredictInput = InputOf<typeof SYNCXML_PREDICT_SCHEMA>;

/**
 * What the library API takes: any subset of each section, with exact keys (a misspelt key or a
 * wrong choice does not compile). Files go through {@link parseSyncXMLParams}.
 */
export interface SyncXMLParamsInput {
  text?: InputOf<typeof TEXT_SCHEMA>;
  wordvec?: InputOf<typeof WORDVEC_SCHEMA>;
  encoder?: InputOf<typeof ENCODER_SCHEMA>;
  model?: InputOf<typeof SYNCXML_MODEL_SCHEMA>;
  train?: InputOf<typeof SYNCXML_TRAIN_SCHEMA>;
  predict?: SyncXMLPredictInput;
}

const SECTIONS = ["text", "wordvec", "encoder", "model", "train", "predict"];

/**
 * Validate a (partial) params object. The encoder's `projDropout` defaults to 0 for SyncXML
 * (its encoder has no dropout after the projection) and 0.25 for InceptionXML; `predict.neighbours`
 * and `predict.lexicalNeighbours` to 20 and 10 for SyncXML and 0 for InceptionXML (the votes re-rank the
 * extreme head's shortlist).
 */
export function parseSyncXMLParams(input: unknown, where = "params"): SyncXMLParams {
  const o = sectionsOf(input, SECTIONS, where);
  const model = parseParams(SYNCXML_MODEL_SCHEMA, o.model, `${where}.model`);
  const encSchema = { ...ENCODER_SCHEMA, projDropout: { ...ENCODER_SCHEMA.projDropout, default: model.architecture === "syncxml" ? 0 : 0.25 } };
  const encoder = parseParams(encSchema, o.encoder, `${where}.encoder`) as EncoderParams;
  encoderShapes(encoder, `${where}.encoder`);
  const train = parseParams(SYNCXML_TRAIN_SCHEMA, o.train, `${where}.train`);
  const wordvec = parseWordvec(o.wordvec, `${where}.wordvec`);
  const sync = model.architecture === "syncxml";
  const predSchema = {
    ...SYNCXML_PREDICT_SCHEMA,
    neighbours: { ...SYNCXML_PREDICT_SCHEMA.neighbours, default: sync ? SYNCXML_PREDICT_SCHEMA.neighbours.default : 0 },
    lexicalNeighbours: { ...SYNCXML_PREDICT_SCHEMA.lexicalNeighbours, default: sync ? SYNCXML_PREDICT_SCHEMA.lexicalNeighbours.default : 0 },
  };
  const predict = parseParams(predSchema, o.predict, `${where}.predict`) as SyncXMLPredictParams;
  for (const k of ["neighbours", "lexicalNeighbours"] as const) {
    if (predict[k] > 0 && !sync) throw new XmcError(`${where}.predict.${k}: the neighbour vote needs architecture "syncxml" (it re-ranks the shortlisted labels of the extreme head); set it to 0`);
  }
  return {
    text: parseParams(TEXT_SCHEMA, o.text, `${where}.text`),
    wordvec,
    encoder,
    model,
    train,
    predict,
  };
}

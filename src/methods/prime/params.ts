/**
 * Parameters of PRIME models: one validated object with sections `text`, `wordvec`, `encoder`,
 * `lpn`, `loss`, `train`, `batches`, `classifier`, `predict`, `ann` (unknown sections or keys are errors), the same
 * object the library API takes and a model file's header stores. Loss and LPN defaults follow the
 * reference; the encoder, batch size, epochs and learning rates are
 * CPU choices (a small encoder trained from scratch) and are marked so in the help texts.
 */
import { XmcError } from "../../core/errors.js";
import { type InputOf, parseParams, type ParamsOf, type Schema, sectionsOf } from "../../core/params.js";
import { HNSW_SCHEMA } from "../../retrieval/hnsw.js";
import { TEXT_SCHEMA } from "../../text/vocab.js";
import { parseWordvec, WORDVEC_SCHEMA } from "../../text/wordvec-init.js";

/** The text encoder shared by queries and label texts (CPU choice: no pretrained transformer). */
export const PRIME_ENCODER_SCHEMA = {
  dim: { type: "number", default: 128, min: 2, integer: true, help: "embedding dimension d (word vectors, encoder output, LPN width)" },
  maxTokens: { type: "number", default: 32, min: 1, integer: true, help: "tokens kept per text (the reference's max_length 32)" },
  idfWeights: { type: "boolean", default: true, help: "the bag of word vectors is IDF-weighted (weights sum to 1); false: a plain mean" },
  layers: { type: "number", default: 1, min: 0, max: 4, integer: true, help: "residual GELU layers after the bag (x + W2·gelu(W1·x))" },
  dropout: { type: "number", default: 0, min: 0, max: 0.9, help: "dropout inside the residual layers (the reference encoder uses 0)" },
} as const satisfies Schema;

/** The Label Prototype Network. */
export const PRIME_LPN_SCHEMA = {
  heads: { type: "number", default: 4, min: 1, integer: true, help: "attention heads (must divide encoder.dim; the reference uses 1, ViXML 8, 'more is better')" },
  ffn: { type: "number", default: 512, min: 1, integer: true, help: "feed-forward width (reference 1,024 at d = 768)" },
  dropout: { type: "number", default: 0.1, min: 0, max: 0.9, help: "dropout of the transformer layer" },
  labelsPerFreeVector: { type: "number", default: 2, min: 1, integer: true, help: "labels sharing one free vector (balanced 2-means of label-text embeddings; reference ≈ 2)" },
  centroids: { type: "string", default: "ema", choices: ["ema", "epoch"] as const, help: "ema: c ← β·c + (1−β)·q̂ per sampled positive; epoch: recomputed from the stale query embeddings after every epoch" },
  beta: { type: "number", default: 0.95, min: 0, max: 1, help: "EMA factor β of the centroid update" },
  zeroShotCos: { type: "number", default: 0.98, min: -1, max: 1, help: "a label without training data borrows the free vector and centroid of its most similar trained label when their text cosine is at least this; otherwise its prototype is the LPN over its text, with its own free vector and its text embedding as centroid" },
} as const satisfies Schema;

/** Smallest margin of the dynamic-margin triplet loss (the reference's). */
export const PRIME_MARGIN_MIN = 0.1;

/** The dynamic-margin triplet loss and its terms (reference defaults except k). */
export const PRIME_LOSS_SCHEMA = {
  negatives: { type: "number", default: 10, min: 1, integer: true, help: "hardest in-batch negatives per row k (reference 100 at batch 1,600; ViXML 10)" },
  marginMax: { type: "number", default: 0.3, min: PRIME_MARGIN_MIN, help: `largest margin (the margin of a triplet is the gap of its similarities clamped to [${PRIME_MARGIN_MIN}, marginMax])` },
  tau: { type: "number", default: 0.1, min: 0, help: "temperature of the softmax weighting of violating negatives" },
  warmupEpochs: { type: "number", default: 2, min: 0, integer: true, help: "first epochs train with an in-batch softmax loss instead (CPU choice: on a from-scratch encoder the triplet loss alone collapses the embeddings)" },
  softmax: { type: "number", default: 1, min: 0, help: "weight of the in-batch softmax loss added to each triplet term after the warm-up (CPU choice, keeps the from-scratch embeddings apart; 0: the reference's losses only)" },
  warmupTau: { type: "number", default: 0.05, min: 0, help: "temperature of the in-batch softmax loss" },
  inter: { type: "number", default: 1, min: 0, help: "weight of the query → label-text term" },
  dual: { type: "number", default: 1, min: 0, help: "weight of the label-text → query term" },
  reg: { type: "number", default: 0.1, min: 0, help: "weight of the prototype-vs-text regulariser" },
  regMargin: { type: "number", default: 0.1, min: 0, help: "margin μ of the regulariser" },
} as const satisfies Schema;

/** Optimisation (CPU choices: fewer epochs, smaller batches, higher learning rates). */
export const PRIME_TRAIN_SCHEMA = {
  epochs: { type: "number", default: 16, min: 1, integer: true, help: "training epochs of the prototype stage (the reference trains 300 on a GPU; fewer here, for a CPU budget)" },
  batch: { type: "number", default: 512, min: 2, integer: true, help: "queries per batch (one sampled positive each)" },
  lr: { type: "number", default: 2e-3, min: 0, help: "peak learning rate of AdamW (encoder layers, LPN)" },
  sparseLr: { type: "number", default: 1e-2, min: 0, help: "peak learning rate of SparseAdam (word vectors, free vectors)" },
  weightDecay: { type: "number", default: 0.01, min: 0, help: "AdamW decoupled weight decay (not on biases and norms)" },
  warmupSteps: { type: "number", default: 100, min: 0, integer: true, help: "linear warm-up steps, then linear decay to 0" },
  propA: { type: "number", default: 0.55, min: 0, help: "propensity A of positive sampling (∝ inverse propensity)" },
  propB: { type: "number", default: 1.5, min: 0, help: "propensity B of positive sampling" },
  ignoreSelf: { type: "boolean", default: true, help: "a label whose text is the query's own text is no negative for that query (data sets where queries are labels too, e.g. WordNet synsets)" },
  seed: { type: "number", default: 29, integer: true, help: "random seed" },
} as const satisfies Schema;

/** NGAME-style clustered batches with a doubling cluster-size curriculum. */
export const PRIME_BATCHES_SCHEMA = {
  clusterFrom: { type: "number", default: 2, min: 0, integer: true, help: "first epoch (0-based) whose batches are clustered (before it: random batches)" },
  clusterSize: { type: "number", default: 8, min: 1, integer: true, help: "queries per cluster at the first clustering" },
  doubleEvery: { type: "number", default: 4, min: 0, integer: true, help: "double the cluster size every this many epochs after clusterFrom (0: never)" },
  maxClusterSize: { type: "number", default: 256, min: 1, integer: true, help: "largest cluster size" },
  reclusterEvery: { type: "number", default: 2, min: 1, integer: true, help: "re-cluster the stale query embeddings every this many epochs" },
} as const satisfies Schema;

/** The optional second stage: a one-vs-all cosine classifier on frozen query embeddings. */
export const PRIME_CLASSIFIER_SCHEMA = {
  epochs: { type: "number", default: 10, min: 0, integer: true, help: "epochs of the second stage (0: no classifier; labels are ranked by their prototypes alone)" },
  shortlist: { type: "number", default: 64, min: 1, integer: true, help: "hard negatives per query: the labels its prototypes rank highest" },
  tau: { type: "number", default: 0.1, min: 0.001, help: "temperature of the softmax over a query's positives and shortlist" },
  lr: { type: "number", default: 3e-3, min: 0, help: "peak learning rate (Adam on the touched rows, linear warm-up and decay)" },
  batch: { type: "number", default: 256, min: 1, integer: true, help: "queries per step" },
} as const satisfies Schema;

/** Prediction defaults (overridable at predict time). */
export const PRIME_PREDICT_SCHEMA = {
  topK: { type: "number", default: 10, min: 1, integer: true, help: "labels returned per query" },
  search: { type: "string", default: "exact", choices: ["exact", "hnsw"] as const, help: "exact: blocked GEMM + top-k over all prototypes; hnsw: approximate graph search" },
  efSearch: { type: "number", default: 64, min: 1, integer: true, help: "HNSW candidate list size at search" },
  threshold: { type: "number", default: -1, min: -1, help: "drop labels whose final score is below this (-1 = off; a cosine, or a mix of cosines and the neighbour score)" },
  excludeSelf: { type: "boolean", default: false, help: "drop a label whose text is the query's own text (the reciprocal-pair filter of LF-* data sets)" },
  mix: { type: "number", default: 0.5, min: 0, max: 1, help: "with a classifier: score = mix · prototype cosine + (1 − mix) · classifier cosine (1: prototypes only)" },
  candidates: { type: "number", default: 100, min: 1, integer: true, help: "with a classifier or neighbours: labels taken from the prototype search and re-scored" },
  neighbours: { type: "number", default: 20, min: 0, integer: true, help: "training queries retrieved per query; each passes its labels a score from its cosine (retrieval-augmented inference). 0 at training: the model does not keep its training queries" },
  neighbourWeight: { type: "number", default: 0.6, min: 0, max: 1, help: "score = (1 − w) · label score + w · neighbour score (0: labels only)" },
  neighbourTau: { type: "number", default: 0.05, min: 0.001, help: "temperature of the neighbour score τ·ln(e^(c₀/τ) + Σ e^(cos/τ)) over the retrieved training queries holding the label (c₀ = 0.3)" },
  lexicalNeighbours: { type: "number", default: 20, min: 0, integer: true, help: "training queries retrieved per query by TF-IDF cosine over the model's tokens; each passes its labels a score like the dense neighbours (0: off; needs the training queries)" },
  lexicalWeight: { type: "number", default: 0.2, min: 0, max: 1, help: "score = (1 − v) · (dense-fused score) + v · lexical neighbour score (0: off)" },
  lexicalTau: { type: "number", default: 0.1, min: 0.001, help: "temperature of the lexical neighbour score (as neighbour-tau, c₀ = 0.3)" },
} as const satisfies Schema;

/** HNSW build parameters (the search width is predict.efSearch). */
export const PRIME_ANN_SCHEMA = { M: HNSW_SCHEMA.M, efConstruction: HNSW_SCHEMA.efConstruction, seed: HNSW_SCHEMA.seed } as const satisfies Schema;

export type PrimeEncoderParams = ParamsOf<typeof PRIME_ENCODER_SCHEMA>;
export type LpnParams = ParamsOf<typeof PRIME_LPN_SCHEMA>;
export type LossParams = ParamsOf<typeof PRIME_LOSS_SCHEMA>;
export type PrimeTrainParams = ParamsOf<typeof PRIME_TRAIN_SCHEMA>;
export type BatchesParams = ParamsOf<typeof PRIME_BATCHES_SCHEMA>;
export type PrimePredictParams = ParamsOf<typeof PRIME_PREDICT_SCHEMA>;
export type ClassifierParams = ParamsOf<typeof PRIME_CLASSIFIER_SCHEMA>;

/** Everything that defines a PRIME model, validated; JSON round-trips. */
export interface PrimeParams {
  text: ParamsOf<typeof TEXT_SCHEMA>;
  wordvec: ParamsOf<typeof WORDVEC_SCHEMA>;
  encoder: PrimeEncoderParams;
  lpn: LpnParams;
  loss: LossParams;
  train: PrimeTrainParams;
  batches: BatchesParams;
  classifier: ClassifierParams;
  predict: PrimePredictParams;
  ann: ParamsOf<typeof PRIME_ANN_SCHEMA>;
}

/**
 * Variants of PRIME kept for ablation runs (bench/prime.ts --ablations) and tests: each switches a
 * part off or back to the reference's choice. They are no model params (no schema, file or flag
 * sets them, and a saved model does not record them): a model trained with one is for evaluation
 * in memory. Passed as `PrimeTrainOptions.ablation`.
 */
export interface PrimeAblation {
  /** No LPN: the label-text embedding is the prototype ("text only"). */
  noLpn?: boolean;
  /** A zero vector instead of the learnable free vector in the LPN input. */
  noFreeVectors?: boolean;
  /** Zero centroids in the LPN input. */
  noCentroids?: boolean;
  /** A constant margin loss.marginMax instead of the dynamic margin. */
  fixedMargin?: boolean;
  /** Gradient through the softmax weights of the triplet loss (the reference's choice). */
  weightGrad?: boolean;
  /** A label without training data and no close trained label gets its text embedding as prototype (the reference's choice) instead of the LPN over its text. */
  zeroShotText?: boolean;
  /** Adjacent word pairs seen at least this many times get a vector of their own (0 or absent: words only). */
  pairs?: number;
  /** Most word pairs kept (default 200,000). */
  maxPairs?: number;
}

/** Prediction options of a PRIME model (any subset of {@link PRIME_PREDICT_SCHEMA}). */
export type PrimePredictInput = InputOf<typeof PRIME_PREDICT_SCHEMA>;

/**
 * What the library API takes: any subset of each section, with exact keys (a misspelt key or a
 * wrong choice does not compile). Files go through {@link parsePrimeParams}.
 */
export interface PrimeParamsInput {
  text?: InputOf<typeof TEXT_SCHEMA>;
  wordvec?: InputOf<typeof WORDVEC_SCHEMA>;
  encoder?: InputOf<typeof PRIME_ENCODER_SCHEMA>;
  lpn?: InputOf<typeof PRIME_LPN_SCHEMA>;
  loss?: InputOf<typeof PRIME_LOSS_SCHEMA>;
  train?: InputOf<typeof PRIME_TRAIN_SCHEMA>;
  batches?: InputOf<typeof PRIME_BATCHES_SCHEMA>;
  classifier?: InputOf<typeof PRIME_CLASSIFIER_SCHEMA>;
  predict?: PrimePredictInput;
  ann?: InputOf<typeof PRIME_ANN_SCHEMA>;
}

const SECTIONS = ["text", "wordvec", "encoder", "lpn", "loss", "train", "batches", "classifier", "predict", "ann"];

/** Validate a (partial) PRIME params object. */
export function parsePrimeParams(input: unknown, where = "params"): PrimeParams {
  const o = sectionsOf(input, SECTIONS, where);
  const encoder = parseParams(PRIME_ENCODER_SCHEMA, o.encoder, `${where}.encoder`);
  const lpn = parseParams(PRIME_LPN_SCHEMA, o.lpn, `${where}.lpn`);
  if (encoder.dim % lpn.heads !== 0) throw new XmcError(`${where}.lpn.heads: ${lpn.heads} does not divide encoder.dim ${encoder.dim}`);
  const loss = parseParams(PRIME_LOSS_SCHEMA, o.loss, `${where}.loss`);
  const wordvec = parseWordvec(o.wordvec, `${where}.wordvec`);
  return {
    text: parseParams(TEXT_SCHEMA, o.text, `${where}.text`),
    wordvec,
    encoder,
    lpn,
    loss,
    train: parseParams(PRIME_TRAIN_SCHEMA, o.train, `${where}.train`),
    batches: parseParams(PRIME_BATCHES_SCHEMA, o.batches, `${where}.batches`),
    classifier: parseParams(PRIME_CLASSIFIER_SCHEMA, o.classifier, `${where}.classifier`),
    predict: parseParams(PRIME_PREDICT_SCHEMA, o.predict, `${where}.predict`),
    ann: parseParams(PRIME_ANN_SCHEMA, o.ann, `${where}.ann`),
  };
}

/**
 * Parameters of XR-Transformer models: one validated object with sections `text` (TF-IDF of the
 * ranker), `vocab` (the encoder's words), `wordvec`, `encoder`, `matcher` (the multi-resolution
 * training along the preliminary tree), `ranker` (the XR-Linear ranker on the concatenated
 * features), `solver` (its per-node solver) and `predict`. Defaults that differ from the reference
 * code are CPU choices (a small encoder trained from scratch instead of a pretrained transformer)
 * and say so in their help texts.
 */
import { XmcError } from "../../core/errors.js";
import { type InputOf, parseParams, type ParamsOf, type Schema } from "../../core/params.js";
import { parseSolverParams, type SOLVER_SCHEMA, type SolverParams } from "../../linear/params.js";
import { NEGATIVE_SCHEMES } from "../../linear/train-chain.js";
import { COMBINERS } from "../../search/combine.js";
import { POST_PROCESSORS } from "../../search/postprocess.js";
import { parseStackedParams, type StackedParams, type StackedParamsInput } from "../../text/stack.js";
import { TEXT_SCHEMA } from "../../text/vocab.js";
import { parseWordvec, WORDVEC_SCHEMA } from "../../text/wordvec-init.js";

/** Initial word vectors: the shared section with one skip-gram epoch (CPU choice: the matcher trains the vectors further). */
export const XRT_WORDVEC_SCHEMA = {
  ...WORDVEC_SCHEMA,
  epochs: { ...WORDVEC_SCHEMA.epochs, default: 1, help: "skip-gram epochs (CPU choice: one; the matcher trains the vectors further)" },
} as const satisfies Schema;

/** The text encoder (CPU choice: an IDF-weighted bag of word vectors with residual layers). */
export const XRT_ENCODER_SCHEMA = {
  dim: { type: "number", default: 128, min: 2, integer: true, help: "embedding dimension d (word vectors and encoder output; CPU choice, BERT-base has 768)" },
  maxTokens: { type: "number", default: 64, min: 1, integer: true, help: "tokens kept per text" },
  layers: { type: "number", default: 1, min: 0, max: 4, integer: true, help: "residual GELU layers after the bag of word vectors (x + W2·gelu(W1·x))" },
  dropout: { type: "number", default: 0, min: 0, max: 0.9, help: "dropout inside the residual layers" },
} as const satisfies Schema;

export const XRT_LOSSES = ["weighted-squared-hinge", "squared-hinge", "weighted-hinge", "hinge"] as const;
export type XrtLoss = (typeof XRT_LOSSES)[number];

/** Multi-resolution training of the encoder along the preliminary label tree. */
export const XRT_MATCHER_SCHEMA = {
  nrSplits: { type: "number", default: 16, min: 2, integer: true, help: "out-degree B of the preliminary tree (PIFA on TF-IDF)" },
  maxLeafSize: { type: "number", default: 16, min: 1, integer: true, help: "largest leaf cluster of the preliminary tree (the reference's 16)" },
  maxMatchClusters: { type: "number", default: 32768, min: 0, integer: true, help: "one training stage per tree level with at most this many nodes (the label level included when it fits); 0: no encoder training (the skip-gram bag alone)" },
  labelLevel: { type: "boolean", default: false, help: "also train a stage on the label level itself when it fits max-match-clusters (off: the encoder that trains on the labels the ranker then learns from overfits them; held-out debian-debtags P@1 88.18 without, 87.77 with)" },
  resolution: { type: "string", default: "multi", choices: ["multi", "last"] as const, help: "multi: one stage per level, coarse to fine; last: only the finest level that fits max-match-clusters (no schedule)" },
  negatives: { type: "string", default: "tfn+man", choices: ["tfn", "man", "tfn+man"] as const, help: "active set of a stage after the first: children of the true parents (tfn), of the previous stage's top parents (man), or both" },
  onlyTopk: { type: "number", default: 5, min: 1, integer: true, help: "parents per training instance the previous stage contributes to the man active set" },
  maxActiveLabels: { type: "number", default: 200, min: 1, integer: true, help: "active nodes per instance per step: positives first, then negatives sampled at random" },
  loss: { type: "string", default: "weighted-squared-hinge", choices: XRT_LOSSES, help: "loss on the active nodes; weighted: a positive node counts as often as it has positive labels under it" },
  bootstrap: { type: "string", default: "inherit", choices: ["inherit", "none"] as const, help: "head of a stage after the first: each child starts from its parent's row (inherit) or at random (none); the encoder always carries over" },
  folds: { type: "number", default: 2, min: 1, max: 10, integer: true, help: "cross-fitting: K > 1 trains K more encoders, each on the instances outside one fold, and the ranker learns from out-of-fold embeddings (an instance embedded by the encoder that did not see it); queries use the encoder trained on all instances. 1: the ranker learns from the in-sample embeddings. Costs K − 1 more matcher trainings (held-out debian-debtags concat P@1: 88.18 in-sample, 88.64 with 2 folds, 88.43 with 3)" },
  ensemble: { type: "number", default: 3, min: 1, max: 8, integer: true, help: "encoders trained (member m with seed + m, the same skip-gram vectors and preliminary tree), each with its own out-of-fold embeddings and ranker.trees concat trees; the scores of all their trees are combined (the paper's figures are ensembles of 3). Each member costs folds + 1 matcher trainings and its ranker trees (held-out P@1, 3 encoders × 1 tree against 1 × 2: debian-debtags 89.14 against 88.81, wordnet-hyper3 67.10 against 67.09, P@3 +0.2 and +0.1)" },
  epochs: { type: "number", default: 2, min: 0, integer: true, help: "epochs per stage (CPU choice)" },
  batch: { type: "number", default: 64, min: 1, integer: true, help: "instances per step (CPU choice; the reference uses 32)" },
  lr: { type: "number", default: 2e-3, min: 0, help: "peak learning rate of AdamW for the residual layers (CPU choice for a model trained from scratch)" },
  sparseLr: { type: "number", default: 1e-2, min: 0, help: "peak learning rate of SparseAdam for word vectors and head rows" },
  warmupSteps: { type: "number", default: 100, min: 0, integer: true, help: "linear warm-up steps per stage, then linear decay to 0" },
  seed: { type: "number", default: 0, integer: true, help: "seed of the trees, the initialisation and the batches" },
} as const satisfies Schema;

/** The ranker: XR-Linear on [TF-IDF | α·embedding] over a refined tree. */
export const XRT_RANKER_SCHEMA = {
  alpha: { type: "number", default: 0.25, min: 0, help: "weight α of the L2-normalised embedding beside the unit TF-IDF row (rows are renormalised; picked on a held-out split of debian-debtags: 0.25 over 0.5)" },
  features: { type: "string", default: "concat", choices: ["concat", "tfidf", "embedding"] as const, help: "the ranker's features: both blocks, TF-IDF only, or the embedding only" },
  nrSplits: { type: "number", default: 16, min: 2, integer: true, help: "out-degree B of the refined tree (PIFA on the ranker's features)" },
  maxLeafSize: { type: "number", default: 100, min: 1, integer: true, help: "largest leaf cluster of the refined tree" },
  trees: { type: "number", default: 1, min: 1, max: 16, integer: true, help: "refined trees per encoder (tree i of encoder m clusters with seed + m·trees + i); the scores of all trees are combined as XR-Linear's ensemble (one per encoder with matcher.ensemble 3: as good on held-out splits as two, and cheaper)" },
  combine: { type: "string", default: "mean", choices: COMBINERS, help: "how the trees' scores are combined" },
  tfidfTrees: { type: "number", default: 2, min: 0, max: 16, integer: true, help: "extra refined trees on the TF-IDF block alone (an XR-Linear model beside the main trees); a label's score is then (1 − w)·TF-IDF trees + w·main trees, w = fusion-weight (score-level fusion; 0: off; none with features tfidf, where giving more is an error; held-out wordnet-hyper3 P@1 with tfn+man negatives on the label level: 68.31 without, 69.24 with 2, their TF-IDF trees alone 69.04)" },
  fusionWeight: { type: "number", default: 0.5, min: 0, max: 1, help: "weight w of the main trees in the score-level fusion with the tfidf-trees (used only when tfidf-trees > 0; picked on held-out splits among 0.3, 0.5, 0.7)" },
  negatives: { type: "string", default: "tfn+man", choices: NEGATIVE_SCHEMES, help: "which instances each ranker node is trained on (as XR-Linear's train.negatives), on the levels man-levels names; the others train on tfn. Applies to the tfidf-trees too (held-out wordnet-hyper3, man on the label level: TF-IDF trees P@1 69.04 against 66.68 with tfn)" },
  manBeam: { type: "number", default: 10, min: 1, integer: true, help: "with man or tfn+man negatives: beam that routes training instances" },
  manLevels: { type: "string", default: "last", choices: ["last", "all"] as const, help: "with man or tfn+man negatives, the levels that get them: the label level only (last, as the reference ranker), and only when its parent level has more nodes than man-beam (else the beam would send every instance to every parent: one-vs-all); or every level below the first (all, as XR-Linear). The other levels train on tfn" },
} as const satisfies Schema;

export const XRT_PREDICT_SCHEMA = {
  beamSize: { type: "number", default: 10, min: 1, integer: true, help: "nodes kept per tree level during beam search" },
  topK: { type: "number", default: 10, min: 1, integer: true, help: "labels returned per query" },
  postProcessor: { type: "string", default: "l3-hinge", choices: POST_PROCESSORS, help: "score transform and combiner along the tree path" },
  threshold: { type: "number", default: 0, min: 0, help: "drop labels scoring below this (0 = off)" },
} as const satisfies Schema;
export type XrtPredictInput = InputOf<typeof XRT_PREDICT_SCHEMA>;

export type XrtEncoderParams = ParamsOf<typeof XRT_ENCODER_SCHEMA>;
export type XrtMatcherParams = ParamsOf<typeof XRT_MATCHER_SCHEMA>;
export type XrtRankerParams = ParamsOf<typeof XRT_RANKER_SCHEMA>;

/** Everything that defines an XR-Transformer model, validated; JSON round-trips. */
export interface XrtParams {
  text: StackedParams;
  vocab: ParamsOf<typeof TEXT_SCHEMA>;
  wordvec: ParamsOf<typeof XRT_WORDVEC_SCHEMA>;
  encoder: XrtEncoderParams;
  matcher: XrtMatcherParams;
  ranker: XrtRankerParams;
  solver: SolverParams;
  predict: ParamsOf<typeof XRT_PREDICT_SCHEMA>;
}

/** What the library API takes: any subset of each section. */
export interface XrtParamsInput {
  text?: StackedParamsInput;
  vocab?: InputOf<typeof TEXT_SCHEMA>;
  wordvec?: InputOf<typeof XRT_WORDVEC_SCHEMA>;
  encoder?: InputOf<typeof XRT_ENCODER_SCHEMA>;
  matcher?: InputOf<typeof XRT_MATCHER_SCHEMA>;
  ranker?: InputOf<typeof XRT_RANKER_SCHEMA>;
  solver?: InputOf<typeof SOLVER_SCHEMA>;
  predict?: XrtPredictInput;
}

export const XRT_SECTIONS = ["text", "vocab", "wordvec", "encoder", "matcher", "ranker", "solver", "predict"] as const;

/** Validate a (partial) params object; unknown sections or keys are an error naming them. */
export function parseXrtParams(input: unknown, where = "params"): XrtParams {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) throw new XmcError(`${where}: expected an object`);
  for (const k of Object.keys(o)) {
    if (!(XRT_SECTIONS as readonly string[]).includes(k)) throw new XmcError(`${where}: unknown section "${k}" (known: ${XRT_SECTIONS.join(", ")})`);
  }
  const p: XrtParams = {
    text: parseStackedParams(o.text, `${where}.text`),
    vocab: parseParams(TEXT_SCHEMA, o.vocab, `${where}.vocab`),
    wordvec: parseWordvec({ epochs: XRT_WORDVEC_SCHEMA.epochs.default, ...(o.wordvec as object | undefined) }, `${where}.wordvec`),
    encoder: parseParams(XRT_ENCODER_SCHEMA, o.encoder, `${where}.encoder`),
    matcher: parseParams(XRT_MATCHER_SCHEMA, o.matcher, `${where}.matcher`),
    ranker: parseParams(XRT_RANKER_SCHEMA, o.ranker, `${where}.ranker`),
    solver: parseSolverParams(o.solver, `${where}.solver`),
    predict: parseParams(XRT_PREDICT_SCHEMA, o.predict, `${where}.predict`),
  };
  if (p.ranker.features === "concat" && p.ranker.alpha === 0) {
    throw new XmcError(`${where}.ranker.alpha: 0 with features "concat" drops the embedding; use features "tfidf" for a TF-IDF-only ranker`);
  }
  // a TF-IDF-only ranker has nothing to fuse with: its trees are ranker.trees
  if (p.ranker.features === "tfidf") {
    const given = (o.ranker as Record<string, unknown> | undefined)?.tfidfTrees !== undefined;
    if (given && p.ranker.tfidfTrees > 0) {
      throw new XmcError(`${where}.ranker.tfidfTrees: ${p.ranker.tfidfTrees} with features "tfidf" would only add TF-IDF trees to TF-IDF trees; set ranker.trees instead (or tfidfTrees 0)`);
    }
    p.ranker.tfidfTrees = 0;
  }
  return p;
}

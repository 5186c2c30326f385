/**
 * Default text featurisation. Chosen for speed and size (see bench/tfidf-probe.ts);
 * to be revised by end-to-end accuracy once the classifiers exist.
 */
import type { TfidfParamsInput } from "./tfidf.js";

/** What callers may pass for a stacked vectorizer: each entry any subset of the TF-IDF params. */
export interface StackedParamsInput {
  vectorizers: readonly TfidfParamsInput[];
}

/**
 * Word unigrams + bigrams, sublinear tf, sklearn smooth idf, n-grams in at least 2
 * training texts, rows L2-normalised. Other fields take the TF-IDF schema defaults.
 */
export const DEFAULT_TEXT_FEATURES: StackedParamsInput = Object.freeze({
  vectorizers: Object.freeze([Object.freeze({ analyzer: "word", ngramMin: 1, ngramMax: 2, minDf: 2, sublinearTf: true })]),
});

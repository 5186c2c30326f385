/**
 * Default text featurisation. Chosen for speed and size (see bench/tfidf-probe.ts);
 * to be revised by end-to-end accuracy once the classifiers exist.
 */
import type { StackedParamsInput } from "./stack.js";

/**
 * Word unigrams + bigrams, sublinear tf, sklearn smooth idf, n-grams in at least 2
 * training texts, rows L2-normalised. Other fields take the TF-IDF schema defaults.
 */
export const DEFAULT_TEXT_FEATURES: StackedParamsInput = Object.freeze({
  vectorizers: Object.freeze([Object.freeze({ analyzer: "word", ngramMin: 1, ngramMax: 2, minDf: 2, sublinearTf: true })]),
});

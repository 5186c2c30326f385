/** Text featurisation: tokenizer, TF-IDF vectorizer, stacked vectorizer, defaults. */
export * from "./tokenizer.js";
export * from "./tfidf.js";
export * from "./stack.js";
export * from "./defaults.js";

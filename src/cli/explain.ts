/** `xmc predict --explain`: the features behind each returned label, for methods that can say. */
import { METHODS, methodByName } from "../api/methods.js";
import type { AnyModel } from "../api/types.js";
import { XmcError } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import type { FeatureContribution } from "../methods/method.js";

/** How many features each label lists. */
export const EXPLAIN_FEATURES = 5;

export const EXPLAIN_HELP =
  `add "why" to each line: per returned label, the ${EXPLAIN_FEATURES} features (words or n-grams for text models) that added most to its score (` +
  METHODS.filter((m) => m.explainHelp).map((m) => `${m.name}: ${m.explainHelp}`).join("; ") +
  ")";

/** The explainer of the model's method; an error when its method has none (before predicting). */
export function explainerFor(model: AnyModel): (data: Dataset, ranked: readonly { labels: Int32Array }[]) => FeatureContribution[][][] {
  const method = methodByName(model.method);
  const explain = method.explain;
  if (!explain) throw new XmcError(`--explain is not available for ${method.name} models`);
  return (data, ranked) => explain(model, data, ranked, EXPLAIN_FEATURES);
}

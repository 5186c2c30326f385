import { XmcError } from "../core/errors.js";
import type { Dataset } from "./dataset.js";
import { textPaths } from "./text.js";

/** The file that holds a data set's labels, for messages. */
export function labelsFileOf(ds: Dataset): string {
  return ds.kind === "text" ? textPaths(ds.source).labels : ds.source;
}

/**
 * Throw unless a training set can teach anything: at least one instance has a label, and for
 * text data at least one text is not blank.
 */
export function checkTrainingData(ds: Dataset): void {
  if (ds.Y.indptr[ds.Y.rows] === 0) {
    throw new XmcError(`${labelsFileOf(ds)}: no instance has a label (${ds.Y.rows} instances); training needs labelled data`);
  }
  if (ds.texts && ds.texts.every((t) => t.trim() === "")) {
    throw new XmcError(`${textPaths(ds.source).texts}: every one of the ${ds.texts.length} texts is empty; training needs texts`);
  }
}

/** How the test labels of a data set read against a model's label space relate to the model. */
export interface TestLabelCoverage {
  /** Label occurrences in the test data. */
  occurrences: number;
  /** Occurrences of labels the model does not have (ids >= `knownLabels`). */
  unknown: number;
  /** Test rows with at least one label. */
  labelledRows: number;
}

export function testLabelCoverage(ds: Dataset): TestLabelCoverage {
  const Y = ds.Y;
  let unknown = 0;
  let labelledRows = 0;
  for (let r = 0; r < Y.rows; r++) {
    if (Y.indptr[r + 1] > Y.indptr[r]) labelledRows++;
    for (let k = Y.indptr[r]; k < Y.indptr[r + 1]; k++) if (Y.indices[k] >= ds.knownLabels) unknown++;
  }
  return { occurrences: Y.indptr[Y.rows], unknown, labelledRows };
}

/**
 * Check that a test set read against a model's label space (`loadDataset(…, { labels })`) can
 * be evaluated with that model: feature data may not have more features than the model was
 * trained on (`featureDim`: null for text models, undefined when unknown), some test row must have a label and some
 * test label must be one of the model's. Returns warnings to print (test labels the model does
 * not have, which count as misses); throws an XmcError when the evaluation would be meaningless.
 */
export function checkTestData(ds: Dataset, featureDim: number | null | undefined): string[] {
  if (ds.X && typeof featureDim === "number" && ds.X.cols > featureDim) {
    throw new XmcError(`${ds.source}: test data has ${ds.X.cols} features, the model was trained on ${featureDim}`);
  }
  // data of the other kind (texts for a feature model, or features for a text model): the
  // model's prediction says so
  if (featureDim !== undefined && (featureDim === null) !== (ds.X === null)) return [];
  const file = labelsFileOf(ds);
  const c = testLabelCoverage(ds);
  if (c.labelledRows === 0) throw new XmcError(`${file}: no test instance has a label (${ds.Y.rows} instances); evaluation needs labelled data`);
  if (c.unknown === c.occurrences) {
    throw new XmcError(
      `${file}: none of the ${count(c.occurrences)} test label occurrences is a label of this model (different label names or ids: is label_names.txt or labels.txt missing, or is the data from another data set?)`,
    );
  }
  if (c.unknown > 0) return [`${count(c.unknown)} of ${count(c.occurrences)} test label occurrences are not labels of this model; they count as misses`];
  return [];
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

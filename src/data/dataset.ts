import type { Csr } from "../core/csr.js";

/** What every reader returns: features or texts, a 0/1 label matrix and label names. */
export interface Dataset {
  /** The path (or text PREFIX) it was read from, for messages. */
  source: string;
  kind: "xc" | "arff" | "text";
  /** Sparse features (xc, arff); rows as read (not normalised). Null for text data. */
  X: Csr | null;
  /** Raw texts, one per instance (text data). Null for feature data. */
  texts: string[] | null;
  /** N × labelNames.length, 0/1 values, sorted indices per row. */
  Y: Csr;
  /** Label id -> display name. */
  labelNames: string[];
  /** Label id -> descriptive text when the data has one (labels.txt), else null. */
  labelTexts: string[] | null;
  /**
   * When read against a fixed label space (a trained model's), labels not in it get ids
   * >= knownLabels (appended to labelNames); they can never be predicted and count as misses.
   */
  knownLabels: number;
}

export interface ReadOptions {
  /** A fixed label space (a model's label names); labels outside it are appended as unseen. */
  labels?: string[];
  /** Text PREFIX only: a missing `PREFIX_labels.txt` means no labels (for prediction) instead of an error. */
  labelsOptional?: boolean;
}

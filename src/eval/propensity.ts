/**
 * Inverse label propensities (Jain, Prabhu & Varma, KDD 2016) for the
 * propensity-scored metrics. See specs/metrics.md §3.
 *
 *   C    = (ln N − 1) · (B + 1)^A
 *   ip_l = 1 + C · (N_l + B)^(−A)
 *
 * N is the number of training points and N_l the number of training points
 * carrying label l. A label never seen in training (N_l = 0) gets 1 + C·B^(−A).
 */
import type { Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";

/** Number of rows carrying each label (column counts of a label matrix; every stored entry counts once). */
export function labelCounts(Y: Csr): Int32Array {
  const counts = new Int32Array(Y.cols);
  const end = Y.indptr[Y.rows];
  for (let p = Y.indptr[0]; p < end; p++) {
    const c = Y.indices[p];
    if (c < 0 || c >= Y.cols) throw new XmcError(`labelCounts: label id ${c} outside [0, ${Y.cols})`);
    counts[c]++;
  }
  return counts;
}

/**
 * Inverse propensity of every label from training label counts.
 *
 * @param trainLabelCounts N_l per label, from the training label matrix (see {@link labelCounts}).
 * @param nTrain N, the number of training points.
 * @param A,B the constants (default 0.55 / 1.5; the Amazon family uses 0.6 / 2.6 and the Wikipedia family 0.5 / 0.4, specs/metrics.md §3).
 * @param totalLabels length of the output when the label space is larger than the
 *   count array; ids beyond the array are treated as unseen (N_l = 0).
 */
export function inversePropensity(
  trainLabelCounts: Int32Array | number[],
  nTrain: number,
  A = 0.55,
  B = 1.5,
  totalLabels?: number,
): Float64Array {
  if (!Number.isFinite(nTrain) || nTrain < 1) throw new XmcError(`inversePropensity: nTrain must be >= 1 (got ${nTrain})`);
  if (!Number.isFinite(A)) throw new XmcError(`inversePropensity: A must be finite (got ${A})`);
  if (!Number.isFinite(B) || B <= 0) throw new XmcError(`inversePropensity: B must be > 0 (got ${B})`);
  const nIn = trainLabelCounts.length;
  const L = totalLabels ?? nIn;
  if (!Number.isInteger(L) || L < nIn) {
    throw new XmcError(`inversePropensity: totalLabels (${L}) must be an integer >= the number of counts (${nIn})`);
  }
  const C = (Math.log(nTrain) - 1) * Math.pow(B + 1, A);
  const unseen = 1 + C * Math.pow(B, -A);
  const out = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const c = l < nIn ? trainLabelCounts[l] : 0;
    if (c < 0) throw new XmcError(`inversePropensity: negative count ${c} for label ${l}`);
    out[l] = c === 0 ? unseen : 1 + C * Math.pow(c + B, -A);
  }
  return out;
}

/** Convenience: inverse propensities straight from a training label matrix. */
export function inversePropensityFromLabels(Ytrain: Csr, A = 0.55, B = 1.5, totalLabels?: number): Float64Array {
  return inversePropensity(labelCounts(Ytrain), Ytrain.rows, A, B, totalLabels ?? Ytrain.cols);
}

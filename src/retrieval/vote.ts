/**
 * Neighbour vote: the training queries retrieved for a query pass their similarity on to their
 * labels. Query i's list holds k retrieved training-query ids (-1 = padding) with their
 * similarities; every label of a retrieved query j receives scale · e^((sim_j − ref)/τ) / z:
 *
 * - `softmax`: ref = the best similarity of the list, z = Σ_j e^((sim_j − ref)/τ), so the weights
 *   of the list sum to `scale` (SyncXML's neighbour channel);
 * - `smooth-max`: ref = `floor`, z = 1; a label's summed weights S then give the smooth maximum
 *   floor + τ·ln(1 + S) = τ·ln(e^(floor/τ) + Σ e^(sim_j/τ)) ({@link smoothMax}; PRIME's ranking).
 *
 * Both subtract a reference before exponentiating, so nothing overflows.
 */
import type { Csr } from "../core/csr.js";

/** How a retrieved neighbour's similarity becomes a weight. */
export type VoteKernel = { kind: "softmax" } | { kind: "smooth-max"; floor: number };

/** m×k retrieved ids (-1 = padding) and their similarities, rows best first. */
export interface NeighbourLists {
  ids: Int32Array;
  scores: Float32Array;
}

/**
 * Vote of query `i` of `list` (k entries per query): calls `add(label, weight)` for every label
 * (row of `labelsOf`) of every retrieved neighbour, neighbours in list order, labels in row order.
 */
export function neighbourVote(
  list: NeighbourLists, k: number, i: number, labelsOf: Pick<Csr, "indptr" | "indices">, kernel: VoteKernel, tau: number, scale: number,
  add: (label: number, weight: number) => void,
): void {
  const o = i * k;
  if (k === 0 || list.ids[o] < 0) return; // nothing retrieved
  let ref: number, z: number;
  if (kernel.kind === "softmax") {
    ref = list.scores[o];
    z = 0;
    for (let j = 0; j < k; j++) if (list.ids[o + j] >= 0) z += Math.exp((list.scores[o + j] - ref) / tau);
  } else {
    ref = kernel.floor;
    z = 1;
  }
  for (let j = 0; j < k; j++) {
    const nb = list.ids[o + j];
    if (nb < 0) continue;
    const e = (scale * Math.exp((list.scores[o + j] - ref) / tau)) / z;
    for (let p = labelsOf.indptr[nb]; p < labelsOf.indptr[nb + 1]; p++) add(labelsOf.indices[p], e);
  }
}

/** The smooth maximum floor + τ·ln(1 + S) of a label's summed `smooth-max` weights S. */
export function smoothMax(sum: number, floor: number, tau: number): number {
  return floor + tau * Math.log1p(sum);
}

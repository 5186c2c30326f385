import type { SolverParams } from "./params.js";

/**
 * Weights of several binary problems as a CSC block: column c = problem c (a child of a solver
 * group, or edge c of a whole tree level, i.e. position c of `ChainLevel.children`); row ids are
 * feature ids, the bias weight uses row id X.cols.
 */
export interface WeightBlock {
  colptr: Int32Array;
  /** Sorted within each column (feature ids ascending, the bias row X.cols last). */
  rows: Int32Array;
  values: Float32Array;
}

export interface GroupSolver {
  /**
   * Train one binary problem per child over the same instance set `rows` (row ids of X, any order, no duplicates).
   * positives[c] = sorted positions k (0 ≤ k < rows.length) whose instance rows[k] is positive for child c; all others are negative.
   * Deterministic given seed (the shuffle order of child c is seeded with seed + c). Returns pruned weights:
   * only features that occur in some row of the group can be non-zero, and of those only |w| ≥ threshold are kept.
   */
  trainGroup(rows: Int32Array, positives: Int32Array[], p: SolverParams, seed: number): WeightBlock;
  /** Release native resources (wasm memory). The solver must not be used afterwards. */
  dispose?(): void;
}

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

/**
 * Squared-hinge children are solved SOLVER_LANES at a time, as the lanes of one block sharing the
 * group's rows and one visiting order (see solveLanes in ./dcd.ts): the children c0..c0+15 of a
 * trainGroup call form a block, seeded with seed + c0. Jobs that split a parent's children must cut
 * at multiples of it for the weights not to depend on the cut (hence on the thread count).
 */
export const SOLVER_LANES = 16;

export interface GroupSolver {
  /**
   * Train one binary problem per child over the same instance set `rows` (row ids of X, any order, no duplicates).
   * positives[c] = sorted positions k (0 ≤ k < rows.length) whose instance rows[k] is positive for child c; all others are negative.
   * Deterministic given seed: squared-hinge children are solved in blocks of SOLVER_LANES, the block starting at
   * child c seeded with seed + c; logistic ones one by one, child c seeded with seed + c. Returns pruned weights:
   * only features that occur in some row of the group can be non-zero, and of those only |w| ≥ threshold are kept.
   */
  trainGroup(rows: Int32Array, positives: Int32Array[], p: SolverParams, seed: number): WeightBlock;
  /** Release native resources (wasm memory). The solver must not be used afterwards. */
  dispose?(): void;
}

/**
 * Choose the group solver: the wasm kernel by default (about 2-3x faster), the plain-TS one on
 * request or when the kernel cannot be loaded (binary not built, no WebAssembly). Both give the same weights.
 */
import type { Csr } from "../core/csr.js";
import { createJsSolver } from "./dcd.js";
import type { GroupSolver } from "./types.js";
import { createWasmSolver } from "./wasm.js";

export type SolverKind = "wasm" | "js";

export function createSolver(X: Csr, kind: SolverKind = "wasm"): GroupSolver {
  if (kind === "js") return createJsSolver(X);
  try {
    return createWasmSolver(X);
  } catch {
    return createJsSolver(X);
  }
}

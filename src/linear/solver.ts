/**
 * Choose the group solver: the wasm kernel by default (about 2-3x faster), the plain-TS one on
 * request or when the kernel cannot be loaded (binary not built, no WebAssembly). Both give the same weights.
 */
import type { Csr } from "../core/csr.js";
import { createJsSolver } from "./dcd.js";
import type { GroupSolver } from "./types.js";
import { createWasmSolver } from "./wasm.js";

export type SolverKind = "wasm" | "js";

/** Why the last `createSolver(X, "wasm")` fell back to JS, or null. */
export let wasmFallbackReason: string | null = null;

export function createSolver(X: Csr, kind: SolverKind = "wasm"): GroupSolver {
  if (kind === "js") return createJsSolver(X);
  try {
    const s = createWasmSolver(X);
    wasmFallbackReason = null;
    return s;
  } catch (e) {
    wasmFallbackReason = e instanceof Error ? e.message : String(e);
    return createJsSolver(X);
  }
}

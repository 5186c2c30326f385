/** Command-line values shared by several verbs. */
import { availableParallelism } from "node:os";
import { XmcError } from "../core/errors.js";

/** Write a warning line to stderr (also with -q: a warning is about the answer, not progress). */
export function warn(message: string): void {
  process.stderr.write(`xmc: warning: ${message}\n`);
}

/**
 * `--threads N`: all cores when absent; above the number of cores it is capped to it with a
 * warning (more threads than cores only adds switching), above 4× the cores it is an error.
 */
export function parseThreads(v: unknown, cores = availableParallelism()): number {
  if (v === undefined) return cores;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new XmcError(`--threads: expected a positive integer, got "${String(v)}"`);
  if (n > 4 * cores) throw new XmcError(`--threads: ${n} is more than 4 times the ${cores} cores of this machine; give at most ${cores}`);
  if (n > cores) {
    warn(`--threads ${n}: this machine has ${cores} cores; using ${cores} threads`);
    return cores;
  }
  return n;
}

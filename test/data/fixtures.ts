// Temporary fixture files for the data reader tests.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Csr } from "../../src/core/csr.js";
import { XmcError } from "../../src/core/errors.js";

const made: string[] = [];

/** Write `files` (name -> content) into a fresh temporary directory and return its path. */
export async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "xmc-data-"));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Remove every directory made by `fixture`. */
export async function cleanup(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Assert that `p` rejects with an XmcError whose message matches `re`. */
export async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof XmcError, `expected an XmcError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

/** A CSR matrix as plain rows of [col, value] pairs, for known-answer comparisons. */
export function rowsOf(m: Csr): [number, number][][] {
  const out: [number, number][][] = [];
  for (let r = 0; r < m.rows; r++) {
    const row: [number, number][] = [];
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) row.push([m.indices[k], m.data[k]]);
    out.push(row);
  }
  return out;
}

/** The label ids of each row of a 0/1 matrix. */
export function labelRows(m: Csr): number[][] {
  return rowsOf(m).map((row) => row.map(([c, v]) => (assert.equal(v, 1), c)));
}

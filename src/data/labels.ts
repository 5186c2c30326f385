import type { Csr } from "../core/csr.js";
import { CsrBuilder } from "./builder.js";

/** How a file's own label ids map onto a data set's label ids. */
export interface LabelSpace {
  /** Data set label id -> name. */
  names: string[];
  /** Ids below this belong to the fixed label space (all ids when there is none). */
  known: number;
  /** File label id -> data set label id; -1 for file labels that are not used and left out. */
  remap: Int32Array;
  /** True when `remap` is the identity (no rewriting of label ids needed). */
  identity: boolean;
}

/** The default label names `"0", "1", ...` for files whose labels are bare ids. */
export function defaultLabelNames(count: number): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = String(i);
  return out;
}

/**
 * Map a file's label space (`fileNames[i]` is the name of file label i, names unique) onto
 * data set ids. Without `fixed`, data set ids are the file ids. With a fixed label space
 * (a model's label names), each file label gets the id of the equally named label there;
 * labels not in it are appended after `fixed.length` in file-id order — only those marked in
 * `used` when it is given, so labels that never occur do not grow the label space.
 */
export function mapLabelSpace(fileNames: readonly string[], fixed?: readonly string[], used?: Uint8Array): LabelSpace {
  const n = fileNames.length;
  const remap = new Int32Array(n);
  if (!fixed) {
    for (let i = 0; i < n; i++) remap[i] = i;
    return { names: fileNames.slice(), known: n, remap, identity: true };
  }
  const index = new Map<string, number>();
  for (let i = 0; i < fixed.length; i++) if (!index.has(fixed[i])) index.set(fixed[i], i);
  const names = fixed.slice();
  let identity = true;
  for (let i = 0; i < n; i++) {
    const name = fileNames[i];
    let id = index.get(name);
    if (id === undefined) {
      if (used && !used[i]) {
        remap[i] = -1;
        continue;
      }
      id = names.length;
      names.push(name);
      index.set(name, id);
    }
    remap[i] = id;
    if (id !== i) identity = false;
  }
  return { names, known: fixed.length, remap, identity };
}

/** Which of `cols` columns have at least one entry. */
export function usedColumns(m: Csr, cols: number): Uint8Array {
  const used = new Uint8Array(cols);
  const nz = m.indptr[m.rows];
  for (let k = 0; k < nz; k++) used[m.indices[k]] = 1;
  return used;
}

/** Rewrite the label ids of a 0/1 matrix through `space.remap`, keeping rows sorted. */
export function remapLabels(Y: Csr, space: LabelSpace): Csr {
  const cols = space.names.length;
  if (space.identity) return { ...Y, cols };
  const b = new CsrBuilder(true);
  for (let r = 0; r < Y.rows; r++) {
    for (let k = Y.indptr[r]; k < Y.indptr[r + 1]; k++) b.push(space.remap[Y.indices[k]]);
    b.endRow();
  }
  return b.finish(cols);
}

/**
 * Put a label matrix read with file label ids into the data set's label space (see
 * `mapLabelSpace`): returns the rewritten matrix, the label names and `knownLabels`.
 */
export function applyLabelSpace(
  Y: Csr,
  fileNames: readonly string[],
  fixed?: readonly string[],
): { Y: Csr; labelNames: string[]; knownLabels: number; space: LabelSpace } {
  const used = fixed ? usedColumns(Y, fileNames.length) : undefined;
  const space = mapLabelSpace(fileNames, fixed, used);
  return { Y: remapLabels(Y, space), labelNames: space.names, knownLabels: space.known, space };
}

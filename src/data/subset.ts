import { selectRows } from "../core/csr.js";
import { Rng } from "../core/rng.js";
import type { Dataset } from "./dataset.js";

/** The rows `rows` of a dataset (features or texts, and labels), in that order. */
export function subsetDataset(ds: Dataset, rows: Int32Array, tag: string): Dataset {
  return {
    ...ds,
    source: `${ds.source} (${tag})`,
    X: ds.X ? selectRows(ds.X, rows) : null,
    texts: ds.texts ? Array.from(rows, (i) => ds.texts![i]) : null,
    Y: selectRows(ds.Y, rows),
  };
}

/** A seeded random split into (train, held-out) with about `fraction` of the rows held out. */
export function splitDataset(ds: Dataset, fraction: number, seed: number): { train: Dataset; heldOut: Dataset } {
  const n = ds.Y.rows;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(seed ^ 0x5eed).shuffle(order);
  const k = Math.max(1, Math.min(n - 1, Math.round(n * fraction)));
  const held = order.slice(0, k).sort();
  const rest = order.slice(k).sort();
  return { train: subsetDataset(ds, rest, "train split"), heldOut: subsetDataset(ds, held, "held-out split") };
}

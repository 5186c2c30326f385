/** Synthetic feature data for XR-Linear tests: label l fires feature l, plus 3 noise features of 60. */
import { csrFromRows } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";

/** n rows over L labels, one or two labels per row, seeded. */
export function syntheticXc(n: number, seed: number, L: number): Dataset {
  const rng = new Rng(seed);
  const xi: number[][] = [];
  const xv: number[][] = [];
  const yi: number[][] = [];
  for (let i = 0; i < n; i++) {
    const labels = [rng.int(L)];
    if (rng.next() < 0.5) labels.push((labels[0] + 1 + rng.int(L - 1)) % L);
    const feats = new Map<number, number>();
    for (const l of labels) feats.set(l, 1);
    for (let k = 0; k < 3; k++) feats.set(L + rng.int(60), 0.3);
    xi.push([...feats.keys()]);
    xv.push([...feats.values()]);
    yi.push(labels);
  }
  return {
    source: "synthetic",
    kind: "xc",
    X: csrFromRows(L + 60, xi, xv),
    texts: null,
    Y: csrFromRows(L, yi),
    labelNames: Array.from({ length: L }, (_, l) => `label-${l}`),
    labelTexts: null,
    knownLabels: L,
  };
}

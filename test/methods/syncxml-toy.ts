/** Toy text data for the SyncXML tests. */
import { csrFromRows } from "../../src/core/csr.js";
import { Rng } from "../../src/core/rng.js";
import type { Dataset } from "../../src/data/dataset.js";

/** Label l owns words w{l}a, w{l}b; a text holds its labels' words (one may be missing) and noise. */
export function toy(n: number, seed: number, L = 24): Dataset {
  const rng = new Rng(seed);
  const texts: string[] = [], rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const ls = new Set<number>([i % L]);
    if (rng.next() < 0.4) ls.add(rng.int(L));
    const words: string[] = [];
    for (const l of ls) {
      words.push(`w${l}a`);
      if (rng.next() < 0.7) words.push(`w${l}b`);
    }
    for (let k = 0; k < 3; k++) words.push(`noise${rng.int(30)}`);
    rng.shuffle(words as never);
    texts.push(`the ${words.join(" ")} of it`);
    rows.push([...ls]);
  }
  return {
    source: "toy", kind: "text", X: null, texts, Y: csrFromRows(L, rows),
    labelNames: Array.from({ length: L }, (_, l) => `lab${l}`),
    labelTexts: Array.from({ length: L }, (_, l) => `label ${l} : w${l}a w${l}b`),
    knownLabels: L,
  };
}


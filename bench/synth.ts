/**
 * Synthetic power-law XMC data in the Extreme Classification Repository format, for cost curves
 * at 10^4-10^6 labels. The law (topics of ~64 labels, 8 signature words per label, Zipf label
 * popularity with exponent 0.9, Poisson(1.8) extra labels mostly from the first label's topic,
 * Lomax-ranked picks, 2-4 signature words per label plus 15-39 background words from a Zipf(1.05)
 * over the vocabulary, TF-IDF with sublinear tf and smoothed idf fitted on train, L2-normalised
 * rows, 5 decimals) is the one of the synth_xmc.py script used for the PECOS scale figures; the
 * random stream is xmc's own (mulberry32), not numpy's PCG64, so the files differ from that
 * script's while their statistics match (see docs/scale.md).
 *
 * Usage: node dist/bench/synth.js OUT L N_TRAIN N_TEST [F] [SEED]
 */
import { mkdirSync, renameSync } from "node:fs";
import { openSync, closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../src/core/rng.js";

export interface SynthStats {
  labels: number;
  features: number;
  train: number;
  test: number;
  nnzPerRow: number;
  labelsPerRow: number;
}

/** Index of the first cdf entry > u (numpy's searchsorted side="right"), capped at n - 1. */
function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0, hi = cdf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] <= u) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, cdf.length - 1);
}

function zipfCdf(n: number, shift: number, exponent: number): Float64Array {
  const cdf = new Float64Array(n);
  let s = 0;
  for (let r = 0; r < n; r++) cdf[r] = s += 1 / (r + shift) ** exponent;
  for (let r = 0; r < n; r++) cdf[r] /= s;
  return cdf;
}

/** Growable Int32 buffer. */
class IntBuf {
  a = new Int32Array(1 << 16);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Write OUT/train.txt and OUT/test.txt (each through a temp file renamed into place). */
export function synthesize(out: string, L: number, nTrain: number, nTest: number, F = Math.max(50_000, Math.floor(L / 2)), seed = 0): SynthStats {
  const rng = new Rng(seed);
  const uniform = (): number => rng.next();
  const lomax = (a: number): number => Math.exp(-Math.log(1 - uniform()) / a) - 1; // numpy's pareto(a)
  const poisson = (lam: number): number => {
    const limit = Math.exp(-lam);
    let k = 0;
    for (let p = uniform(); p > limit; p *= uniform()) k++;
    return k;
  };
  mkdirSync(out, { recursive: true });
  const T = Math.max(1, Math.floor(L / 64));
  const topicOf = new Int32Array(L);
  for (let l = 0; l < L; l++) topicOf[l] = l % T;
  rng.shuffle(topicOf);
  const wordCdf = zipfCdf(F, 50, 1.05);
  const POOL = 120;
  const topicPool = new Int32Array(T * POOL);
  for (let i = 0; i < topicPool.length; i++) topicPool[i] = searchCdf(wordCdf, uniform());
  const sig = new Int32Array(L * 8);
  for (let l = 0; l < L; l++) {
    for (let j = 0; j < 6; j++) sig[l * 8 + j] = topicPool[topicOf[l] * POOL + rng.int(POOL)];
    for (let j = 6; j < 8; j++) sig[l * 8 + j] = rng.int(F);
  }
  const labCdf = zipfCdf(L, 20, 0.9);
  const perm = new Int32Array(L);
  for (let l = 0; l < L; l++) perm[l] = l;
  rng.shuffle(perm);
  // topic members, in label order
  const memPtr = new Int32Array(T + 1);
  for (let l = 0; l < L; l++) memPtr[topicOf[l] + 1]++;
  for (let t = 0; t < T; t++) memPtr[t + 1] += memPtr[t];
  const members = new Int32Array(L);
  const fill = memPtr.slice(0, T);
  for (let l = 0; l < L; l++) members[fill[topicOf[l]]++] = l;

  const N = nTrain + nTest;
  const labPtr = new Int32Array(N + 1), rowPtr = new Float64Array(N + 1);
  const labs = new IntBuf(), words = new IntBuf(), counts = new IntBuf();
  const df = new Int32Array(F);
  const tf = new Int32Array(F); // scratch: counts of the current row
  const rowWords: number[] = [];
  const set: number[] = [];
  for (let i = 0; i < N; i++) {
    const l0 = perm[searchCdf(labCdf, uniform())];
    const t = topicOf[l0];
    set.length = 0;
    set.push(l0);
    const extra = poisson(1.8);
    for (let e = 0; e < extra; e++) {
      let l: number;
      if (uniform() < 0.75) {
        const m0 = memPtr[t], m = memPtr[t + 1] - m0;
        l = m > 0 ? members[m0 + Math.min(m - 1, Math.floor(lomax(1.2)))] : l0;
      } else {
        l = L < 5000 ? perm[searchCdf(labCdf, uniform())] : perm[Math.min(L - 1, Math.floor(lomax(0.9) * 20))];
      }
      if (!set.includes(l)) set.push(l);
    }
    set.sort((a, b) => a - b);
    for (const l of set) labs.push(l);
    labPtr[i + 1] = labs.n;
    rowWords.length = 0;
    for (const l of set) {
      const k = 2 + rng.int(3);
      for (let j = 0; j < k; j++) rowWords.push(sig[l * 8 + rng.int(8)]);
    }
    const nb = 15 + rng.int(25);
    for (let j = 0; j < nb; j++) rowWords.push(searchCdf(wordCdf, uniform()));
    const distinct: number[] = [];
    for (const w of rowWords) if (tf[w]++ === 0) distinct.push(w);
    distinct.sort((a, b) => a - b);
    for (const w of distinct) {
      words.push(w);
      counts.push(tf[w]);
      tf[w] = 0;
      if (i < nTrain) df[w]++;
    }
    rowPtr[i + 1] = words.n;
  }
  const idf = new Float64Array(F);
  for (let f = 0; f < F; f++) idf[f] = Math.log((1 + nTrain) / (1 + df[f])) + 1;
  const write = (name: string, lo: number, hi: number): void => {
    const path = join(out, `${name}.txt`);
    const tmp = `${path}.tmp-${process.pid}`;
    const fd = openSync(tmp, "w");
    let buf = `${hi - lo} ${F} ${L}\n`;
    const vals: number[] = [];
    for (let i = lo; i < hi; i++) {
      const a = rowPtr[i], b = rowPtr[i + 1];
      let norm = 0;
      vals.length = 0;
      for (let j = a; j < b; j++) {
        const v = (1 + Math.log(counts.a[j])) * idf[words.a[j]];
        vals.push(v);
        norm += v * v;
      }
      norm = Math.sqrt(norm) || 1;
      const parts: string[] = [];
      for (let j = a; j < b; j++) parts.push(`${words.a[j]}:${(vals[j - a] / norm).toFixed(5)}`);
      buf += `${Array.from(labs.a.subarray(labPtr[i], labPtr[i + 1])).join(",")} ${parts.join(" ")}\n`;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
    closeSync(fd);
    renameSync(tmp, path);
  };
  write("train", 0, nTrain);
  write("test", nTrain, N);
  return { labels: L, features: F, train: nTrain, test: nTest, nnzPerRow: words.n / N, labelsPerRow: labs.n / N };
}

if (process.argv[1]?.endsWith("synth.js")) {
  const [out, L, ntr, nte, F, seed] = process.argv.slice(2);
  if (!out || !L || !ntr || !nte) {
    process.stderr.write("usage: node dist/bench/synth.js OUT L N_TRAIN N_TEST [F] [SEED]\n");
    process.exit(2);
  }
  const s = synthesize(out, Number(L), Number(ntr), Number(nte), F ? Number(F) : undefined, seed ? Number(seed) : 0);
  process.stdout.write(`${out}: L=${s.labels} F=${s.features} train=${s.train} test=${s.test} nnz/doc=${s.nnzPerRow.toFixed(1)} labels/doc=${s.labelsPerRow.toFixed(2)}\n`);
}

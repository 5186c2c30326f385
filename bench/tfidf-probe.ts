/**
 * Probe of the text featurizer: fit+transform time, feature counts and sizes for a few
 * configurations on debian-debtags and wordnet-hyper3, plus a cheap accuracy proxy
 * (nearest label centroid, P@1/P@3 on the test split) to compare idf formulas.
 *
 *   node dist/bench/tfidf-probe.js [--data /work/shared/data] [--only debian-debtags] [--no-proxy]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Csr } from "../src/core/csr.js";
import { StackedVectorizer } from "../src/text/stack.js";
import type { TfidfParamsInput } from "../src/text/tfidf.js";

interface Config {
  name: string;
  vectorizers: TfidfParamsInput[];
  proxy?: boolean;
}

const word1: TfidfParamsInput = { analyzer: "word", ngramMin: 1, ngramMax: 1 };
const word12: TfidfParamsInput = { analyzer: "word", ngramMin: 1, ngramMax: 2 };
const cwb35: TfidfParamsInput = { analyzer: "char_wb", ngramMin: 3, ngramMax: 5 };

const CONFIGS: Config[] = [
  { name: "word1 minDf1", vectorizers: [{ ...word1, minDf: 1 }], proxy: true },
  { name: "word1 minDf2", vectorizers: [{ ...word1, minDf: 2 }], proxy: true },
  { name: "word12 minDf1", vectorizers: [{ ...word12, minDf: 1 }], proxy: true },
  { name: "word12 minDf2 (default)", vectorizers: [{ ...word12, minDf: 2 }], proxy: true },
  { name: "word12 minDf2 pecos-idf", vectorizers: [{ ...word12, minDf: 2, idfFormula: "pecos" }], proxy: true },
  { name: "word12 minDf2 linear-tf", vectorizers: [{ ...word12, minDf: 2, sublinearTf: false }], proxy: true },
  { name: "word1+cwb35 minDf1", vectorizers: [{ ...word1, minDf: 1 }, { ...cwb35, minDf: 1 }], proxy: true },
  { name: "word1+cwb35 minDf2", vectorizers: [{ ...word1, minDf: 2 }, { ...cwb35, minDf: 2 }], proxy: true },
];

function readLines(path: string): string[] {
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Label lists as ids; labels first seen in `test` get fresh ids (never predicted). */
function labelIds(lines: string[], dict: Map<string, number>): number[][] {
  return lines.map((l) =>
    l
      .split(/\s+/)
      .filter((s) => s !== "")
      .map((s) => {
        let id = dict.get(s);
        if (id === undefined) dict.set(s, (id = dict.size));
        return id;
      }),
  );
}

/** Nearest label centroid: Z = rownorm2(Yn^T X), score = x . z_l. Returns P@1, P@3 on the test rows. */
function centroidProxy(Xtr: Csr, ytr: number[][], Xte: Csr, yte: number[][], nLabels: number): [number, number] {
  const acc: Map<number, number>[] = Array.from({ length: nLabels }, () => new Map());
  for (let i = 0; i < Xtr.rows; i++) {
    const ls = ytr[i];
    if (ls.length === 0) continue;
    const w = 1 / Math.sqrt(ls.length);
    for (const l of ls) {
      const m = acc[l];
      for (let k = Xtr.indptr[i]; k < Xtr.indptr[i + 1]; k++) m.set(Xtr.indices[k], (m.get(Xtr.indices[k]) ?? 0) + w * Xtr.data[k]);
    }
  }
  // Inverted index feature -> (label, weight).
  const post: { l: number[]; w: number[] }[] = Array.from({ length: Xtr.cols }, () => ({ l: [], w: [] }));
  for (let l = 0; l < nLabels; l++) {
    let s = 0;
    for (const v of acc[l].values()) s += v * v;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (const [f, v] of acc[l]) {
      post[f].l.push(l);
      post[f].w.push(v * inv);
    }
  }
  const scores = new Float64Array(nLabels);
  let p1 = 0;
  let p3 = 0;
  for (let i = 0; i < Xte.rows; i++) {
    scores.fill(0);
    for (let k = Xte.indptr[i]; k < Xte.indptr[i + 1]; k++) {
      const pf = post[Xte.indices[k]];
      const x = Xte.data[k];
      for (let j = 0; j < pf.l.length; j++) scores[pf.l[j]] += x * pf.w[j];
    }
    const top: number[] = [];
    for (let r = 0; r < 3; r++) {
      let best = -1;
      for (let l = 0; l < nLabels; l++) if (!top.includes(l) && (best < 0 || scores[l] > scores[best])) best = l;
      top.push(best);
    }
    const truth = new Set(yte[i]);
    if (truth.has(top[0])) p1++;
    p3 += top.filter((l) => truth.has(l)).length / 3;
  }
  return [p1 / Xte.rows, p3 / Xte.rows];
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const root = opt("--data") ?? "/work/shared/data";
  const only = opt("--only");
  const proxy = !args.includes("--no-proxy");
  const datasets = ["debian-debtags", "wordnet-hyper3"].filter((d) => !only || d === only);
  for (const ds of datasets) {
    const train = readLines(join(root, ds, "train_texts.txt"));
    const test = readLines(join(root, ds, "test_texts.txt"));
    const dict = new Map<string, number>();
    const ytr = proxy ? labelIds(readLines(join(root, ds, "train_labels.txt")), dict) : [];
    const nTrainLabels = dict.size;
    const yte = proxy ? labelIds(readLines(join(root, ds, "test_labels.txt")), dict) : [];
    const mb = (train.reduce((s, t) => s + t.length, 0) / 1e6).toFixed(1);
    console.log(`\n## ${ds}: ${train.length} train texts (${mb} M chars), ${test.length} test texts`);
    console.log("| config | features | train nnz/row | fit+transform train: wall s (cpu s) | transform test: wall s (cpu s) | proxy P@1 | proxy P@3 |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const c of CONFIGS) {
      const v = new StackedVectorizer({ vectorizers: c.vectorizers });
      const cpu = (): number => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      };
      const t0 = performance.now();
      const c0 = cpu();
      const Xtr = v.fitTransform(train);
      const t1 = performance.now();
      const c1 = cpu();
      const Xte = v.transform(test);
      const t2 = performance.now();
      const c2 = cpu();
      let p = ["-", "-"];
      if (proxy && c.proxy) p = centroidProxy(Xtr, ytr, Xte, yte, nTrainLabels).map((x) => (100 * x).toFixed(2));
      const feats = v.parts.map((x) => x.nFeatures).join(" + ");
      const nnzRow = (Xtr.indptr[Xtr.rows] / Xtr.rows).toFixed(1);
      console.log(`| ${c.name} | ${feats} | ${nnzRow} | ${((t1 - t0) / 1000).toFixed(2)} (${(c1 - c0).toFixed(2)}) | ${((t2 - t1) / 1000).toFixed(2)} (${(c2 - c1).toFixed(2)}) | ${p[0]} | ${p[1]} |`);
    }
  }
}

main();

/**
 * bench/results/xr-transformer.md, rebuilt from the stored runs of bench/xr-transformer.ts
 * (xr-transformer.json), of the cross-fitting study bench/xr-transformer-crossfit.ts
 * (xr-transformer-crossfit.json) and of the encoder-ensemble study bench/xr-transformer-ensemble.ts
 * (xr-transformer-ensemble.json).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One run of bench/xr-transformer.ts. */
export interface XrtRow {
  dataset: string;
  name: string;
  split: string;
  params: unknown;
  threads: number;
  metrics: Record<string, number>;
  trainWallS: number;
  trainCpuS: number;
  stages: unknown;
  matcher: unknown;
  latencyMs?: number;
  /** CPU ms per single query (user + sys over the 500 queries / 500): robust to a busy machine. */
  latencyCpuMs?: number;
  batchQps?: number;
  modelMB?: number;
  roundTrip?: boolean;
  date: string;
}

/** One row of the cross-fitting study. */
export interface XrtStudyRow {
  dataset: string;
  name: string;
  run: string;
  folds: number;
  params?: { ranker?: { trees?: number } };
  metrics: Record<string, number>;
  cpu: Record<string, number>;
}

const runsOf = <T>(path: string): T[] => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { runs: T[] }).runs : []);

export function writeXrtMarkdown(root: string): void {
  const dir = join(root, "bench", "results");
  let md = "# XR-Transformer benchmark\n\n";
  md += "Produced by `npm run bench:xr-transformer` (bench/xr-transformer.ts); one row per run, newest last. CPU s = user + sys of the training process; the machine's 2 cores were shared with other jobs, so wall times are inflated.\n\n";
  md += "| data set | run | split | P@1 | P@3 | P@5 | PSP@1 | PSP@3 | PSP@5 | train wall s | train CPU s | threads | latency ms (CPU ms) | batch q/s | model MB | round trip |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const r of runsOf<XrtRow>(join(dir, "xr-transformer.json"))) {
    const m = r.metrics;
    md += `| ${r.dataset} | ${r.name} | ${r.split} | ${m["P@1"]} | ${m["P@3"]} | ${m["P@5"]} | ${m["PSP@1"]} | ${m["PSP@3"]} | ${m["PSP@5"]} | ${r.trainWallS} | ${r.trainCpuS} | ${r.threads} | ${r.latencyMs ?? ""}${r.latencyCpuMs !== undefined ? ` (CPU ${r.latencyCpuMs})` : ""} | ${r.batchQps ?? ""} | ${r.modelMB ?? ""} | ${r.roundTrip ?? ""} |\n`;
  }
  const study = runsOf<XrtStudyRow>(join(dir, "xr-transformer-crossfit.json"));
  if (study.length > 0) {
    md += "\n## Cross-fitting and score-level fusion (validation split)\n\n";
    md += "Produced by `node dist/bench/xr-transformer-crossfit.js` (bench/xr-transformer-crossfit.ts): 10% of the training set held out (seed 0), never the test set. One encoder and one set of out-of-fold embeddings (`folds` K; 1 = in-sample) per study; every ranker row of a study shares them. Fusion rows: (1 − w)·TF-IDF-only ranker + w·the other ranker. CPU s: the study's stages so far (user + sys).\n\n";
    md += "| data set | folds | trees per ranker | run | P@1 | P@3 | P@5 | PSP@1 | CPU s so far |\n|---|---|---|---|---|---|---|---|---|\n";
    for (const r of study) {
      const m = r.metrics;
      const cpu = Object.entries(r.cpu).map(([k, v]) => `${k} ${v}`).join("; ");
      md += `| ${r.dataset} | ${r.folds} | ${r.params?.ranker?.trees ?? ""} | ${r.run} | ${m["P@1"]} | ${m["P@3"]} | ${m["P@5"]} | ${m["PSP@1"]} | ${cpu} |\n`;
    }
  }
  const ens = runsOf<XrtStudyRow>(join(dir, "xr-transformer-ensemble.json"));
  if (ens.length > 0) {
    md += "\n## Encoder ensembles (validation split)\n\n";
    md += "Produced by `node dist/bench/xr-transformer-ensemble.js` (bench/xr-transformer-ensemble.ts): 10% of the training set held out (seed 0), never the test set. Members m = 1..M share the skip-gram vectors and the preliminary tree; each has its own seed (residual layers, batches, folds), out-of-fold embeddings and concat ranker. A row \"m members × t trees\" uses the first m members with the first t trees of each, as a model with `matcher.ensemble` m and `ranker.trees` t; fusion rows: (1 − w)·TF-IDF-only trees + w·concat trees. CPU s: the study's stages so far.\n\n";
    md += "| data set | study | run | P@1 | P@3 | P@5 | PSP@1 | CPU s so far |\n|---|---|---|---|---|---|---|---|\n";
    for (const r of ens) {
      const m = r.metrics;
      const cpu = Object.entries(r.cpu).map(([k, v]) => `${k} ${v}`).join("; ");
      md += `| ${r.dataset} | ${r.name} | ${r.run} | ${m["P@1"]} | ${m["P@3"]} | ${m["P@5"]} | ${m["PSP@1"]} | ${cpu} |\n`;
    }
  }
  writeFileSync(join(dir, "xr-transformer.md"), md);
}

/**
 * Choose SyncXML's neighbour-vote settings without the test split: cut a seeded held-out part
 * from the training data, train SyncXML on the rest (the CPU configuration of
 * `presets/syncxml-cpu.json`, PARAMS over it) and XR-Linear on the same rest for reference, then
 * score the held-out part under a grid of vote settings. The network runs once; each setting
 * only re-fuses its candidates with the two neighbour indexes. Prints a table and writes JSON.
 *
 * Usage: node dist/bench/syncxml-votes.js [PARAMS] [--dataset NAME] [--holdout 0.1] [--seed 7]
 *          [--grid JSON|FILE] [--model DIR] [--keep DIR] [--threads 2] [--out FILE]
 * --model DIR reuses a model already trained on the same split (saved by --keep); GRID is a list
 * of objects with any of neighbours, neighbourWeight, neighbourTau, lexicalNeighbours,
 * lexicalWeight, lexicalTau (missing keys: the model's defaults).
 */
import { join } from "node:path";
import { appendRuns, jsonArg, syncxmlBenchParams, takeFlag } from "./util.js";
import type { Progress } from "../src/core/progress.js";
import { Rng } from "../src/core/rng.js";
import { loadDataset } from "../src/data/load.js";
import { splitDataset } from "../src/data/subset.js";
import { evaluate } from "../src/eval/metrics.js";
import { inversePropensity, labelCounts } from "../src/eval/propensity.js";
import { SyncXMLModel } from "../src/methods/syncxml/model.js";
import { buildNeighbourIndex, fuseNeighbours, lexicalDoc } from "../src/methods/syncxml/neighbours.js";
import { XRLinearModel } from "../src/methods/xr-linear/model.js";

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => takeFlag(args, name, def);
const DATA = process.env.XMC_DATA ?? new URL("../../../shared/data", import.meta.url).pathname;
const dataset = flag("--dataset", "wordnet-hyper3");
const holdout = Number(flag("--holdout", "0.1"));
const seed = Number(flag("--seed", "7"));
const modelDir = flag("--model", "");
const keepDir = flag("--keep", "");
const threads = Number(flag("--threads", "2"));
const outPath = flag("--out", new URL("../../bench/results/syncxml-votes.json", import.meta.url).pathname);
const gridArg = flag("--grid", "");
/** The default grid: the vote settings around the library defaults, one knob at a time, and each channel alone. */
const DEFAULT_GRID: Record<string, number>[] = [
  { neighbours: 0, lexicalWeight: 0 },
  { lexicalWeight: 0 },
  { neighbours: 0 },
  {},
  { neighbourTau: 0.02 },
  { neighbourTau: 0.05 },
  { neighbourWeight: 0.4 },
  { neighbourWeight: 0.6 },
  { lexicalNeighbours: 5 },
  { lexicalNeighbours: 20 },
  { lexicalTau: 0.1 },
  { lexicalTau: 0.5 },
  { lexicalWeight: 0.4 },
  { lexicalWeight: 0.6 },
];
const grid = gridArg === "" ? DEFAULT_GRID : (jsonArg(gridArg) as Record<string, number>[]);
const params = syncxmlBenchParams(args[0]);

const log = (m: string): void => void process.stderr.write(`${m}\n`);
const progress: Progress = { start() {}, tick() {}, stop() {}, log };
const KS = ["P@1", "P@3", "P@5", "PSP@1", "PSP@5"] as const;
const pick = (r: Record<string, number>): Record<string, number> => Object.fromEntries(KS.map((k) => [k, Number(r[k].toFixed(2))]));

const full = await loadDataset(join(DATA, dataset, "train"));
const { train: fit, heldOut: val } = splitDataset(full, holdout, seed);
log(`${dataset}: ${fit.Y.rows} training / ${val.Y.rows} held-out texts (seed ${seed})`);

const xr = await XRLinearModel.train(fit, {}, { threads });
const ip = inversePropensity(xr.trainLabelCounts, fit.Y.rows, 0.55, 1.5, val.Y.cols);
const xrMetrics = pick(evaluate(xr.predictDataset(val, { topK: 5 }), val.Y, { ks: [1, 3, 5], invProp: ip }));
log(`XR-Linear on the held-out part: ${KS.map((k) => `${k} ${xrMetrics[k]}`).join(" ")}`);

let model: SyncXMLModel;
if (modelDir) model = SyncXMLModel.load(modelDir);
else {
  model = await SyncXMLModel.train(fit, params, { progress, threads });
  if (keepDir) model.save(keepDir);
}
// a reused model must come from this very split (same rows: same per-label counts), or the held-out part leaks
const counts = labelCounts(fit.Y);
if (model.nTrain !== fit.Y.rows || counts.some((c, l) => c !== model.trainLabelCounts[l])) {
  throw new Error(`${modelDir}: not trained on this split (${model.nTrain} texts; the split has ${fit.Y.rows}); give the --dataset, --holdout and --seed it was trained with`);
}
// both indexes, whatever the model kept
const index = buildNeighbourIndex(model.net, model.vocab, fit.texts!, fit.Y, model.params.encoder.seqLen, { dense: true, lexical: true }, progress);
const defaults = model.params.predict;
const S = model.params.encoder.seqLen, rng = new Rng(0);
const blocks = [];
for (let a = 0; a < val.texts!.length; a += 256) {
  const chunk = val.texts!.slice(a, a + 256);
  const c = model.net.candidates(model.vocab.encode(chunk, S), chunk.length, { shortlist: defaults.shortlist, score: "comb" }, rng);
  blocks.push({ c, docs: chunk.map((t) => lexicalDoc(model.vocab, t)) });
}
const rows: { setting: Record<string, number>; metrics: Record<string, number> }[] = [];
for (const g of grid) {
  const o = { ...defaults, ...g, hnsw: null };
  const preds = blocks.flatMap((b) => fuseNeighbours(b.c.lists, b.c.features, b.docs, index, o, 5, 0));
  const metrics = pick(evaluate(preds, val.Y, { ks: [1, 3, 5], invProp: ip }));
  rows.push({ setting: g, metrics });
  log(`${JSON.stringify(g).padEnd(40)} ${KS.map((k) => `${k} ${metrics[k].toFixed(2)}`).join(" ")}`);
}
const result = { dataset, holdout, seed, nFit: fit.Y.rows, nHeldOut: val.Y.rows, date: new Date().toISOString(), params: model.params, xrLinear: xrMetrics, grid: rows };
appendRuns(outPath, result, [result]);

/**
 * Golden predictions: each method, trained with fixed seeds on a small fixed data set, saved,
 * loaded back and asked for the top 10 labels of fixed test rows, must give exactly the labels
 * and (within 1e-6) the scores stored in test/golden/*.json. A refactor that changes a number
 * shows up here; an intended change is made by regenerating the files:
 *   XMC_GOLDEN_WRITE=1 node --test dist/test/golden/golden.test.js
 * Data: the first 1,000 training and 150 test rows of the bundled Bibtex ARFF (features), and
 * test/golden/data/debtags-mini (800 training and 100 test package descriptions of
 * debian-debtags, cut to 400 characters, with the full tag list and tag texts in labels.txt).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Dataset } from "../../src/data/dataset.js";
import { loadDataset } from "../../src/data/load.js";
import { subsetDataset } from "../../src/data/subset.js";
import type { XmcModel } from "../../src/methods/model.js";
import { PrimeModel } from "../../src/methods/prime/model.js";
import type { PrimeParamsInput } from "../../src/methods/prime/params.js";
import { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import type { SyncXMLParamsInput } from "../../src/methods/syncxml/params.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { XRTransformerModel } from "../../src/methods/xr-transformer/model.js";
import type { XrtParamsInput } from "../../src/methods/xr-transformer/params.js";
import { loadModel } from "../../src/api/load.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const GOLDEN = join(ROOT, "test/golden");
const WRITE = process.env.XMC_GOLDEN_WRITE === "1";
const TOL = 1e-6;

interface Golden {
  labels: string[][];
  scores: number[][];
}

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

async function bibtex(): Promise<{ train: Dataset; test: Dataset }> {
  const train = await loadDataset(join(ROOT, "data/bibtex/bibtex-train.arff"));
  const test = await loadDataset(join(ROOT, "data/bibtex/bibtex-test.arff"));
  return { train: subsetDataset(train, range(1000), "golden"), test: subsetDataset(test, range(150), "golden") };
}

async function debtags(): Promise<{ train: Dataset; test: Dataset }> {
  const train = await loadDataset(join(GOLDEN, "data/debtags-mini-train"));
  const test = await loadDataset(join(GOLDEN, "data/debtags-mini-test"), { labels: train.labelNames, labelsOptional: true });
  return { train, test };
}

/** Save, load back, predict the top 10: the path every user's model takes. */
function predictAfterRoundTrip(model: XmcModel, test: Dataset): Golden {
  const dir = mkdtempSync(join(tmpdir(), "xmc-golden-"));
  try {
    const path = join(dir, "model.xmc");
    model.save(path);
    const loaded = loadModel(path);
    const preds = loaded.predictDataset(test, { topK: 10 });
    return {
      labels: preds.map((r) => Array.from(r.labels, (l) => loaded.labelNames[l])),
      scores: preds.map((r) => Array.from(r.scores)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SYNCXML_PARAMS: SyncXMLParamsInput = {
  wordvec: { source: "skipgram", epochs: 2 },
  encoder: { seqLen: 32, embDim: 32, filters: 8, kernels: "2,4,6", stride: 2, aggKernel: 4 },
  model: { clusterSize: 8, shortlist: 8 },
  train: { epochs: 3, batch: 32, seed: 3 },
};

const PRIME_PARAMS: PrimeParamsInput = {
  encoder: { dim: 32 },
  wordvec: { epochs: 2 },
  lpn: { heads: 2, ffn: 32 },
  train: { epochs: 3, batch: 32 },
  batches: { clusterFrom: 2, clusterSize: 8 },
};

const XRT_PARAMS: XrtParamsInput = {
  encoder: { dim: 16 },
  wordvec: { epochs: 1 },
  matcher: { epochs: 1, batch: 32, maxLeafSize: 8, maxMatchClusters: 32768, labelLevel: true },
  ranker: { trees: 1, alpha: 0.5 },
};

const CASES: [string, () => Promise<Golden>][] = [
  ["xr-linear-bibtex", async () => {
    const d = await bibtex();
    return predictAfterRoundTrip(await XRLinearModel.train(d.train, {}, { threads: 2 }), d.test);
  }],
  ["xr-linear-mixed-disentangled-bibtex", async () => {
    const d = await bibtex();
    const preset = JSON.parse(readFileSync(join(ROOT, "presets/mixed-disentangled.json"), "utf8"));
    return predictAfterRoundTrip(await XRLinearModel.train(d.train, preset, { threads: 2 }), d.test);
  }],
  ["xr-linear-debtags-text", async () => {
    // the settings that were the default before "auto": word 1-2-grams, trees only
    const d = await debtags();
    const old = {
      text: { vectorizers: [{ analyzer: "word", ngramMin: 1, ngramMax: 2, minDf: 2, sublinearTf: true }] },
      fusion: { vote: "off", labelTexts: "off", pifaLabelTexts: false },
    } as const;
    return predictAfterRoundTrip(await XRLinearModel.train(d.train, old, { threads: 2 }), d.test);
  }],
  ["xr-linear-auto-debtags-text", async () => {
    // the defaults: featurization, neighbour vote and label texts chosen on a validation split
    const d = await debtags();
    return predictAfterRoundTrip(await XRLinearModel.train(d.train, {}, { threads: 2 }), d.test);
  }],
  ["syncxml-debtags-text", async () => {
    const d = await debtags();
    return predictAfterRoundTrip(await SyncXMLModel.train(d.train, SYNCXML_PARAMS, { threads: 1 }), d.test);
  }],
  ["prime-debtags-text", async () => {
    const d = await debtags();
    return predictAfterRoundTrip(await PrimeModel.train(d.train, PRIME_PARAMS), d.test);
  }],
  ["xr-transformer-debtags-text", async () => {
    const d = await debtags();
    return predictAfterRoundTrip(await XRTransformerModel.train(d.train, XRT_PARAMS, { threads: 1 }), d.test);
  }],
];

for (const [name, run] of CASES) {
  test(`golden predictions: ${name}`, async () => {
    const got = await run();
    const file = join(GOLDEN, `${name}.json`);
    if (WRITE) {
      writeFileSync(file, `${JSON.stringify(got)}\n`);
      return;
    }
    const want = JSON.parse(readFileSync(file, "utf8")) as Golden;
    assert.equal(got.labels.length, want.labels.length, "number of test rows");
    for (let i = 0; i < want.labels.length; i++) {
      assert.deepEqual(got.labels[i], want.labels[i], `${name}: row ${i} labels`);
      for (let j = 0; j < want.scores[i].length; j++) {
        assert.ok(Math.abs(got.scores[i][j] - want.scores[i][j]) <= TOL, `${name}: row ${i} rank ${j}: score ${got.scores[i][j]} vs ${want.scores[i][j]}`);
      }
    }
    // the golden files hold real rankings, not empty ones
    assert.ok(want.labels.every((r) => r.length === 10));
  });
}

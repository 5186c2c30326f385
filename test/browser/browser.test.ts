/**
 * The browser bundle (dist/browser/xmc.js) in headless Chromium: a model file loaded from its
 * bytes predicts exactly what Node predicts, for 100 texts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadModel } from "../../src/api/load.js";
import type { XmcModel } from "../../src/methods/model.js";
import { SyncXMLModel } from "../../src/methods/syncxml/model.js";
import { loadDataset } from "../../src/data/load.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { browserSkip, withPage } from "./harness.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const DATA = join(ROOT, "test/golden/data");
type Named = { label: string; score: number }[][];

/** Save the model, predict 100 test texts in Node (loaded back) and in Chromium (from the file's bytes). */
async function nodeAndBrowser(model: XmcModel, k: number): Promise<{ node: Named; browser: Named }> {
  const texts = readFileSync(join(DATA, "debtags-mini-test_texts.txt"), "utf8").split("\n").slice(0, 100);
  const dir = mkdtempSync(join(tmpdir(), "xmc-browser-"));
  try {
    const path = join(dir, "model.xmc");
    model.save(path);
    const node = loadModel(path).predictTexts(texts, { topK: k });
    const browser = await withPage(
      {
        "/": { body: "<!doctype html><title>xmc</title>", type: "text/html" },
        "/xmc.js": { body: readFileSync(join(ROOT, "dist/browser/xmc.js")), type: "text/javascript" },
        "/model.xmc": { body: readFileSync(path), type: "application/octet-stream" },
      },
      (page) =>
        page.evaluate(async (texts: string[], k: number) => {
          const xmc = await import("/xmc.js" as string);
          const bytes = await (await fetch("/model.xmc")).arrayBuffer();
          return xmc.loadModel(bytes).predictTexts(texts, { topK: k }) as Named;
        }, texts, k),
    );
    return { node, browser };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("browser: an XR-Linear text model loaded from bytes predicts exactly what Node predicts", { skip: browserSkip, timeout: 120_000 }, async () => {
  const train = await loadDataset(join(DATA, "debtags-mini-train"));
  const model = await XRLinearModel.train(train, {}, { threads: 2 });
  const { node, browser } = await nodeAndBrowser(model, 10);
  assert.equal(browser.length, 100);
  assert.ok(node.every((r) => r.length === 10));
  assert.deepEqual(browser, node);
});

test("browser: a SyncXML model (plain-TypeScript kernels there) ranks as Node does", { skip: browserSkip, timeout: 120_000 }, async () => {
  const train = await loadDataset(join(DATA, "debtags-mini-train"));
  const model = await SyncXMLModel.train(train, { encoder: { seqLen: 32, embDim: 32, filters: 8, kernels: "2,4,6", stride: 2, aggKernel: 4 }, wordvec: { epochs: 1 }, model: { clusterSize: 8, shortlist: 8 }, train: { epochs: 1, batch: 32 } }, { threads: 1 });
  const { node, browser } = await nodeAndBrowser(model, 5);
  assert.equal(browser.length, 100);
  for (let i = 0; i < node.length; i++) {
    assert.deepEqual(browser[i].map((p) => p.label), node[i].map((p) => p.label), `text ${i}`);
    browser[i].forEach((p, j) => assert.ok(Math.abs(p.score - node[i][j].score) < 1e-5, `text ${i} rank ${j}: ${p.score} vs ${node[i][j].score}`));
  }
});

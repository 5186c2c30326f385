/**
 * The try-it page of `xmc serve` in headless Chromium: type a text, submit, read the ranked
 * labels from the page and compare them with POST /predict.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import puppeteer from "puppeteer-core";
import { csrFromRows } from "../../src/core/csr.js";
import type { Dataset } from "../../src/data/dataset.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { createXmcServer } from "../../src/serve/app.js";
import { browserSkip, chromiumPath } from "../browser/harness.js";

const WORDS = ["apple banana fruit", "car engine wheel", "guitar piano music", "river lake water"];

test("serve page: typing a text and submitting shows the labels POST /predict returns", { skip: browserSkip, timeout: 120_000 }, async () => {
  const texts: string[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < 80; i++) {
    texts.push(`${WORDS[i % 4]} sample ${i % 9}`);
    rows.push([i % 4]);
  }
  const data: Dataset = { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(4, rows), labelNames: ["food", "vehicle", "music", "nature"], labelTexts: null, knownLabels: 4 };
  const dir = mkdtempSync(join(tmpdir(), "xmc-page-"));
  const path = join(dir, "model.xmc");
  (await XRLinearModel.train(data, { text: { vectorizers: [{ analyzer: "word", minDf: 1 }] } }, { threads: 1 })).save(path);
  const server = await createXmcServer(path, { threads: 1, log: false });
  const port = await server.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${port}`;
  const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const query = "a piano and a guitar by the lake";
    const api = (await (await fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ text: query, k: 3 }) })).json()) as { predictions: { label: string; score: number }[][] };
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const outside: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(base)) outside.push(r.url());
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.getElementById("model")?.textContent?.includes("labels"));
    assert.match((await page.$eval("#model", (e) => e.textContent)) ?? "", /xr-linear model, 4 labels/);
    await page.type("#text", query);
    await page.$eval("#k", (e) => ((e as HTMLInputElement).value = "3"));
    await page.click("#go");
    await page.waitForSelector("li.prediction");
    const shown = await page.$$eval("li.prediction", (lis) =>
      lis.map((li) => ({ label: li.querySelector(".label")?.textContent ?? "", score: Number(li.querySelector(".score")?.textContent), bar: (li.querySelector(".bar") as HTMLElement).getBoundingClientRect().width })),
    );
    assert.deepEqual(shown.map((s) => s.label), api.predictions[0].map((p) => p.label));
    shown.forEach((s, i) => assert.ok(Math.abs(s.score - api.predictions[0][i].score) < 1e-4));
    assert.ok(shown[0].bar > 0 && shown[0].bar >= shown[shown.length - 1].bar, "score bars drawn, longest first");
    assert.match((await page.$eval("#status", (e) => e.textContent)) ?? "", /ms$/);
    assert.deepEqual(errors, []);
    assert.deepEqual(outside, [], "the page loads nothing from outside the server");
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

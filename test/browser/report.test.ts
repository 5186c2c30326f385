import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { renderHtmlReport } from "../../src/eval/html-report.js";
import { fixtureData } from "../eval/html-report-fixture.js";
import { browserSkip, withPage } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "xmc-report-browser-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("browser: the HTML report renders every plot, requests nothing but itself, and screenshots", { skip: browserSkip, timeout: 120_000 }, async () => {
  const html = await renderHtmlReport(fixtureData());
  const png = join(dir, "report.png");
  const result = await withPage({ "/": { body: html, type: "text/html; charset=utf-8" } }, async (page, base) => {
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.setViewport({ width: 1150, height: 900 });
    await page.goto(`${base}/`, { waitUntil: "networkidle0" });
    await page.screenshot({ path: png, fullPage: true });
    const plots = await page.$$eval("figure.plot", (figs) =>
      figs.map((f) => {
        const svg = f.querySelector("svg");
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        // drawn marks: paths and rects of the plot with a visible size
        let marks = 0;
        for (const m of Array.from(svg ? svg.querySelectorAll("path, rect, line") : [])) {
          const b = (m as SVGGraphicsElement).getBBox();
          if (b.width > 0 || b.height > 0) marks++;
        }
        return { id: f.id, width: box.width, height: box.height, marks, texts: svg ? svg.querySelectorAll("text").length : 0 };
      }),
    );
    return { requests, plots, base };
  });
  assert.deepEqual(result.requests.filter((u) => u !== `${result.base}/favicon.ico`), [`${result.base}/`]);
  assert.ok(result.requests.every((u) => u.startsWith("http://127.0.0.1:")), result.requests.join(", "));
  assert.equal(result.plots.length, 7);
  for (const p of result.plots) {
    assert.ok(p.width > 100 && p.height > 50, `${p.id}: ${p.width}×${p.height}`);
    assert.ok(p.marks > 3, `${p.id}: ${p.marks} marks`);
    assert.ok(p.texts > 3, `${p.id}: ${p.texts} texts (axis labels)`);
  }
  const bytes = readFileSync(png);
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  assert.ok(bytes.length > 20_000);
});

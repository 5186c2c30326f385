// Smoke tests on the real data sets in ../shared/data beside the repository (or $XMC_DATA; skipped when absent).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { nnz } from "../../src/core/csr.js";
import { loadDataset } from "../../src/data/load.js";

const DATA = process.env.XMC_DATA ?? new URL("../../../../shared/data", import.meta.url).pathname;
const skip = !existsSync(DATA) && `no data at ${DATA}`;

describe("real data", { skip }, () => {
  it("reads bibtex-train.arff", async () => {
    const d = await loadDataset(`${DATA}/bibtex/bibtex-train.arff`);
    assert.equal(d.X!.rows, 4880);
    assert.equal(d.X!.cols, 1836);
    assert.equal(d.Y.rows, 4880);
    assert.equal(d.Y.cols, 159);
    assert.equal(d.labelNames.length, 159);
    const perPoint = nnz(d.Y) / d.Y.rows;
    assert.ok(perPoint > 2.2 && perPoint < 2.6, `labels per point ${perPoint}`);
  });

  it("reads debian-debtags/xc/train.txt", async () => {
    const t = performance.now();
    const d = await loadDataset(`${DATA}/debian-debtags/xc/train.txt`);
    const ms = performance.now() - t;
    assert.equal(d.X!.rows, 23945);
    assert.equal(d.X!.cols, 26149);
    assert.equal(d.Y.cols, 598);
    assert.equal(d.labelNames[0], "accessibility::TODO");
    assert.ok(ms < 2000, `read took ${ms.toFixed(0)} ms`);
  });
});

import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { Dataset } from "../../src/data/dataset.js";
import { csrFromRows } from "../../src/core/csr.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { createXmcServer } from "../../src/serve/server.js";

test("serve: /health and /predict on a tiny text model; bad requests get 400", async () => {
  const texts: string[] = [];
  const labels: number[][] = [];
  const words = ["apple banana fruit", "car engine wheel", "guitar piano music"];
  for (let i = 0; i < 60; i++) {
    texts.push(`${words[i % 3]} sample ${i % 7}`);
    labels.push([i % 3]);
  }
  const data: Dataset = {
    source: "toy",
    kind: "text",
    X: null,
    texts,
    Y: csrFromRows(3, labels),
    labelNames: ["food", "vehicle", "music"],
    labelTexts: null,
    knownLabels: 3,
  };
  const model = await XRLinearModel.train(data, { text: { vectorizers: [{ analyzer: "word", minDf: 1 }] } }, { threads: 1 });
  const server = createXmcServer(model);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const h = await (await fetch(`${base}/health`)).json();
    assert.deepEqual(h, { status: "ok", method: "xr-linear", labels: 3 });
    const r = await fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ texts: ["a piano and a guitar"], k: 2 }) });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { predictions: { label: string; score: number }[][] };
    assert.equal(body.predictions[0][0].label, "music");
    assert.equal(body.predictions[0].length, 2);
    const bad = await fetch(`${base}/predict`, { method: "POST", body: "{nope" });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /not a JSON object/);
    const wrong = await fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ texts: [1] }) });
    assert.equal(wrong.status, 400);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

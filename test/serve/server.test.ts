/**
 * xmc serve: every status code, the answers against the library's, metrics, the OpenAPI
 * document, CORS, reload (good and corrupt model), and through the CLI: the real port for
 * --port 0, SIGTERM during a request (full answer, exit 0) and SIGHUP reload.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import type { Dataset } from "../../src/data/dataset.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { XRTransformerModel } from "../../src/methods/xr-transformer/model.js";
import { createXmcServer, type XmcServer } from "../../src/serve/app.js";
import { PREDICT_BODY } from "../../src/serve/openapi.js";
import { raw } from "./raw-http.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const WORDS = ["apple banana fruit", "car engine wheel", "guitar piano music"];

function toy(names: string[]): Dataset {
  const texts: string[] = [];
  const labels: number[][] = [];
  for (let i = 0; i < 60; i++) {
    texts.push(`${WORDS[i % 3]} sample ${i % 7}`);
    labels.push([i % 3]);
  }
  return { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(3, labels), labelNames: names, labelTexts: null, knownLabels: 3 };
}

async function trainTo(path: string, names = ["food", "vehicle", "music"]): Promise<XRLinearModel> {
  const model = await XRLinearModel.train(toy(names), { text: { vectorizers: [{ analyzer: "word", minDf: 1 }] } }, { threads: 1 });
  model.save(path);
  return model;
}

describe("xmc serve over HTTP", () => {
  let dir: string;
  let path: string;
  let model: XRLinearModel;
  let server: XmcServer;
  let port: number;
  let base: string;
  const post = (body: unknown) => fetch(`${base}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "xmc-serve-"));
    path = join(dir, "model.xmc");
    model = await trainTo(path);
    server = await createXmcServer(path, { threads: 2, log: false, maxBody: 64 * 1024, maxTexts: 500, cors: "http://example.test", scheduler: { maxQueued: 1000, maxBatch: 8, chunk: 16 } });
    port = await server.listen(0, "127.0.0.1");
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("POST /predict answers what the library answers, for texts and for one text", async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `${WORDS[i % 3]} query ${i}`);
    const r = await post({ texts, k: 2 });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { predictions: { label: string; score: number }[][] };
    assert.deepEqual(body.predictions, model.predictTexts(texts, { topK: 2 }));
    const one = (await (await post({ text: "a piano and a guitar" })).json()) as { predictions: { label: string }[][] };
    assert.equal(one.predictions.length, 1);
    assert.equal(one.predictions[0][0].label, "music");
    // k above the number of labels is capped, not an error
    const big = (await (await post({ text: "car", k: 1000 })).json()) as { predictions: unknown[][] };
    assert.equal(big.predictions[0].length, 3);
  });

  test("concurrent small requests are merged and big ones chunked; every answer is right", async () => {
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => post({ text: `${WORDS[i % 3]} x`, k: 1 }).then((r) => r.json() as Promise<{ predictions: { label: string }[][] }>)));
    many.forEach((b, i) => assert.equal(b.predictions[0][0].label, ["food", "vehicle", "music"][i % 3]));
    const texts = Array.from({ length: 200 }, (_, i) => `${WORDS[i % 3]} long ${i}`);
    const b = (await (await post({ texts, k: 3 })).json()) as { predictions: unknown[] };
    assert.deepEqual(b.predictions, model.predictTexts(texts, { topK: 3 }));
  });

  test("400 for bad JSON, unknown fields (named), wrong types, neither or both of text/texts", async () => {
    const bad = await raw(port, "POST", "/predict", "{nope", { "content-type": "application/json" });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /JSON/);
    const unknown = await post({ text: "x", topK: 3 });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: string }).error, /unknown field "topK"/);
    for (const body of [{ texts: "x" }, { texts: [1] }, { text: "x", k: 0 }, { text: "x", k: "3" }, { text: "x", thresholds: "some" }, {}, { text: "x", texts: ["y"] }]) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(typeof ((await r.json()) as { error: string }).error === "string");
    }
    // a form-encoded body (curl -d) is read as JSON
    const form = await raw(port, "POST", "/predict", JSON.stringify({ text: "car" }), { "content-type": "application/x-www-form-urlencoded" });
    assert.equal(form.status, 200);
  });

  test("404 for unknown paths, 405 with Allow for a wrong method, HEAD /health", async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    const g = await fetch(`${base}/predict`);
    assert.equal(g.status, 405);
    assert.equal(g.headers.get("allow"), "POST");
    const d = await fetch(`${base}/health`, { method: "DELETE" });
    assert.equal(d.status, 405);
    assert.equal(d.headers.get("allow"), "GET, HEAD");
    assert.equal((await fetch(`${base}/health`, { method: "HEAD" })).status, 200);
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: "ok" });
  });

  test("413 for a body over the limit (the response arrives) and for too many texts", async () => {
    const big = await raw(port, "POST", "/predict", JSON.stringify({ text: "x".repeat(100 * 1024) }), { "content-type": "application/json" });
    assert.equal(big.status, 413);
    assert.match(JSON.parse(big.body).error, /larger than 65536 bytes/);
    const many = await post({ texts: Array.from({ length: 501 }, () => "a") });
    assert.equal(many.status, 413);
    assert.match(((await many.json()) as { error: string }).error, /501 texts.*at most 500/);
  });

  test("503 with Retry-After when the queue is full", async () => {
    const r = await post({ texts: Array.from({ length: 500 }, () => "car engine") });
    assert.equal(r.status, 200);
    // 1,000 texts may wait: three requests of 500 sent at once cannot all be queued
    const all = await Promise.all([0, 1, 2, 3].map(() => post({ texts: Array.from({ length: 500 }, () => "car engine") })));
    const statuses = all.map((x) => x.status);
    assert.ok(statuses.includes(503), `statuses ${statuses}`);
    const over = all[statuses.indexOf(503)];
    assert.equal(over.headers.get("retry-after"), "1");
    assert.ok(statuses.includes(200));
  });

  test("/ready, /metrics, /openapi.json, /labels/:name, CORS, the page", async () => {
    const ready = (await (await fetch(`${base}/ready`)).json()) as Record<string, unknown>;
    assert.equal(ready.ready, true);
    assert.equal(ready.method, "xr-linear");
    assert.equal(ready.labels, 3);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /xmc_http_requests_total\{route="\/predict",status="200"\} \d+/);
    assert.match(metrics, /xmc_http_request_duration_seconds_bucket/);
    assert.match(metrics, /xmc_batch_texts_count \d+/);
    assert.match(metrics, /xmc_queue_texts 0/);
    assert.match(metrics, /xmc_model_info\{method="xr-linear",labels="3"/);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    assert.equal(doc.openapi, "3.0.3");
    assert.deepEqual(doc.components.schemas.PredictRequest, JSON.parse(JSON.stringify(PREDICT_BODY)));
    for (const p of ["/predict", "/health", "/ready", "/metrics", "/admin/reload"]) assert.ok(doc.paths[p], p);
    assert.deepEqual(await (await fetch(`${base}/labels/music`)).json(), { label: "music", text: "" });
    assert.equal((await fetch(`${base}/labels/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/health`)).headers.get("access-control-allow-origin"), "http://example.test");
    const pre = await fetch(`${base}/predict`, { method: "OPTIONS" });
    assert.equal(pre.status, 204);
    const page = await fetch(`${base}/`);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /<textarea/);
  });

  test("reload: a new model file is swapped in; a corrupt one keeps the old model serving", async () => {
    await trainTo(path, ["fruit", "car", "sound"]);
    const r = await fetch(`${base}/admin/reload`, { method: "POST" });
    assert.equal(r.status, 200);
    const p = (await (await post({ text: "piano guitar" })).json()) as { predictions: { label: string }[][] };
    assert.equal(p.predictions[0][0].label, "sound");
    // corrupt: replace the model with garbage
    rmSync(path, { recursive: true, force: true });
    writeFileSync(path, "not a model");
    await assert.rejects(server.reload());
    const q = (await (await post({ text: "piano guitar" })).json()) as { predictions: { label: string }[][] };
    assert.equal(q.predictions[0][0].label, "sound");
    rmSync(path, { recursive: true, force: true });
    model = await trainTo(path);
    await server.reload();
  });
});

test("a model trained on features is refused at start, with the reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-serve-"));
  try {
    const path = join(dir, "features.xmc");
    const X = { rows: 4, cols: 4, indptr: Int32Array.from([0, 1, 2, 3, 4]), indices: Int32Array.from([0, 1, 2, 3]), data: Float32Array.from([1, 1, 1, 1]) };
    const data: Dataset = { source: "toy", kind: "xc", X, texts: null, Y: csrFromRows(2, [[0], [1], [0], [1]]), labelNames: ["a", "b"], labelTexts: null, knownLabels: 2 };
    const m = await XRLinearModel.train(data, { ensemble: { trees: 1 } }, { threads: 1 });
    m.save(path);
    await assert.rejects(createXmcServer(path, { threads: 1, log: false }), /cannot serve this model: .*features/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model whose method has no fitted thresholds answers 400 to \"thresholds\", and predicts without it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-serve-"));
  try {
    const path = join(dir, "xrt.xmc");
    const params = { encoder: { dim: 8 }, wordvec: { epochs: 1 }, matcher: { epochs: 1, batch: 16, maxLeafSize: 2 }, ranker: { trees: 1 } };
    (await XRTransformerModel.train(toy(["food", "vehicle", "music"]), params, { threads: 1 })).save(path);
    const server = await createXmcServer(path, { threads: 1, log: false });
    try {
      const port = await server.listen(0, "127.0.0.1");
      const ask = (body: unknown) => raw(port, "POST", "/predict", JSON.stringify(body), { "content-type": "application/json" });
      const bad = await ask({ text: "apple banana fruit", thresholds: "tuned" });
      assert.equal(bad.status, 400);
      assert.match(JSON.parse(bad.body).error, /"thresholds": a xr-transformer model has no fitted thresholds/);
      const ok = await ask({ text: "apple banana fruit", k: 1 });
      assert.equal(ok.status, 200, ok.body);
      assert.equal(JSON.parse(ok.body).predictions[0].length, 1);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Start `xmc serve` on port 0 and read the port it prints. */
async function startCli(path: string): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "serve", "-m", path, "--port", "0", "--threads", "2", "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.setEncoding("utf8");
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on("data", (c: string) => {
      err += c;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, port, stderr: () => err };
}

test("CLI: --port 0 prints the real port; SIGTERM during a request answers it fully and exits 0; SIGHUP reloads", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "xmc-serve-"));
  try {
    const path = join(dir, "model.xmc");
    await trainTo(path);
    const { child, port } = await startCli(path);
    assert.ok(port > 0);
    const base = `http://127.0.0.1:${port}`;
    // SIGHUP with a new model file: requests before and after get answers from the old and the new model
    const before = (await (await fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ text: "piano" }) })).json()) as { predictions: { label: string }[][] };
    assert.equal(before.predictions[0][0].label, "music");
    const loaded = ((await (await fetch(`${base}/ready`)).json()) as { loadedAt: string }).loadedAt;
    await trainTo(path, ["fruit", "car", "sound"]);
    child.kill("SIGHUP");
    for (let i = 0; i < 100; i++) {
      const now = ((await (await fetch(`${base}/ready`)).json()) as { loadedAt: string }).loadedAt;
      if (now !== loaded) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const afterHup = (await (await fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ text: "piano" }) })).json()) as { predictions: { label: string }[][] };
    assert.equal(afterHup.predictions[0][0].label, "sound");
    // SIGTERM while a large request runs
    const texts = Array.from({ length: 20_000 }, (_, i) => `${WORDS[i % 3]} sample ${i}`);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const pending = fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ texts }) });
    await new Promise((r) => setTimeout(r, 150));
    child.kill("SIGTERM");
    const res = await pending;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { predictions: unknown[] };
    assert.equal(body.predictions.length, texts.length);
    assert.equal(await exited, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

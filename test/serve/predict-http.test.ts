/**
 * POST /predict is answered by a node:http handler in front of fastify (src/serve/predict-http.ts).
 * Every request below is sent twice: to /predict (that handler) and to /predict?via=fastify (a
 * query string sends it to the fastify route): status, body and the headers clients read must be
 * the same. Then what only the handler does: metrics and 413 before the body is read.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { csrFromRows } from "../../src/core/csr.js";
import type { Dataset } from "../../src/data/dataset.js";
import { XRLinearModel } from "../../src/methods/xr-linear/model.js";
import { createXmcServer, type XmcServer } from "../../src/serve/app.js";
import { planPredict, schemaMessage } from "../../src/serve/predict-http.js";
import { type Answer, raw } from "./raw-http.js";

const WORDS = ["apple banana fruit", "car engine wheel", "guitar piano music"];

async function trainTo(path: string): Promise<void> {
  const texts: string[] = [];
  const labels: number[][] = [];
  for (let i = 0; i < 60; i++) {
    texts.push(`${WORDS[i % 3]} sample ${i % 7}`);
    labels.push([i % 3]);
  }
  const data: Dataset = { source: "toy", kind: "text", X: null, texts, Y: csrFromRows(3, labels), labelNames: ["food", "vehicle", "music"], labelTexts: null, knownLabels: 3 };
  (await XRLinearModel.train(data, { text: { vectorizers: [{ analyzer: "word", minDf: 1 }] } }, { threads: 1 })).save(path);
}

/** A server on a toy model for the tests of one describe block (started before them, closed after); `port()` once started. */
function toyServer(options: Parameters<typeof createXmcServer>[1]): { port: () => number } {
  let dir: string;
  let server: XmcServer;
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "xmc-predict-http-"));
    const path = join(dir, "model.xmc");
    await trainTo(path);
    server = await createXmcServer(path, options);
    port = await server.listen(0, "127.0.0.1");
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { port: () => port };
}

const SHOWN = ["content-type", "content-length", "retry-after", "access-control-allow-origin", "vary", "connection"];
const shown = (a: Answer) => ({ status: a.status, body: a.body, ...Object.fromEntries(SHOWN.map((h) => [h, a.headers[h]])) });

describe("POST /predict on node:http answers as the fastify route does", () => {
  const served = toyServer({ threads: 1, log: false, maxBody: 1024, maxTexts: 4, cors: "http://example.test", scheduler: { maxQueued: 6 } });

  const J = { "content-type": "application/json" };
  const cases: [string, string | undefined, Record<string, string>][] = [
    ["one text", JSON.stringify({ text: "piano", k: 2 }), J],
    ["texts", JSON.stringify({ texts: ["car", "apple"], k: 1 }), J],
    ["no texts", JSON.stringify({ texts: [] }), J],
    ["charset", JSON.stringify({ text: "car" }), { "content-type": "application/json; charset=utf-8" }],
    ["form encoding", JSON.stringify({ text: "car" }), { "content-type": "application/x-www-form-urlencoded" }],
    ["no content type", JSON.stringify({ text: "car" }), {}],
    ["no body", undefined, {}],
    ["empty body", "", J],
    ["not JSON", "{nope", J],
    ["an array", "[]", J],
    ["null", "null", J],
    ["unknown field", JSON.stringify({ text: "x", topK: 3 }), J],
    ["__proto__", '{"text":"x","__proto__":1}', J],
    ["texts not a list", JSON.stringify({ texts: "x" }), J],
    ["texts with a number", JSON.stringify({ texts: ["a", 1] }), J],
    ["k 0", JSON.stringify({ text: "x", k: 0 }), J],
    ["k 1001", JSON.stringify({ text: "x", k: 1001 }), J],
    ["k 1.5", JSON.stringify({ text: "x", k: 1.5 }), J],
    ["k 2.0", '{"text":"car","k":2.0}', J],
    ["k a string", JSON.stringify({ text: "x", k: "3" }), J],
    ["threshold a string", JSON.stringify({ text: "x", threshold: "a" }), J],
    ["thresholds unknown", JSON.stringify({ text: "x", thresholds: "some" }), J],
    ["thresholds tuned (none fitted)", JSON.stringify({ text: "x", thresholds: "tuned" }), J],
    ["neither text nor texts", "{}", J],
    ["both", JSON.stringify({ text: "x", texts: ["y"] }), J],
    ["too many texts", JSON.stringify({ texts: ["a", "b", "c", "d", "e"] }), J],
    ["over the body limit (Content-Length)", JSON.stringify({ text: "x".repeat(2000) }), J],
    ["over the body limit (chunked)", JSON.stringify({ text: "x".repeat(2000) }), { ...J, "transfer-encoding": "chunked" }],
    ["unicode", JSON.stringify({ text: "piano é 文字", k: 1 }), J],
  ];
  for (const [name, body, headers] of cases) {
    test(name, async () => {
      const fast = await raw(served.port(), "POST", "/predict", body, headers);
      const viaFastify = await raw(served.port(), "POST", "/predict?via=fastify", body, headers);
      assert.deepEqual(shown(fast), shown(viaFastify));
      assert.equal(fast.headers["access-control-allow-origin"], "http://example.test");
      assert.equal(typeof JSON.parse(fast.body), "object");
    });
  }

  test("the messages users see", async () => {
    const ask = async (body: unknown) => JSON.parse((await raw(served.port(), "POST", "/predict", JSON.stringify(body), J)).body) as { error?: string };
    assert.equal((await ask({ texts: ["a", 1] })).error, "texts.1: must be string");
    assert.equal((await ask({ text: "x", k: 0 })).error, "k: must be >= 1");
    assert.equal((await ask({ text: "x", zz: 1 })).error, 'unknown field "zz" (known: texts, text, k, threshold, thresholds)');
    assert.equal((await ask({ texts: ["a", "b", "c", "d", "e"] })).error, "5 texts in one request; at most 4");
    const empty = await raw(served.port(), "POST", "/predict", undefined, {});
    assert.equal(JSON.parse(empty.body).error, "body: must be object");
  });

  test("413 from Content-Length alone, before the body is sent", async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: served.port(), method: "POST", path: "/predict", headers: { "content-type": "application/json", "content-length": "5000" } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.write("{"); // the rest never comes
    });
    assert.equal(answer.status, 413);
    assert.equal(JSON.parse(answer.body).error, "request body larger than 1024 bytes");
    assert.equal(answer.headers.connection, "close");
  });

  test("metrics count the requests of both routes under route /predict", async () => {
    const count = async (status: number) => {
      const text = await (await fetch(`http://127.0.0.1:${served.port()}/metrics`)).text();
      return Number(new RegExp(`^xmc_http_requests_total\\{route="/predict",status="${status}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    };
    const ok0 = await count(200);
    const bad0 = await count(400);
    await raw(served.port(), "POST", "/predict", JSON.stringify({ text: "car" }), J);
    await raw(served.port(), "POST", "/predict", JSON.stringify({ text: "car" }), J);
    await raw(served.port(), "POST", "/predict?x=1", JSON.stringify({ text: "car" }), J);
    await raw(served.port(), "POST", "/predict", "{nope", J);
    assert.equal((await count(200)) - ok0, 3);
    assert.equal((await count(400)) - bad0, 1);
    const text = await (await fetch(`http://127.0.0.1:${served.port()}/metrics`)).text();
    assert.match(text, /xmc_http_request_duration_seconds_count\{route="\/predict"\} \d+/);
  });
});

test("planPredict: exactly one of text/texts, the text limit, k capped at the labels, thresholds only where fitted", () => {
  const model = { labels: 3, method: "m", maxQueued: 10, takes: (o: string) => o !== "thresholds" };
  assert.deepEqual(planPredict({ text: "a", k: 7, threshold: 0.5 }, model, 5), { texts: ["a"], options: { topK: 3, threshold: 0.5 } });
  assert.equal((planPredict({}, model, 5) as { status: number }).status, 400);
  assert.deepEqual(planPredict({ texts: ["a", "b", "c"] }, model, 2), { status: 413, error: "3 texts in one request; at most 2", texts: 3 });
  assert.equal((planPredict({ texts: Array(11).fill("a") }, model, 50) as { error: string }).error, "11 texts in one request; at most 10");
  assert.match((planPredict({ text: "a", thresholds: "tuned" }, model, 5) as { error: string }).error, /a m model has no fitted thresholds/);
});

test("schemaMessage: the field path with dots, unknown fields named, the body itself", () => {
  assert.equal(schemaMessage({ instancePath: "/texts/3", message: "must be string" }), "texts.3: must be string");
  assert.equal(schemaMessage({ instancePath: "", message: "must be object" }), "body: must be object");
  assert.match(schemaMessage({ instancePath: "", message: "x", params: { additionalProperty: "q" } }), /^unknown field "q" \(known: texts, text, k, threshold, thresholds\)$/);
});

describe("large bodies (parsed chunk by chunk) and large answers (bytes from the workers)", () => {
  const served = toyServer({ threads: 1, log: false, scheduler: { chunk: 400 } });

  const J = { "content-type": "application/json" };
  // about 250 KB: several chunks on the socket; the answer's pieces are long enough to come as bytes
  const texts = Array.from({ length: 2500 }, (_, i) => `${WORDS[i % 3]} é 文字 ${"x".repeat(i % 150)} ${i}`);

  test("a body of many chunks: the answer of the fastify route, which parses it whole", async () => {
    const body = JSON.stringify({ texts, k: 2 });
    const fast = await raw(served.port(), "POST", "/predict", body, J);
    const viaFastify = await raw(served.port(), "POST", "/predict?via=fastify", body, J);
    assert.equal(fast.status, 200);
    assert.deepEqual(shown(fast), shown(viaFastify));
    const predictions = (JSON.parse(fast.body) as { predictions: { label: string }[][] }).predictions;
    assert.equal(predictions.length, texts.length);
    assert.equal(predictions[1][0].label, "vehicle");
    assert.equal(predictions[2500 - 1][0].label, ["food", "vehicle", "music"][(2500 - 1) % 3]);
    // the same texts one request each give the same predictions
    for (const i of [0, 1234, 2499]) {
      const one = JSON.parse((await raw(served.port(), "POST", "/predict", JSON.stringify({ text: texts[i], k: 2 }), J)).body) as { predictions: unknown[] };
      assert.deepEqual(one.predictions[0], predictions[i]);
    }
  });

  test("a body of many chunks that is not JSON, or is JSON of the wrong shape: the fastify route's answer", async () => {
    const good = JSON.stringify({ texts, k: 2 });
    for (const body of [good.slice(0, -1), `${good.slice(0, -2)},]}`, `${good.slice(0, 200_000)}\u0001${good.slice(200_000)}`, good.replace('"k":2', '"k":"2"'), good.replace('"k":2', '"topK":2'), `${good} x`]) {
      const fast = await raw(served.port(), "POST", "/predict", body, J);
      const viaFastify = await raw(served.port(), "POST", "/predict?via=fastify", body, J);
      assert.equal(fast.status, 400);
      assert.deepEqual(shown(fast), shown(viaFastify));
    }
  });
});

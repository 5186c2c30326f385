import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { loadModel } from "../src/api/load.js";
import { XmcError } from "../src/core/errors.js";
import type { PredictOverrides, XmcModel } from "../src/methods/model.js";

const MAX_BODY = 16 << 20;

/**
 * The single-threaded handler `xmc serve` used before its worker pool: predicts on the event
 * loop. Kept as the baseline of `npm run bench:serve`.
 * A small JSON HTTP server around a loaded model.
 * - `GET /health` → `{ status, method, labels }`
 * - `POST /predict` with `{ "texts": ["...", ...] }` (or `"text": "..."`) and optional
 *   `"k"`, `"threshold"`, `"thresholds"` → `{ "predictions": [[{ "label", "score" }, ...], ...] }`
 * Bad requests get status 400 and `{ "error": "..." }`.
 */
export function createXmcServer(model: XmcModel): Server {
  return createServer((req, res) => {
    handle(model, req, res).catch((e: unknown) => {
      const user = e instanceof XmcError;
      send(res, user ? 400 : 500, { error: user ? (e as Error).message : "internal error" });
      if (!user) process.stderr.write(`xmc serve: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    });
  });
}

async function handle(model: XmcModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "GET" && url.pathname === "/health") {
    send(res, 200, { status: "ok", method: model.method, labels: model.nLabels });
    return;
  }
  if (req.method !== "POST" || url.pathname !== "/predict") {
    send(res, 404, { error: "use GET /health or POST /predict" });
    return;
  }
  const body = await readJson(req);
  const texts = Array.isArray(body.texts) ? body.texts : typeof body.text === "string" ? [body.text] : null;
  if (!texts || texts.some((t: unknown) => typeof t !== "string")) throw new XmcError('expected {"texts": ["..."]} or {"text": "..."}');
  // values are validated by the model's prediction params schema (XmcError → 400)
  const overrides: Record<string, unknown> = {};
  if (body.k !== undefined) overrides.topK = body.k;
  if (body.threshold !== undefined) overrides.threshold = body.threshold;
  if (body.thresholds !== undefined) overrides.thresholds = body.thresholds;
  send(res, 200, { predictions: model.predictTexts(texts as string[], overrides as PredictOverrides) });
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new XmcError(`request body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
        resolve(v);
      } catch (e) {
        reject(new XmcError(`request body is not a JSON object (${(e as Error).message})`));
      }
    });
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// Run as a script (bench/serve.ts does): serve MODEL on 127.0.0.1 at a free port and print it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const model = loadModel(process.argv[2]);
  const server = createXmcServer(model);
  server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    process.stderr.write(`baseline server on http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

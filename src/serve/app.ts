/**
 * The HTTP server of `xmc serve`, on fastify (request validation from JSON schemas, body limits
 * answered with 413, pino logging, a close() that drains in-flight requests). POST /predict, the
 * route every prediction takes, is answered by a plain node:http handler in front of fastify
 * with the same answers (predict-http.ts): per request it costs a fraction of a framework route.
 * Prediction runs in worker threads (see model-host.ts and scheduler.ts); this thread only
 * parses, queues and answers, so /health answers while a large request is being predicted.
 *
 * Routes: POST /predict, GET|HEAD /health, GET /ready, GET /metrics (Prometheus),
 * GET /openapi.json, GET / (a page to try the model), GET /labels/:name (a label's text),
 * POST /admin/reload (loopback clients only). A known path with another method gets 405 and
 * `Allow`; an unknown path 404. Every error body is `{"error": "..."}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, LogController } from "fastify";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { XmcError } from "../core/errors.js";
import { type HostOptions, ModelHost } from "./model-host.js";
import { openApiDocument, PREDICT_BODY } from "./openapi.js";
import { PAGE } from "./page.js";
import { fastPredictHandler, planPredict, predictionsJson, type PredictBody, predictFailure, schemaMessage } from "./predict-http.js";
import { DEFAULT_SERVE, Overloaded, TaskUserError } from "./scheduler.js";

export interface ServeOptions extends HostOptions {
  /** Largest request body in bytes (413 above). */
  maxBody: number;
  /** Most texts in one request (413 above). */
  maxTexts: number;
  /** Origin allowed to call the API from a page elsewhere (CORS); none by default. */
  cors?: string;
  /** One JSON line per request on stderr. */
  log: boolean;
}


/** Methods allowed per path, for 405 answers. */
const ROUTES: Record<string, string[]> = {
  "/predict": ["POST"],
  "/health": ["GET", "HEAD"],
  "/ready": ["GET", "HEAD"],
  "/metrics": ["GET", "HEAD"],
  "/openapi.json": ["GET", "HEAD"],
  "/": ["GET", "HEAD"],
  "/admin/reload": ["POST"],
};

export interface XmcServer {
  app: FastifyInstance;
  host: ModelHost;
  /** Listen; resolves with the bound port (the real one for port 0). */
  listen(port: number, address: string): Promise<number>;
  /** Load the model file again (or `path`) beside the current one and swap; the old one keeps serving on failure. */
  reload(path?: string): Promise<void>;
  /** Stop accepting, finish in-flight requests, stop the workers. */
  close(): Promise<void>;
}

/** Load the model at `path` into worker threads and build the server around it (not yet listening). */
export async function createXmcServer(path: string, options: Partial<ServeOptions> = {}): Promise<XmcServer> {
  const o: ServeOptions = { ...DEFAULT_SERVE, threads: 1, ...options };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "xmc_" });
  const requests = new Counter({ name: "xmc_http_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "status"], registers: [registry] });
  const latency = new Histogram({
    name: "xmc_http_request_duration_seconds",
    help: "HTTP request latency by route",
    labelNames: ["route"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchSizes = new Histogram({ name: "xmc_batch_texts", help: "texts per task handed to a prediction worker", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [registry] });
  const texts = new Counter({ name: "xmc_predicted_texts_total", help: "texts predicted", registers: [registry] });
  const modelInfo = new Gauge({ name: "xmc_model_info", help: "the model being served (value 1)", labelNames: ["method", "labels", "path"], registers: [registry] });
  const reloads = new Counter({ name: "xmc_model_reloads_total", help: "model reloads by result", labelNames: ["result"], registers: [registry] });

  const host = await ModelHost.open(path, o, (n) => {
    batchSizes.observe(n);
    texts.inc(n);
  });
  new Gauge({ name: "xmc_queue_texts", help: "texts waiting for a prediction worker", registers: [registry], collect() { this.set(host.stats.queuedTexts); } });
  new Gauge({ name: "xmc_tasks_in_flight", help: "prediction tasks running in workers", registers: [registry], collect() { this.set(host.stats.inFlight); } });
  const setInfo = () => {
    modelInfo.reset();
    modelInfo.set({ method: host.info.method, labels: String(host.info.labels), path: host.info.path }, 1);
  };
  setInfo();
  // what POST /predict needs to know about the model (the current one, after a reload too)
  const served = {
    get labels() {
      return host.info.labels;
    },
    get method() {
      return host.info.method;
    },
    get maxQueued() {
      return host.maxQueued;
    },
    takes: (option: string) => host.takes(option),
    predict: (list: string[], options: Record<string, unknown>) => host.predict(list, options),
  };

  // request ids (for the log) shared by fastify's routes and the POST /predict handler
  let lastId = 0;
  const nextId = () => `req-${(lastId = (lastId + 1) & 0x7fffffff).toString(36)}`;
  // POST /predict (without a query string) goes to its own handler, set once the app is ready;
  // every other request, and every request once closing, to fastify
  let predictRoute: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let closing = false;
  const app = Fastify({
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        if (predictRoute !== null && !closing && req.method === "POST" && req.url === "/predict") predictRoute(req, res);
        else handler(req, res);
      });
      // what fastify sets on a server it creates itself
      server.keepAliveTimeout = 5_000;
      server.requestTimeout = 30_000;
      server.setTimeout(0);
      return server;
    },
    genReqId: nextId,
    bodyLimit: o.maxBody,
    // slow clients: a body must arrive within 30 s, headers within 10 s (set below)
    requestTimeout: 30_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    forceCloseConnections: "idle",
    return503OnClosing: true,
    logger: o.log ? { level: "info", stream: process.stderr } : false,
    // one line per request, written by the onResponse hook below, instead of fastify's two
    logController: new LogController({ disableRequestLogging: true }),
    // unknown fields are an error (400 naming them), never silently dropped; no type coercion
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.server.headersTimeout = 10_000;

  // every body is read as JSON, whatever its content type (curl -d sends form encoding, fetch text/plain)
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      const err = new Error(`request body is not JSON (${(e as Error).message})`) as FastifyError;
      err.statusCode = 400;
      done(err, undefined);
    }
  });

  // hooks in callback style: no promise per request
  app.addHook("onRequest", (req, reply, done) => {
    (req as { t0?: bigint }).t0 = process.hrtime.bigint();
    if (o.cors) {
      reply.header("access-control-allow-origin", o.cors);
      reply.header("vary", "origin");
    }
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    const ms = Number(process.hrtime.bigint() - ((req as { t0?: bigint }).t0 ?? process.hrtime.bigint())) / 1e6;
    const url = req.routeOptions.url;
    const route = url !== undefined && (url in ROUTES || url === "/labels/:name") ? url : "other";
    requests.inc({ route, status: String(reply.statusCode) });
    latency.observe({ route }, ms / 1000);
    if (o.log) {
      const n = (req as { texts?: number }).texts;
      req.log.info({ method: req.method, path: req.url, status: reply.statusCode, ms: Math.round(ms * 100) / 100, texts: n, bytes: Number(req.headers["content-length"] ?? 0) }, "request");
    }
    done();
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.validation) return sendError(reply, 400, schemaMessage(err.validation[0]));
    if (err.statusCode === 413 || err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(reply, 413, `request body larger than ${o.maxBody} bytes`);
    if (err instanceof XmcError || err instanceof TaskUserError) return sendError(reply, 400, err.message);
    if (err instanceof Overloaded) {
      reply.header("retry-after", "1");
      return sendError(reply, 503, err.message);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, err.statusCode, err.message);
    reply.log.error({ err }, "internal error");
    return sendError(reply, 500, "internal error");
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0];
    const allow = ROUTES[path];
    if (req.method === "OPTIONS" && o.cors) {
      reply.header("access-control-allow-methods", "GET, HEAD, POST").header("access-control-allow-headers", "content-type").header("access-control-max-age", "600");
      return reply.code(204).send();
    }
    if (allow) {
      reply.header("allow", allow.join(", "));
      return sendError(reply, 405, `${req.method} is not allowed on ${path}; use ${allow.join(" or ")}`);
    }
    return sendError(reply, 404, `no such path ${path}; see GET /openapi.json`);
  });

  app.post<{ Body: PredictBody }>("/predict", { schema: { body: PREDICT_BODY } }, async (req, reply) => {
    const plan = planPredict(req.body, served, o.maxTexts);
    if ("error" in plan) {
      (req as { texts?: number }).texts = plan.texts;
      return sendError(reply, plan.status, plan.error);
    }
    (req as { texts?: number }).texts = plan.texts.length;
    const pieces = await host.predict(plan.texts, plan.options);
    reply.type("application/json");
    return predictionsJson(pieces);
  });

  app.get("/health", async () => ({ status: "ok" }));
  app.get("/ready", async () => ({ ready: true, ...host.info }));
  app.get("/metrics", async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  const openapi = openApiDocument(o);
  app.get("/openapi.json", async () => openapi);
  app.get("/", async (_req, reply) => {
    reply.type("text/html; charset=utf-8");
    return PAGE;
  });
  app.get<{ Params: { name: string } }>("/labels/:name", async (req, reply) => {
    const text = host.labelText(req.params.name);
    if (text === undefined) return sendError(reply, 404, `no label named "${req.params.name}"`);
    return { label: req.params.name, text };
  });

  const reload = async (path?: string): Promise<void> => {
    try {
      await host.reload(path);
      reloads.inc({ result: "ok" });
      setInfo();
      app.log.info({ path: host.info.path, method: host.info.method, labels: host.info.labels }, "model reloaded");
    } catch (e) {
      reloads.inc({ result: "failed" });
      app.log.error({ error: e instanceof Error ? e.message : String(e) }, "model reload failed; the old model keeps serving");
      throw e;
    }
  };
  app.post("/admin/reload", async (req, reply) => {
    const ip = req.socket.remoteAddress ?? "";
    if (!(ip === "127.0.0.1" || ip === "::1" || ip === "::ffff:127.0.0.1")) return sendError(reply, 403, "reload is accepted from loopback clients only");
    try {
      await reload();
    } catch (e) {
      return sendError(reply, 500, `reload failed, the old model keeps serving: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { reloaded: true, ...host.info };
  });

  // POST /predict on node:http: the same validator as fastify's route, the same metrics and log line
  try {
    await app.ready();
  } catch (e) {
    await host.close();
    throw e;
  }
  const validate = app.validatorCompiler!({ schema: PREDICT_BODY, method: "POST", url: "/predict", httpPart: "body" }) as Parameters<typeof fastPredictHandler>[0]["validate"];
  const predictLatency = latency.labels({ route: "/predict" });
  const predictCounts = new Map<number, { inc(): void }>();
  predictRoute = fastPredictHandler({
    maxBody: o.maxBody,
    maxTexts: o.maxTexts,
    cors: o.cors,
    validate,
    model: () => served,
    closing: () => closing,
    sink: {
      answered(req, status, ms, n) {
        let count = predictCounts.get(status);
        if (count === undefined) predictCounts.set(status, (count = requests.labels({ route: "/predict", status: String(status) })));
        count.inc();
        predictLatency.observe(ms / 1000);
        if (o.log) app.log.info({ reqId: nextId(), method: "POST", path: "/predict", status, ms: Math.round(ms * 100) / 100, texts: n, bytes: Number(req.headers["content-length"] ?? 0) }, "request");
      },
      failed(e) {
        app.log.error({ err: e }, "internal error");
      },
    },
  });

  return {
    app,
    host,
    async listen(port, address) {
      await app.listen({ port, host: address });
      const a = app.server.address();
      return typeof a === "object" && a ? a.port : port;
    },
    reload,
    async close() {
      closing = true;
      await app.close();
      await host.close();
    },
  };
}

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type("application/json").send({ error: message });
}

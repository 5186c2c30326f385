/**
 * POST /predict of `xmc serve` on plain node:http, in front of fastify: the route every
 * prediction takes, so it skips what costs most per request in a framework (routing, hook
 * chains, reply objects, promise wrappers). Its answers are those of the fastify route it
 * shadows (same status codes, messages and headers): the body read as JSON whatever its
 * content type, at most `maxBody` bytes (413 before reading when Content-Length says so),
 * validated by the same compiled JSON schema (unknown fields are named), at most `maxTexts`
 * texts (413), 503 with Retry-After when the queue is full, CORS headers when enabled. The
 * caller records metrics and writes the request log line (see {@link PredictSink}).
 * Requests it does not take (another path or method, a query string, a closing server) go to
 * fastify untouched.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { XmcError } from "../core/errors.js";
import type { PredictOverrides } from "../methods/model.js";
import { JsonStream } from "./json-stream.js";
import { PREDICT_BODY } from "./openapi.js";
import type { Piece } from "./predict-worker.js";
import { Overloaded, TaskUserError } from "./scheduler.js";

export interface PredictBody {
  texts?: string[];
  text?: string;
  k?: number;
  threshold?: number;
  thresholds?: "none" | "global" | "tuned";
}

/** One error of a compiled JSON-schema validator (the fields used here). */
export interface SchemaError {
  instancePath?: string;
  message?: string;
  params?: unknown;
}

/** The 400 message for the first error of the POST /predict body schema. */
export function schemaMessage(e: SchemaError | undefined): string {
  const extra = (e?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
  if (extra !== undefined) return `unknown field "${extra}" (known: ${Object.keys(PREDICT_BODY.properties).join(", ")})`;
  const where = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "body";
  return `${where}: ${e?.message ?? "invalid"}`;
}

/** What a predict request asks for, or why it is refused (with the number of texts, once known). */
export type PredictPlan = { texts: string[]; options: PredictOverrides } | { status: number; error: string; texts?: number };

/** What the route needs to know about the model served. */
export interface ServedModel {
  readonly labels: number;
  readonly method: string;
  takes(option: string): boolean;
  readonly maxQueued: number;
}

/** Turn a schema-valid body into texts and prediction options (or a 400/413 answer). */
export function planPredict(b: PredictBody, model: ServedModel, maxTexts: number): PredictPlan {
  if ((b.texts === undefined) === (b.text === undefined)) return { status: 400, error: 'give exactly one of "texts" (a list of strings) or "text" (a string)' };
  const texts = b.texts ?? [b.text as string];
  const most = Math.min(maxTexts, model.maxQueued);
  if (texts.length > most) return { status: 413, error: `${texts.length} texts in one request; at most ${most}`, texts: texts.length };
  const options: Record<string, unknown> = {};
  if (b.k !== undefined) options.topK = Math.min(b.k, model.labels);
  if (b.threshold !== undefined) options.threshold = b.threshold;
  if (b.thresholds !== undefined) {
    if (!model.takes("thresholds")) return { status: 400, error: `"thresholds": a ${model.method} model has no fitted thresholds; give "threshold" (a score) instead`, texts: texts.length };
    options.thresholds = b.thresholds;
  }
  return { texts, options: options as PredictOverrides };
}

/** `{"predictions":[…]}` as the parts written to the socket, and its length in bytes. */
export function predictionsParts(pieces: Piece[]): { parts: Piece[]; bytes: number } {
  const parts: Piece[] = ['{"predictions":['];
  for (let i = 0; i < pieces.length; i++) {
    if (i > 0) parts.push(",");
    parts.push(pieces[i]);
  }
  parts.push("]}");
  let bytes = 0;
  for (const p of parts) bytes += typeof p === "string" ? Buffer.byteLength(p) : p.length;
  return { parts, bytes };
}

/** `{"predictions":[…]}` as one string. */
export function predictionsJson(pieces: Piece[]): string {
  if (pieces.every((p) => typeof p === "string")) return `{"predictions":[${pieces.join(",")}]}`;
  const { parts } = predictionsParts(pieces);
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))).toString("utf8");
}

/** Status and message of a failed prediction (the request's fault, overload, or ours). */
export function predictFailure(e: unknown): { status: number; error: string } {
  if (e instanceof Overloaded) return { status: 503, error: e.message };
  if (e instanceof XmcError || e instanceof TaskUserError) return { status: 400, error: e.message };
  return { status: 500, error: "internal error" };
}

/** Where the fast route reports each answered request. */
export interface PredictSink {
  /** After the answer was handed to the socket: status, milliseconds since the request arrived, texts (when the body was read), body bytes (Content-Length). */
  answered(req: IncomingMessage, status: number, ms: number, texts: number | undefined): void;
  /** An unexpected error (answered 500). */
  failed(e: unknown): void;
}

export interface FastPredictOptions {
  maxBody: number;
  maxTexts: number;
  cors?: string;
  /** The compiled validator of {@link PREDICT_BODY} (the one fastify uses for the route). */
  validate: ((body: unknown) => boolean) & { errors?: SchemaError[] | null };
  model: () => ServedModel & { predict(texts: string[], options: PredictOverrides): Promise<Piece[]> };
  /** Whether the server is closing (answers then carry Connection: close). */
  closing: () => boolean;
  sink: PredictSink;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** The node:http handler of POST /predict. */
export function fastPredictHandler(o: FastPredictOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { maxBody, maxTexts, validate, sink } = o;
  const baseHeaders: Record<string, string> = o.cors ? { "access-control-allow-origin": o.cors, vary: "origin" } : {};

  const send = (req: IncomingMessage, res: ServerResponse, t0: number, status: number, body: string, texts: number | undefined, extra?: Record<string, string>): void => {
    const headers: Record<string, string | number> = { ...baseHeaders, ...extra, "content-type": JSON_TYPE, "content-length": Buffer.byteLength(body) };
    if (o.closing()) headers.connection = "close";
    res.writeHead(status, headers);
    res.end(body);
    sink.answered(req, status, performance.now() - t0, texts);
  };
  // a large answer: the workers' bytes written as they are, not joined into one string and encoded here
  const sendParts = (req: IncomingMessage, res: ServerResponse, t0: number, pieces: Piece[], texts: number): void => {
    const { parts, bytes } = predictionsParts(pieces);
    const headers: Record<string, string | number> = { ...baseHeaders, "content-type": JSON_TYPE, "content-length": bytes };
    if (o.closing()) headers.connection = "close";
    res.writeHead(200, headers);
    res.cork();
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
    res.end(parts[parts.length - 1]);
    sink.answered(req, 200, performance.now() - t0, texts);
  };
  const sendError = (req: IncomingMessage, res: ServerResponse, t0: number, status: number, error: string, texts?: number, extra?: Record<string, string>): void =>
    send(req, res, t0, status, JSON.stringify({ error }), texts, extra);

  /** Answer a request whose body is `parsed` (parsed already) or the bytes `raw` (none: no body). */
  const answer = (req: IncomingMessage, res: ServerResponse, t0: number, raw: Buffer | undefined, parsed?: { value: unknown }): void => {
    let body: unknown = parsed?.value;
    if (parsed === undefined && raw !== undefined) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch (e) {
        // the connection is closed after a body that is not JSON, as fastify does
        sendError(req, res, t0, 400, `request body is not JSON (${(e as Error).message})`, undefined, { connection: "close" });
        return;
      }
    }
    if (!validate(body)) {
      sendError(req, res, t0, 400, schemaMessage(validate.errors?.[0]));
      return;
    }
    const model = o.model();
    const plan = planPredict(body as PredictBody, model, maxTexts);
    if ("error" in plan) {
      sendError(req, res, t0, plan.status, plan.error, plan.texts);
      return;
    }
    const n = plan.texts.length;
    model.predict(plan.texts, plan.options).then(
      (pieces) => {
        if (pieces.every((p) => typeof p === "string")) send(req, res, t0, 200, predictionsJson(pieces), n);
        else sendParts(req, res, t0, pieces, n);
      },
      (e: unknown) => {
        const f = predictFailure(e);
        if (f.status === 500) sink.failed(e);
        sendError(req, res, t0, f.status, f.error, n, f.status === 503 ? { "retry-after": "1" } : undefined);
      },
    );
  };

  return (req, res) => {
    const t0 = performance.now();
    const h = req.headers;
    const length = h["content-length"] === undefined ? NaN : Number(h["content-length"]);
    if (length > maxBody) {
      sendError(req, res, t0, 413, `request body larger than ${maxBody} bytes`, undefined, { connection: "close" });
      return;
    }
    // no Content-Type and no body: nothing to parse (the schema then asks for an object)
    if (h["content-type"] === undefined && h["transfer-encoding"] === undefined && (length === 0 || Number.isNaN(length))) {
      req.resume();
      answer(req, res, t0, undefined);
      return;
    }
    let first: Buffer | null = null;
    let rest: Buffer[] | null = null;
    let size = 0;
    let over = false;
    // A body in one chunk is parsed by JSON.parse at the end. A body in several is parsed chunk
    // by chunk as it arrives (a large body parsed at once would hold the event loop for tens of
    // milliseconds); after a syntax error the chunks are kept and JSON.parse names the error.
    let stream: JsonStream | null = null;
    let broken = false;
    const feed = (c: Buffer): void => {
      try {
        (stream as JsonStream).push(c);
      } catch {
        broken = true;
      }
    };
    // a client that goes away mid-body ends the request with an error: nothing to answer
    req.on("error", ignore);
    req.on("data", (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBody) {
        over = true;
        sendError(req, res, t0, 413, `request body larger than ${maxBody} bytes`, undefined, { connection: "close" });
        return;
      }
      if (first === null) {
        first = c;
        return;
      }
      if (rest === null) {
        rest = [first];
        stream = new JsonStream();
        feed(first);
      }
      rest.push(c);
      if (!broken) feed(c);
    });
    req.on("end", () => {
      if (over) return;
      if (!Number.isNaN(length) && size !== length) {
        sendError(req, res, t0, 400, "Request body size did not match Content-Length");
        return;
      }
      if (stream !== null && !broken) {
        let value: unknown;
        try {
          value = stream.end();
        } catch {
          broken = true;
        }
        if (!broken) {
          answer(req, res, t0, undefined, { value });
          return;
        }
      }
      answer(req, res, t0, rest !== null ? Buffer.concat(rest, size) : (first ?? Buffer.alloc(0)));
    });
  };
}

function ignore(): void {}

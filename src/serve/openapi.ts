/**
 * The request schema of POST /predict (fastify validates requests with it) and the OpenAPI 3
 * document served at GET /openapi.json, built from the same schema so the two cannot drift.
 */
export const PREDICT_BODY = {
  type: "object",
  additionalProperties: false,
  properties: {
    texts: { type: "array", items: { type: "string" }, description: "texts to label" },
    text: { type: "string", description: "one text to label (instead of texts)" },
    k: { type: "integer", minimum: 1, maximum: 1000, description: "labels per text (default: the model's)" },
    threshold: { type: "number", description: "drop labels scoring below this (in the model's score range: cosine-based scores may be negative)" },
    thresholds: { type: "string", enum: ["none", "global", "tuned"], description: "thresholds fitted at training time (models trained with a held-out split)" },
  },
} as const;

const RANKED = {
  type: "array",
  items: { type: "object", properties: { label: { type: "string" }, score: { type: "number" } }, required: ["label", "score"] },
};
const ERROR = { type: "object", properties: { error: { type: "string" } }, required: ["error"] };
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const err = (what: string) => ({ description: what, ...json({ $ref: "#/components/schemas/Error" }) });

export function openApiDocument(o: { maxBody: number; maxTexts: number }): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: { title: "xmc serve", version: "1", description: "Extreme multi-label classification of texts with a trained xmc model." },
    paths: {
      "/predict": {
        post: {
          summary: "Rank the labels of one or more texts",
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/PredictRequest" }) },
          responses: {
            200: { description: "one ranked list per text, best first", ...json({ type: "object", properties: { predictions: { type: "array", items: RANKED } }, required: ["predictions"] }) },
            400: err("invalid JSON, an unknown field, or a bad value"),
            413: err(`body over ${o.maxBody} bytes or over ${o.maxTexts} texts`),
            503: err("overloaded (see Retry-After) or shutting down"),
          },
        },
      },
      "/health": { get: { summary: "Liveness", responses: { 200: { description: "the process is up", ...json({ type: "object", properties: { status: { type: "string" } } }) } } } },
      "/ready": {
        get: {
          summary: "The model being served",
          responses: {
            200: {
              description: "ready",
              ...json({ type: "object", properties: { ready: { type: "boolean" }, method: { type: "string" }, labels: { type: "integer" }, path: { type: "string" }, loadedAt: { type: "string" }, labelTexts: { type: "boolean" } } }),
            },
          },
        },
      },
      "/labels/{name}": {
        get: {
          summary: "A label's text (empty when the model has none)",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          responses: { 200: { description: "the label", ...json({ type: "object", properties: { label: { type: "string" }, text: { type: "string" } } }) }, 404: err("no such label") },
        },
      },
      "/metrics": { get: { summary: "Prometheus metrics", responses: { 200: { description: "text exposition format", content: { "text/plain": {} } } } } },
      "/admin/reload": {
        post: { summary: "Load the model file again and swap it in (loopback clients only)", responses: { 200: { description: "reloaded" }, 403: err("not a loopback client"), 500: err("the load failed; the old model keeps serving") } },
      },
      "/": { get: { summary: "A page to try the model", responses: { 200: { description: "HTML", content: { "text/html": {} } } } } },
    },
    components: { schemas: { PredictRequest: PREDICT_BODY, Error: ERROR } },
  };
}

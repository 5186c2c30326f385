import type { Command } from "commander";
import { XmcError } from "../core/errors.js";
import { DEFAULT_SCHEDULER, DEFAULT_SERVE } from "../serve/scheduler.js";
import { parseThreads } from "./flags.js";

function intFlag(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new XmcError(`--${name}: expected an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve a text model over HTTP: POST /predict {\"texts\": [...], \"k\": 5}; GET /health, /ready, /metrics, /openapi.json; GET / is a page to try it")
    .requiredOption("-m, --model <FILE>", "model file (trained on text)")
    .option("--port <n>", "port (0: any free port; the one bound is printed)", "8080")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--threads <n>", "prediction worker threads (default: the number of cores)")
    .option("--max-body <bytes>", "largest request body; larger ones get 413", String(DEFAULT_SERVE.maxBody))
    .option("--max-texts <n>", "most texts in one request; more get 413", String(DEFAULT_SERVE.maxTexts))
    .option("--max-queue <n>", "most texts waiting for a worker; beyond it requests get 503 with Retry-After", String(DEFAULT_SCHEDULER.maxQueued))
    .option("--cors <origin>", "allow pages from this origin to call the API (CORS is off by default)")
    .option("--grace <seconds>", "on SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway", "30")
    .option("--quiet", "no request log on stderr")
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const port = intFlag("port", String(o.port), 0, 65535);
      const threads = parseThreads(o.threads);
      const grace = intFlag("grace", String(o.grace), 0, 3600);
      // fastify and prom-client load here, not at every start of the CLI
      const { createXmcServer } = await import("../serve/app.js");
      const server = await createXmcServer(String(o.model), {
        threads,
        maxBody: intFlag("max-body", String(o.maxBody), 1024),
        maxTexts: intFlag("max-texts", String(o.maxTexts), 1),
        cors: o.cors as string | undefined,
        log: !o.quiet,
        scheduler: { maxQueued: intFlag("max-queue", String(o.maxQueue), 1) },
      });
      let bound: number;
      try {
        bound = await server.listen(port, String(o.host));
      } catch (e) {
        await server.close();
        throw new XmcError(`cannot listen on ${String(o.host)}:${port} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const info = server.host.info;
      process.stderr.write(`xmc serve: ${info.method} model with ${info.labels} labels on http://${String(o.host)}:${bound} (${threads} worker threads)\n`);
      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        process.stderr.write(`xmc serve: ${signal}: finishing in-flight requests (up to ${grace} s)\n`);
        const timer = setTimeout(() => {
          process.stderr.write(`xmc serve: requests still running after ${grace} s; exiting\n`);
          process.exit(1);
        }, grace * 1000);
        timer.unref();
        server.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`xmc serve: error while closing: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => shutdown("SIGTERM"));
      process.on("SIGINT", () => shutdown("SIGINT"));
      // SIGHUP: load the model file again; a failed load keeps the old model (and is logged)
      process.on("SIGHUP", () => {
        server.reload().catch(() => {});
      });
    });
}

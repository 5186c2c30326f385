import type { Command } from "commander";
import { loadModel } from "../api/load.js";
import { XmcError } from "../core/errors.js";
import { createXmcServer } from "../serve/server.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description('serve a text model over HTTP: POST /predict {"texts": [...], "k": 5}, GET /health')
    .requiredOption("-m, --model <FILE>", "model file (trained on text)")
    .option("--port <n>", "port", "8080")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .action(async (o: Record<string, string>) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new XmcError(`--port: expected 0..65535, got "${o.port}"`);
      const model = loadModel(o.model);
      const server = createXmcServer(model);
      await new Promise<void>((resolve, reject) => {
        server.once("error", (e: NodeJS.ErrnoException) => reject(new XmcError(`cannot listen on ${o.host}:${port} (${e.code ?? e.message})`)));
        server.listen(port, o.host, () => resolve());
      });
      process.stderr.write(`xmc serve: ${model.method} model with ${model.nLabels} labels on http://${o.host}:${port}\n`);
    });
}

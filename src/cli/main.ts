#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { METHODS } from "../api/methods.js";
import { XmcError } from "../core/errors.js";
import { registerConvert } from "./convert.js";
import { systemErrorMessage } from "./errors.js";
import { registerDemo } from "./demo.js";
import { registerEvaluate } from "./evaluate.js";
import { registerInspect } from "./inspect.js";
import { registerPredict } from "./predict.js";
import { registerServe } from "./serve.js";
import { registerTrain } from "./train.js";
import { registerWorker } from "./worker.js";

// `xmc ... | head`: when the reader closes stdout, stop quietly (status 0, no stack trace)
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") process.exit(0);
  process.stderr.write(`xmc: error: cannot write to standard output (${e.code ?? e.message})\n`);
  process.exit(2);
});

const program = new Command();
program
  .name("xmc")
  .description(`Extreme multi-label classification: train, predict, evaluate and serve models (methods: ${METHODS.map((m) => m.name).join(", ")})`)
  .version("0.1.0")
  // usage errors are printed by the handler below as one line; commander throws instead of exiting
  .exitOverride()
  .configureOutput({ outputError: () => {} });
registerTrain(program);
registerPredict(program);
registerEvaluate(program);
registerServe(program);
registerDemo(program);
registerConvert(program);
registerInspect(program);
registerWorker(program);

/** The verb named on the command line, if any. */
function verbOf(argv: readonly string[]): string | null {
  const names = new Set(program.commands.map((c) => c.name()));
  const first = argv.slice(2).find((a) => !a.startsWith("-"));
  return first !== undefined && names.has(first) ? first : null;
}

program.parseAsync(process.argv).catch((e: unknown) => {
  const verb = verbOf(process.argv);
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) process.exit(0); // --help, --version
    if (e.code === "commander.help") process.exit(2); // no verb: the help went to stderr
    const message = e.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
    process.stderr.write(`xmc: error: ${message}\nsee '${verb ? `xmc ${verb}` : "xmc"} --help'\n`);
    process.exit(2);
  }
  if (e instanceof XmcError) {
    process.stderr.write(`xmc: error: ${e.message}\n`);
    process.exit(2);
  }
  const sys = systemErrorMessage(e, verb);
  if (sys !== null) {
    process.stderr.write(`xmc: error: ${sys}\n`);
    process.exit(2);
  }
  process.stderr.write(`xmc: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

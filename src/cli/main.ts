#!/usr/bin/env node
import { Command } from "commander";
import { METHODS } from "../api/methods.js";
import { XmcError } from "../core/errors.js";
import { registerConvert } from "./convert.js";
import { registerDemo } from "./demo.js";
import { registerEvaluate } from "./evaluate.js";
import { registerInspect } from "./inspect.js";
import { registerPredict } from "./predict.js";
import { registerServe } from "./serve.js";
import { registerTrain } from "./train.js";

const program = new Command();
program
  .name("xmc")
  .description(`Extreme multi-label classification: train, predict, evaluate and serve models (methods: ${METHODS.map((m) => m.name).join(", ")})`)
  .version("0.1.0")
  .showHelpAfterError();
registerTrain(program);
registerPredict(program);
registerEvaluate(program);
registerServe(program);
registerDemo(program);
registerConvert(program);
registerInspect(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof XmcError) {
    process.stderr.write(`xmc: error: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`xmc: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

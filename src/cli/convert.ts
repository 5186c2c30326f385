import type { Command } from "commander";
import { convertModelDir } from "../model/convert.js";
import { checkModelTarget, writeModelFile } from "../model/file.js";
import { decodeModel } from "../model/format.js";
import { loadModel } from "../api/load.js";

export function registerConvert(program: Command): void {
  program
    .command("convert")
    .description("convert a model directory of the older format 2 into a model file")
    .argument("<OLD>", "model directory (format 2: model.json, arrays.bin, ...)")
    .argument("<NEW>", "model file to write (exactly this path)")
    .action((oldDir: string, path: string) => {
      checkModelTarget(path, "NEW");
      const bytes = convertModelDir(oldDir);
      loadModel(bytes); // the converted model must load before it is written
      const m = decodeModel(bytes, oldDir);
      writeModelFile(path, m.header, m.arrays);
      process.stderr.write(`xmc convert: ${String(m.header.method)} model written to ${path}\n`);
    });
}

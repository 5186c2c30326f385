import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { METHODS } from "../api/methods.js";
import { XmcError } from "../core/errors.js";
import { loadDataset } from "../data/load.js";
import { formatTable } from "../eval/report.js";
import { evaluateModel } from "./evaluate.js";
import { stderrProgress } from "./progress-bar.js";
import { parseThreads } from "./flags.js";

/** The bundled demo data (Bibtex, Mulan ARFF) shipped in the package's data/ folder. */
export function demoDataDir(): string {
  return fileURLToPath(new URL("../../../data/bibtex/", import.meta.url));
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(`train and evaluate the default method (${METHODS[0].name}) on the bundled Bibtex data set and print the metrics table`)
    .option("--threads <n>", "worker threads (default: all cores)")
    .option("-q, --quiet", "no progress output")
    .action(async (o: Record<string, unknown>) => {
      const dir = demoDataDir();
      const train = join(dir, "bibtex-train.arff");
      const test = join(dir, "bibtex-test.arff");
      if (!existsSync(train) || !existsSync(test)) throw new XmcError(`demo data not found in ${dir}`);
      const threads = parseThreads(o.threads);
      const progress = stderrProgress(Boolean(o.quiet));
      const t0 = performance.now();
      const ds = await loadDataset(train);
      const method = METHODS[0];
      const model = await method.train(ds, {}, { threads, progress });
      const trainSec = (performance.now() - t0) / 1000;
      const tmp = mkdtempSync(join(tmpdir(), "xmc-demo-"));
      try {
        const modelPath = join(tmp, "model.xmc");
        model.save(modelPath);
        const loaded = method.load(modelPath);
        const testDs = await loadDataset(test, { labels: loaded.labelNames });
        const report = evaluateModel(loaded, testDs, { progress });
        process.stdout.write(`Bibtex (${ds.Y.rows} train / ${testDs.Y.rows} test, ${model.nLabels} labels), ${method.name} defaults, trained in ${trainSec.toFixed(2)} s\n`);
        process.stdout.write(`${formatTable(report, [1, 3, 5])}\n`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
}

import type { Command } from "commander";
import { loadModelForThreads, modelFileOf, type NamedScores, predictDatasetOnThreads, TextStreamPredictor } from "../api/predict-threads.js";
import type { AnyModel } from "../api/types.js";
import { checkOutputPath } from "../core/atomic-file.js";
import { csrFromRows } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import { isFile, readLines } from "../data/lines.js";
import { loadDataset } from "../data/load.js";
import { EXPLAIN_HELP, explainerFor } from "./explain.js";
import { parseThreads } from "./flags.js";
import { addPredictOptions, modelMethod, predictOverrides } from "./method-options.js";
import { stderrProgress } from "./progress-bar.js";
import { LineOutput, lineBatches } from "./stream-io.js";

/** Long names of the options of `xmc predict` itself. */
const PREDICT_OPTIONS = ["model", "output", "text", "explain", "threads", "quiet", "help"];

/** Texts read from stdin are predicted in batches of at most this many lines. */
const STDIN_BATCH = 256;
/** Batches of stdin predicted (or being predicted) but not yet written, at most. */
const STDIN_IN_FLIGHT = 8;

/** One output line: the instance's id and its labels, best first, with the model's scores (and, with --explain, why). */
export function predictionLine(id: string | number, labels: readonly { label: string; score: number; why?: unknown }[]): string {
  return JSON.stringify({ id, labels: labels.map((l) => (l.why === undefined ? { label: l.label, score: l.score } : { label: l.label, score: l.score, why: l.why })) });
}

/** Texts as a data set without labels (to predict and explain them like a data file). */
function textsDataset(texts: string[], model: AnyModel, source: string): Dataset {
  return { source, kind: "text", X: null, texts, Y: csrFromRows(model.nLabels, texts.map(() => [])), labelNames: model.labelNames, labelTexts: null, knownLabels: model.nLabels };
}

/** The ids of a text data set: `PREFIX_ids.txt` (one per line, as many as texts) when present. */
export async function readIds(prefix: string, n: number): Promise<string[] | null> {
  const path = `${prefix}_ids.txt`;
  if (!(await isFile(path))) return null;
  const ids = await readLines(path);
  if (ids.length !== n) throw new XmcError(`${path}: has ${ids.length} lines but ${prefix}_texts.txt has ${n}; they must match`);
  return ids;
}

/** `-k N` above the model's number of labels asks for every label: cap it (the output is the same). */
function capTopK(overrides: Record<string, unknown>, nLabels: number): Record<string, unknown> {
  const k = Number(overrides.topK);
  return overrides.topK !== undefined && Number.isInteger(k) && k > nLabels ? { ...overrides, topK: nLabels } : overrides;
}

/** Fail before reading any input when the model cannot take texts (a feature model). */
function requireTextModel(model: AnyModel, path: string, overrides: Record<string, unknown>): void {
  try {
    model.predictTexts(["xmc"], { topK: 1 });
  } catch (e) {
    if (e instanceof XmcError) throw new XmcError(`${path}: cannot predict texts (from stdin or --text) with this model: ${e.message}; give its kind of data as DATA`);
    throw e;
  }
  model.predictTexts(["xmc"], overrides); // prediction options are checked before the input is read
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function registerPredict(program: Command, argv: readonly string[] = process.argv): void {
  const cmd = program
    .command("predict")
    .summary("predict labels for DATA, --text or stdin; writes JSON Lines")
    .description(
      'predict labels; writes JSON Lines, one per instance: {"id": ID, "labels": [{"label": NAME, "score": S}, ...]} (best first). ' +
        "Texts come from DATA, from --text, or from stdin (one per line, when DATA is - or absent and stdin is not a terminal)",
    )
    .argument("[DATA]", "data to label: an XC .txt file, an .arff file, a text PREFIX (PREFIX_texts.txt; PREFIX_ids.txt gives the ids, else line numbers from 0; labels are ignored), or - for texts on stdin")
    .requiredOption("-m, --model <FILE>", "model file")
    .option("--text <TEXT>", "predict this text (repeat for several; ids 0, 1, ...)", collect)
    .option("-o, --output <FILE>", "write predictions to FILE (it appears when complete) instead of stdout")
    .option("--explain", EXPLAIN_HELP)
    .option("--threads <n>", "threads to predict with (default: all cores; used for a DATA file, and for stdin once the stream is long)")
    .option("-q, --quiet", "no progress output");
  addPredictOptions(cmd, argv, "predict", PREDICT_OPTIONS);
  cmd.action(async (data: string | undefined, o: Record<string, unknown>) => {
    const texts = o.text as string[] | undefined;
    const fromStdin = data === "-" || (data === undefined && texts === undefined);
    if (texts !== undefined && data !== undefined) throw new XmcError(`give either DATA (${data}) or --text, not both`);
    if (fromStdin && data === undefined && process.stdin.isTTY) throw new XmcError("no input: give DATA, --text TEXT, or texts on stdin (one per line); see 'xmc predict --help'");
    const outPath = o.output as string | undefined;
    if (outPath !== undefined) checkOutputPath(outPath, { flag: "-o" });
    const modelPath = o.model as string;
    const threads = parseThreads(o.threads);
    const model = loadModelForThreads(modelPath, threads); // a missing or bad file: its own message
    const file = modelFileOf(modelPath);
    const overrides = capTopK(predictOverrides(o, modelMethod(model.method), PREDICT_OPTIONS), model.nLabels);
    if (texts !== undefined || fromStdin) requireTextModel(model, modelPath, overrides);
    const progress = stderrProgress(Boolean(o.quiet));
    const ds = texts === undefined && !fromStdin ? await loadDataset(data!, { labels: model.labelNames, labelsOptional: true }) : null;
    const ids = ds?.kind === "text" ? await readIds(data!, ds.Y.rows) : null;
    const explainer = o.explain ? explainerFor(model) : null;
    /** Predict a data set and write its lines (ids from `idOf`), with the explanation when asked. */
    const writeDataset = async (d: Dataset, idOf: (i: number) => string | number) => {
      const preds = d === ds ? await predictDatasetOnThreads(model, file, d, overrides, threads, progress) : model.predictDataset(d, overrides);
      const why = explainer ? explainer(d, preds) : null;
      for (let i = 0; i < preds.length; i++) {
        const r = preds[i];
        const labels = Array.from(r.labels, (l, j) => ({ label: model.labelNames[l], score: r.scores[j], why: why?.[i][j] }));
        await out.line(predictionLine(idOf(i), labels));
      }
    };
    const out = new LineOutput(outPath);
    try {
      if (texts !== undefined) {
        if (explainer) await writeDataset(textsDataset(texts, model, "--text"), (i) => i);
        else {
          const preds = model.predictTexts(texts, overrides);
          for (let i = 0; i < preds.length; i++) await out.line(predictionLine(i, preds[i]));
        }
      } else if (ds === null && explainer) {
        let id = 0;
        for await (const batch of lineBatches(process.stdin, { size: STDIN_BATCH })) {
          const first = id;
          await writeDataset(textsDataset(batch, model, "stdin"), (i) => first + i);
          id += batch.length;
        }
      } else if (ds === null) {
        // batches in flight (on this thread or workers), written in their order as they complete
        const stream = new TextStreamPredictor(model, file, overrides, threads, progress);
        const queue: { preds: Promise<NamedScores>; ready: boolean }[] = [];
        let id = 0;
        const writeReady = async (all: boolean): Promise<void> => {
          while (queue.length > 0 && (all || queue[0].ready || queue.length > STDIN_IN_FLIGHT)) {
            for (const p of await queue.shift()!.preds) await out.line(predictionLine(id++, p));
          }
        };
        try {
          for await (const batch of lineBatches(process.stdin, { size: STDIN_BATCH })) {
            const entry = { preds: stream.predict(batch), ready: false };
            entry.preds.then(() => (entry.ready = true), () => (entry.ready = true));
            queue.push(entry);
            await new Promise((resolve) => setImmediate(resolve));
            await writeReady(false);
          }
          await writeReady(true);
        } finally {
          await stream.close();
        }
      } else {
        await writeDataset(ds, (i) => (ids ? ids[i] : i));
      }
      out.close();
    } catch (e) {
      out.abort();
      throw e;
    }
  });
}

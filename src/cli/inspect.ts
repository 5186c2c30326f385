import type { Command } from "commander";
import { loadModel } from "../api/load.js";
import { methodByName } from "../api/methods.js";
import { XmcError } from "../core/errors.js";
import { readModelHeader } from "../model/file.js";
import { modelLayout } from "../model/layout.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("describe a model: method, stored params, label count, training set size, method details (tree depth and nodes per level), bytes by part; or one label with --label")
    .requiredOption("-m, --model <FILE>", "model file")
    .option("--label <NAME>", "describe this label: its path in the tree (node ids per level), training count, top-weighted features")
    .option("--top <N>", "how many features --label lists", "20")
    .option("--json", "print one JSON object instead of text")
    .action((o: { model: string; label?: string; top: string; json?: boolean }) => {
      const header = readModelHeader(o.model);
      const method = methodByName(String(header.method), `${o.model}: model method`);
      if (o.label !== undefined) {
        if (!method.inspectLabel) throw new XmcError(`--label is not available for ${method.name} models`);
        const n = Number(o.top);
        if (!Number.isInteger(n) || n < 1) throw new XmcError(`--top: expected a positive integer, got "${o.top}"`);
        const info = method.inspectLabel(loadModel(o.model), o.label, n);
        process.stdout.write(o.json ? `${JSON.stringify(info)}\n` : `${renderText(info)}\n`);
        return;
      }
      const model = loadModel(o.model);
      const layout = modelLayout(o.model);
      const info: Record<string, unknown> = {
        model: o.model,
        method: model.method,
        labels: model.nLabels,
        trainingPoints: model.nTrain,
        calibrated: model.calibrated,
        ...(method.inspect ? method.inspect(model) : {}),
        params: header.params ?? null,
        size: layout,
      };
      process.stdout.write(o.json ? `${JSON.stringify(info)}\n` : `${renderText(info)}\n`);
    });
}

/** A readable rendering of an inspect object: one line per key; lists of objects one line per entry; params as indented JSON. */
function renderText(info: Record<string, unknown>): string {
  const lines: string[] = [];
  const flat = (v: unknown): string => (v !== null && typeof v === "object" ? JSON.stringify(v) : String(v));
  const entry = (x: unknown): string =>
    x !== null && typeof x === "object" && !Array.isArray(x) ? Object.entries(x).map(([k, v]) => `${k} ${Array.isArray(v) && v.every((e) => typeof e !== "object") ? v.join(" ") : flat(v)}`).join(", ") : flat(x);
  for (const [k, v] of Object.entries(info)) {
    if (k === "size" && v && typeof v === "object") {
      const s = v as { fileBytes: number; headerBytes: number; parts: { part: string; arrays: number; bytes: number }[] };
      lines.push(`size: ${s.fileBytes.toLocaleString("en-US")} bytes`);
      lines.push(`  ${"header (params, names, vocabulary)".padEnd(36)} ${s.headerBytes.toLocaleString("en-US").padStart(14)}`);
      for (const p of s.parts) lines.push(`  ${`${p.part} (${p.arrays})`.padEnd(36)} ${p.bytes.toLocaleString("en-US").padStart(14)}`);
    } else if (k === "params") {
      lines.push("params:");
      for (const [key, value] of flatten(v, "")) lines.push(`  ${key} ${value}`);
    } else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === "object")) {
      lines.push(`${k}:`);
      v.forEach((x, i) => lines.push(`  ${i}: ${entry(x)}`));
    } else if (Array.isArray(v)) {
      lines.push(`${k}: ${v.join(" ")}`);
    } else {
      lines.push(`${k}: ${v !== null && typeof v === "object" ? entry(v) : String(v)}`);
    }
  }
  return lines.join("\n");
}

/** Dotted keys and printable values of a JSON value's leaves (lists of plain values joined by commas). */
function flatten(v: unknown, prefix: string): [string, string][] {
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object")) return [[prefix, v.length ? v.join(",") : "[]"]];
  if (v !== null && typeof v === "object") {
    return Object.entries(v).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, JSON.stringify(v)]];
}

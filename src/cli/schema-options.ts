import { Option, type Command } from "commander";
import type { Schema } from "../core/params.js";

/** kebab-case of a camelCase key ("maxLeafSize" → "max-leaf-size", "Cp" → "cp"). */
export function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/**
 * Add one CLI flag per schema field, so flags, defaults and help come from the same
 * schema as the library API. `rename` maps a field to a different flag name, optionally with
 * a short alias ("k, top-k" gives `-k, --top-k`).
 * Values stay strings here; the schema parser converts and validates them.
 */
export function addSchemaOptions(cmd: Command, schema: Schema, rename: Record<string, string> = {}): void {
  for (const [key, f] of Object.entries(schema)) {
    const [short, flag] = flagNames(rename[key] ?? kebab(key));
    const help = `${f.help} (default: ${String(f.default)})`;
    const opt = new Option(`${short ? `-${short}, ` : ""}--${flag} <${f.type === "number" ? "n" : f.type === "boolean" ? "bool" : "value"}>`, help);
    if (f.type === "string" && f.choices) opt.choices(f.choices as string[]);
    cmd.addOption(opt);
  }
}

/** Collect the flags of a schema from commander's parsed options into a params section. */
export function collectSchemaOptions(opts: Record<string, unknown>, schema: Schema, rename: Record<string, string> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const [, flag] = flagNames(rename[key] ?? kebab(key));
    const prop = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (opts[prop] !== undefined) out[key] = opts[prop];
  }
  return out;
}

/** "k, top-k" → ["k", "top-k"]; "top-k" → [null, "top-k"]. */
function flagNames(spec: string): [string | null, string] {
  const parts = spec.split(",").map((x) => x.trim());
  return parts.length === 2 ? [parts[0], parts[1]] : [null, parts[0]];
}

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
export function addSchemaOptions(cmd: Command, schema: Schema, rename: Readonly<Record<string, string>> = {}, o: AddOptions = {}): void {
  for (const [key, f] of Object.entries(schema)) {
    const [short, flag] = flagNames(rename[key] ?? kebab(key));
    if (o.skip?.(flag)) continue;
    const help = `${f.help} (default: ${o.defaultText?.(key) ?? ("defaultText" in f && f.defaultText !== undefined ? f.defaultText : String(f.default))})${o.note ? o.note(flag) : ""}`;
    const opt = new Option(`${short ? `-${short}, ` : ""}--${flag} <${f.type === "number" ? "n" : f.type === "boolean" ? "bool" : "value"}>`, help);
    if (f.type === "string" && f.choices && !o.anyValue) opt.choices(f.choices as string[]);
    if (o.hidden) opt.hideHelp();
    if (o.group) opt.helpGroup(o.group);
    cmd.addOption(opt);
  }
}

/** How {@link addSchemaOptions} adds flags. */
export interface AddOptions {
  /** Leave out the flags (long names) for which this returns true. */
  skip?: (flag: string) => boolean;
  /** Text appended to a flag's help. */
  note?: (flag: string) => string;
  /** Keep them out of --help (they are parsed, to be rejected with a clear error). */
  hidden?: boolean;
  /** Accept any value (no choices check). */
  anyValue?: boolean;
  /** What --help gives as a field's default (e.g. "the model's") instead of the schema's default. */
  defaultText?: (key: string) => string;
  /** Heading the flags are listed under in --help. */
  group?: string;
}

/** Collect the flags of a schema from commander's parsed options into a params section. */
export function collectSchemaOptions(opts: Record<string, unknown>, schema: Schema, rename: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const [, flag] = flagNames(rename[key] ?? kebab(key));
    if (opts[flagProperty(flag)] !== undefined) out[key] = opts[flagProperty(flag)];
  }
  return out;
}

/** The property commander stores a long flag's value under ("top-k" → "topK"). */
export function flagProperty(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** "k, top-k" → ["k", "top-k"]; "top-k" → [null, "top-k"]. */
export function flagNames(spec: string): [string | null, string] {
  const parts = spec.split(",").map((x) => x.trim());
  return parts.length === 2 ? [parts[0], parts[1]] : [null, parts[0]];
}

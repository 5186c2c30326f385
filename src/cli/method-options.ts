/**
 * Flags that come from the registered methods: `train` takes the chosen method's params
 * sections, `predict` and `evaluate` the prediction options of the model's method. Commander
 * needs its options before parsing, so the method is read from the command line first
 * (`--method NAME` for train, the model's record for `-m DIR` otherwise).
 */
import type { Command } from "commander";
import { XmcError } from "../core/errors.js";
import { methodOfModel } from "../api/load.js";
import { METHODS, methodByName } from "../api/methods.js";
import type { Method, ParamsSection } from "../methods/method.js";
import { addSchemaOptions, collectSchemaOptions, flagNames, flagProperty, kebab } from "./schema-options.js";

/** A params section with the flag name of every field resolved. */
export interface FlagSection {
  name: string;
  schema: ParamsSection["schema"];
  rename: Record<string, string>;
}

/**
 * Resolve the flag names of sections: a field's rename or kebab-case name, prefixed with its
 * section's name when another section (or a command option in `reserved`) has the same name.
 */
export function flagSections(sections: readonly ParamsSection[], reserved: readonly string[] = []): FlagSection[] {
  const specOf = (s: ParamsSection, key: string): string => s.flags?.[key] ?? kebab(key);
  const count = new Map<string, number>();
  for (const s of sections) {
    for (const key of Object.keys(s.schema)) {
      const long = flagNames(specOf(s, key))[1];
      count.set(long, (count.get(long) ?? 0) + 1);
    }
  }
  return sections.map((s) => {
    const rename: Record<string, string> = {};
    for (const key of Object.keys(s.schema)) {
      const spec = specOf(s, key);
      const long = flagNames(spec)[1];
      const clash = (count.get(long) ?? 0) > 1 || reserved.includes(long);
      rename[key] = clash && s.flags?.[key] === undefined ? `${s.name}-${kebab(key)}` : spec;
    }
    return { name: s.name, schema: s.schema, rename };
  });
}

/** The value of an option in raw argv (`--name V`, `--name=V`, or `-s V`), if this subcommand is the one run. */
export function argvOption(argv: readonly string[], command: string, long: string, short?: string): string | undefined {
  const args = argv.slice(2);
  if (args.find((a) => !a.startsWith("-")) !== command) return undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    if (a.startsWith(`--${long}=`)) return a.slice(long.length + 3);
    if ((a === `--${long}` || (short && a === `-${short}`)) && i + 1 < args.length) return args[i + 1];
  }
  return undefined;
}

/** The method `xmc train` will run: `--method` from argv if it names one, else the default (the first registered). */
export function trainMethodFromArgv(argv: readonly string[]): Method {
  const name = argvOption(argv, "train", "method");
  return METHODS.find((m) => m.name === name || (m.aliases ?? []).includes(name ?? "")) ?? METHODS[0];
}

/** Add the flags of a method's params sections. */
export function addSectionOptions(cmd: Command, sections: readonly FlagSection[], method: string): void {
  for (const s of sections) addSchemaOptions(cmd, s.schema, s.rename, { group: `${method} params, section "${s.name}":` });
}

/** The flags given, as params sections (only sections with a flag given). */
export function collectSections(o: Record<string, unknown>, sections: readonly FlagSection[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of sections) {
    const given = collectSchemaOptions(o, s.schema, s.rename);
    if (Object.keys(given).length > 0) out[s.name] = given;
  }
  return out;
}

/** A method's prediction options as one flag section. */
export function predictFlags(m: Method, reserved: readonly string[]): FlagSection {
  return flagSections([{ name: "predict", schema: m.predictSchema, flags: m.predictFlags }], reserved)[0];
}

/** Long flag names of a flag section. */
function longFlags(s: FlagSection): string[] {
  return Object.keys(s.schema).map((k) => flagNames(s.rename[k])[1]);
}

/** The methods whose prediction options include this long flag. */
function ownersOf(flag: string, reserved: readonly string[]): string[] {
  return METHODS.filter((m) => longFlags(predictFlags(m, reserved)).includes(flag)).map((m) => m.name);
}

/**
 * Prediction options default to the values stored in the model (set when it was trained);
 * `evaluate` asks for as many labels as its largest cut-off.
 */
function modelDefault(command: string): (key: string) => string {
  return (key) => (command === "evaluate" && key === "topK" ? "the largest --ks" : "the model's");
}

/**
 * Add the prediction flags of `command` (predict or evaluate). When argv names a readable
 * model, its method's flags are shown and the other methods' flags are parsed but hidden (to
 * be rejected by {@link predictOverrides}); otherwise every method's flags are shown, each
 * with the methods that take it.
 */
export function addPredictOptions(cmd: Command, argv: readonly string[], command: string, reserved: readonly string[]): void {
  let own: Method | null = null;
  const dir = argvOption(argv, command, "model", "m");
  if (dir !== undefined) {
    try {
      own = methodOfModel(dir);
    } catch {
      own = null;
    }
  }
  const seen = new Set<string>();
  if (own) {
    const f = predictFlags(own, reserved);
    addSchemaOptions(cmd, f.schema, f.rename, { group: `Prediction options of ${own.name} models:`, defaultText: modelDefault(command) });
    for (const l of longFlags(f)) seen.add(l);
  }
  const all = METHODS.length;
  for (const m of METHODS) {
    if (m === own) continue;
    const f = predictFlags(m, reserved);
    addSchemaOptions(cmd, f.schema, f.rename, {
      skip: (flag) => seen.has(flag),
      note: (flag) => {
        const owners = ownersOf(flag, reserved);
        return owners.length === all ? "" : ` (${owners.join(", ")} models)`;
      },
      hidden: own !== null,
      anyValue: true,
      defaultText: modelDefault(command),
      group: "Prediction options (each model's method takes its own; give -m DIR with --help to list those):",
    });
    for (const l of longFlags(f)) seen.add(l);
  }
}

/** The prediction flags given for a model of method `m`; a flag only other methods take is an error. */
export function predictOverrides(o: Record<string, unknown>, m: Method, reserved: readonly string[]): Record<string, unknown> {
  const own = predictFlags(m, reserved);
  const ownLongs = new Set(longFlags(own));
  const bad = new Set<string>();
  for (const other of METHODS) {
    for (const l of longFlags(predictFlags(other, reserved))) if (!ownLongs.has(l) && o[flagProperty(l)] !== undefined) bad.add(l);
  }
  if (bad.size > 0) {
    const list = [...bad];
    const owners = [...new Set(list.flatMap((l) => ownersOf(l, reserved)))];
    throw new XmcError(`${list.map((l) => `--${l}`).join(", ")}: not a prediction option of ${m.name} models (only of ${owners.join(", ")} models)`);
  }
  return collectSchemaOptions(o, own.schema, own.rename);
}

/** The method of a loaded model, from its recorded name. */
export function modelMethod(name: string): Method {
  return methodByName(name, "model method");
}

import { XmcError } from "./errors.js";

/**
 * A tiny schema for component parameters: every field has a default, a type and
 * an optional check. `parse` fills defaults, rejects unknown keys with a message
 * naming them, and validates values; the result round-trips through JSON. `defaultText` is what
 * --help gives as the default where it depends on other parameters.
 */
export type FieldSpec =
  | { type: "number"; default: number; min?: number; max?: number; integer?: boolean; help: string; defaultText?: string }
  | { type: "boolean"; default: boolean; help: string }
  | { type: "string"; default: string; choices?: readonly string[]; help: string };

export type Schema = Record<string, FieldSpec>;

/** The value type of one field: number, boolean, the union of its `choices`, or string. */
export type ValueOf<F> = F extends { type: "number" }
  ? number
  : F extends { type: "boolean" }
    ? boolean
    : F extends { choices: readonly (infer C extends string)[] }
      ? C
      : string;

/** Validated parameters of a schema: every field present, with its value type. */
export type ParamsOf<S extends Schema> = {
  -readonly [K in keyof S]: ValueOf<S[K]>;
};

/**
 * What a caller may pass for a schema: any subset of its fields, each with its value type.
 * An object literal with a key the schema lacks does not compile (excess-property check).
 */
export type InputOf<S extends Schema> = {
  [K in keyof S]?: ValueOf<S[K]>;
};

export function defaults<S extends Schema>(schema: S): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema)) out[k] = f.default;
  return out as ParamsOf<S>;
}

export function parseParams<S extends Schema>(schema: S, input: unknown, where: string): ParamsOf<S> {
  if (input === undefined || input === null) return defaults(schema);
  if (typeof input !== "object" || Array.isArray(input)) throw new XmcError(`${where}: expected an object of parameters`);
  const out = defaults(schema) as Record<string, unknown>;
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const f = Object.hasOwn(schema, k) ? schema[k] : undefined;
    if (!f) {
      const known = Object.keys(schema).join(", ");
      throw new XmcError(`${where}: unknown parameter "${k}" (known: ${known})`);
    }
    if (v === undefined) continue;
    out[k] = checkValue(f, v, `${where}.${k}`);
  }
  return out as ParamsOf<S>;
}

/**
 * Validate a partial params object without filling defaults: the result holds exactly the given
 * keys (each checked against its field), for settings that fall back to another section.
 */
export function parsePartialParams<S extends Schema>(schema: S, input: unknown, where: string): InputOf<S> {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) throw new XmcError(`${where}: expected an object of parameters`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    const f = Object.hasOwn(schema, k) ? schema[k] : undefined;
    if (!f) throw new XmcError(`${where}: unknown parameter "${k}" (known: ${Object.keys(schema).join(", ")})`);
    if (v !== undefined) out[k] = checkValue(f, v, `${where}.${k}`);
  }
  return out as InputOf<S>;
}

function checkValue(f: FieldSpec, v: unknown, name: string): unknown {
  switch (f.type) {
    case "number": {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n === "number" && (n === Infinity || n === -Infinity)) {
        throw new XmcError(`${name}: expected a number, got ${typeof v === "string" ? JSON.stringify(v) : "a number"} out of range (beyond ±1.8e308)`);
      }
      if (typeof n !== "number" || !Number.isFinite(n)) throw new XmcError(`${name}: expected a number, got ${JSON.stringify(v)}`);
      if (f.integer && !Number.isInteger(n)) throw new XmcError(`${name}: expected an integer, got ${n}`);
      if (f.min !== undefined && n < f.min) throw new XmcError(`${name}: must be at least ${f.min}, got ${n}`);
      if (f.max !== undefined && n > f.max) throw new XmcError(`${name}: must be at most ${f.max}, got ${n}`);
      return n;
    }
    case "boolean": {
      if (typeof v === "boolean") return v;
      if (v === "true") return true;
      if (v === "false") return false;
      throw new XmcError(`${name}: expected true or false, got ${JSON.stringify(v)}`);
    }
    case "string": {
      if (typeof v !== "string") throw new XmcError(`${name}: expected a string, got ${JSON.stringify(v)}`);
      if (f.choices && !f.choices.includes(v)) throw new XmcError(`${name}: expected one of ${f.choices.join(", ")}, got "${v}"`);
      return v;
    }
  }
}

/**
 * A params object split into sections: `input` (undefined: {}) must be an object whose keys are
 * all in `sections`; returns it for the per-section parsers.
 */
export function sectionsOf(input: unknown, sections: readonly string[], where: string): Record<string, unknown> {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new XmcError(`${where}: expected an object`);
  for (const k of Object.keys(o)) {
    if (!sections.includes(k) || Object.hasOwn(Object.prototype, k)) throw new XmcError(`${where}: unknown section "${k}" (known: ${sections.join(", ")})`);
  }
  return o;
}

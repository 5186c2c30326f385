/**
 * Several TF-IDF vectorizers fitted on the same corpus; their outputs are h-stacked
 * (feature offsets = cumulative vocabulary sizes) and every row is L2-normalised again,
 * like PECOS's `base_vect_configs` with the top-level norm_p = 2.
 */
import { hstack, normalizeRowsL2, type Csr } from "../core/csr.js";
import { XmcError } from "../core/errors.js";
import { DEFAULT_TEXT_FEATURES, type StackedParamsInput } from "./defaults.js";
import { parseTfidfParams, TfidfVectorizer, type SavedTfidf, type TfidfJson, type TfidfParams } from "./tfidf.js";

export type { StackedParamsInput };

/** Validated params of a {@link StackedVectorizer}. */
export interface StackedParams {
  vectorizers: TfidfParams[];
}

/** Validate `{ vectorizers: [...] }` (non-empty; each entry validated as TF-IDF params); errors name the offending key. */
export function parseStackedParams(input: unknown, where = "text"): StackedParams {
  const obj: unknown = input ?? DEFAULT_TEXT_FEATURES;
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new XmcError(`${where}: expected an object of parameters`);
  for (const k of Object.keys(obj)) {
    if (k !== "vectorizers") throw new XmcError(`${where}: unknown parameter "${k}" (known: vectorizers)`);
  }
  const list = (obj as { vectorizers?: unknown }).vectorizers;
  if (!Array.isArray(list) || list.length === 0) throw new XmcError(`${where}.vectorizers: expected a non-empty array of vectorizer parameters`);
  return { vectorizers: list.map((v, i) => parseTfidfParams(v, `${where}.vectorizers[${i}]`)) };
}

/** Serialised stacked vectorizer: JSON meta, typed arrays ("idf.0", "idf.1", ...) and the concatenated vocabulary. */
export interface SavedStacked {
  meta: { kind: "stacked"; version: 1; params: StackedParams; parts: SavedTfidf["meta"][] };
  arrays: Record<string, Float32Array>;
  /** All parts' vocabularies concatenated in part order (part i has parts[i].nFeatures entries). */
  vocab: string[];
}

/** Plain-JSON form ({@link StackedVectorizer.toJSON}). */
export interface StackedJson {
  kind: "stacked";
  version: 1;
  parts: TfidfJson[];
}

/** Concatenation of TF-IDF vectorizers with a final row L2 normalisation. */
export class StackedVectorizer {
  readonly params: StackedParams;
  readonly parts: TfidfVectorizer[];

  /** @param params `{ vectorizers: [...] }`; absent: {@link DEFAULT_TEXT_FEATURES}. */
  constructor(params?: unknown, where = "text") {
    const parsed = parseStackedParams(params, where);
    this.params = Object.freeze({ vectorizers: Object.freeze(parsed.vectorizers.map((p) => Object.freeze(p))) as TfidfParams[] });
    this.parts = this.params.vectorizers.map((p) => new TfidfVectorizer(p));
  }

  /** True once fitted (or loaded). */
  get fitted(): boolean {
    return this.parts.every((v) => v.fitted);
  }
  /** Total number of features. */
  get nFeatures(): number {
    return this.parts.reduce((s, v) => s + v.nFeatures, 0);
  }
  /** Feature offset of every part, plus the total at the end (length parts + 1). */
  get offsets(): Int32Array {
    const off = new Int32Array(this.parts.length + 1);
    for (let i = 0; i < this.parts.length; i++) off[i + 1] = off[i] + this.parts[i].nFeatures;
    return off;
  }
  /** Readable names of all features, in stacked id order. */
  featureNames(): string[] {
    return this.parts.flatMap((v) => v.featureNames());
  }

  /** Fit every part on the same texts; `where` names the params in errors (part i is `${where}[i]`). */
  fit(texts: readonly string[], where = "vectorizers"): this {
    this.parts.forEach((v, i) => v.fit(texts, `${where}[${i}]`));
    return this;
  }

  /** Fit, then transform the same texts (each part analyses them once). */
  fitTransform(texts: readonly string[], where = "vectorizers"): Csr {
    return this.combine(this.parts.map((v, i) => v.fitTransform(texts, `${where}[${i}]`)));
  }

  /** Transform texts: h-stacked part outputs, rows L2-normalised. */
  transform(texts: readonly string[]): Csr {
    if (!this.fitted) throw new XmcError("text features: transform called before fit");
    return this.combine(this.parts.map((v) => v.transform(texts)));
  }

  private combine(ms: Csr[]): Csr {
    return normalizeRowsL2(ms.length === 1 ? ms[0] : hstack(ms));
  }

  /** Serialise; {@link StackedVectorizer.load} reproduces identical transforms. */
  save(): SavedStacked {
    const saved = this.parts.map((v) => v.save());
    const arrays: Record<string, Float32Array> = {};
    saved.forEach((s, i) => (arrays[`idf.${i}`] = s.arrays.idf));
    return {
      meta: { kind: "stacked", version: 1, params: { vectorizers: this.params.vectorizers.map((p) => ({ ...p })) }, parts: saved.map((s) => s.meta) },
      arrays,
      vocab: saved.flatMap((s) => s.vocab),
    };
  }

  /** Restore from {@link StackedVectorizer.save} output; throws XmcError on inconsistent input. */
  static load(saved: SavedStacked, where = "text"): StackedVectorizer {
    const meta = saved?.meta as Partial<SavedStacked["meta"]> | undefined;
    if (!meta || meta.kind !== "stacked") throw new XmcError(`${where}: not a saved stacked vectorizer`);
    if (meta.version !== 1) throw new XmcError(`${where}: unsupported version ${String(meta.version)}`);
    if (!Array.isArray(meta.parts) || !Array.isArray(saved.vocab)) throw new XmcError(`${where}: missing parts or vocabulary`);
    let off = 0;
    const parts = meta.parts.map((pm, i) => {
      const n = pm?.nFeatures;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || off + n > saved.vocab.length) {
        throw new XmcError(`${where}.parts[${i}]: bad nFeatures ${String(n)}`);
      }
      const part = TfidfVectorizer.load({ meta: pm, arrays: { idf: saved.arrays?.[`idf.${i}`] }, vocab: saved.vocab.slice(off, off + n) }, `${where}.parts[${i}]`);
      off += n;
      return part;
    });
    if (off !== saved.vocab.length) throw new XmcError(`${where}: vocabulary has ${saved.vocab.length} entries, parts expect ${off}`);
    return StackedVectorizer.fromParts(parts, where);
  }

  /** Plain-JSON form: each part's {@link TfidfVectorizer.toJSON}. */
  toJSON(): StackedJson {
    return { kind: "stacked", version: 1, parts: this.parts.map((v) => v.toJSON()) };
  }

  /** Restore from {@link StackedVectorizer.toJSON} output. */
  static fromJSON(obj: unknown, where = "text"): StackedVectorizer {
    const o = obj as Partial<StackedJson> | null;
    if (!o || typeof o !== "object" || o.kind !== "stacked") throw new XmcError(`${where}: not a stacked vectorizer JSON object`);
    if (o.version !== 1) throw new XmcError(`${where}: unsupported version ${String(o.version)}`);
    if (!Array.isArray(o.parts)) throw new XmcError(`${where}: missing parts`);
    return StackedVectorizer.fromParts(
      o.parts.map((p, i) => TfidfVectorizer.fromJSON(p, `${where}.parts[${i}]`)),
      where,
    );
  }

  private static fromParts(parts: TfidfVectorizer[], where: string): StackedVectorizer {
    const s = new StackedVectorizer({ vectorizers: parts.map((p) => p.params) }, where);
    s.parts.splice(0, s.parts.length, ...parts);
    return s;
  }
}

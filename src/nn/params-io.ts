/**
 * Save and load named parameters (and any extra named arrays, e.g. optimizer state) as one xmc
 * model file (src/model/format.ts): the header holds `kind: "params"`, the caller's JSON `meta`
 * and every array's shape; the file is replaced atomically and every array is checksummed, so a
 * torn or corrupt file is detected on load.
 */
import { XmcError } from "../core/errors.js";
import { readModelFile, writeModelFile } from "../model/file.js";
import type { TypedArray } from "../model/format.js";
import type { Tensor } from "./tensor.js";

/** Arrays that can be stored. */
export type StoredArray = Float32Array | Float64Array | Int32Array;

/** What {@link loadParams} returns. */
export interface LoadedParams {
  /** Every stored array by name, with its shape. */
  arrays: Map<string, { shape: number[]; data: StoredArray }>;
  meta: Record<string, unknown>;
}

/** One item to store: a tensor (its name and shape are used) or a bare array. */
export type SaveItem = Tensor | { name: string; shape?: number[]; data: StoredArray };

/**
 * Write `items` (names must be unique and non-empty) plus JSON `meta` to the file `path`.
 */
export function saveParams(path: string, items: readonly SaveItem[], meta: Record<string, unknown> = {}): void {
  const arrays: Record<string, TypedArray> = {};
  const shapes: Record<string, number[]> = {};
  for (const it of items) {
    if (!it.name) throw new XmcError(`saveParams: every array needs a name`);
    if (arrays[it.name]) throw new XmcError(`saveParams: two arrays named "${it.name}"`);
    arrays[it.name] = it.data;
    shapes[it.name] = "shape" in it && it.shape ? it.shape.slice() : [it.data.length];
  }
  writeModelFile(path, { kind: "params", meta, shapes }, arrays);
}

/** Read a file written by {@link saveParams} (checksums are checked). */
export function loadParams(path: string): LoadedParams {
  const { header, arrays: stored } = readModelFile(path);
  if (header.kind !== "params") throw new XmcError(`${path}: not a parameter file`);
  const shapes = (header.shapes ?? {}) as Record<string, number[]>;
  const arrays = new Map<string, { shape: number[]; data: StoredArray }>();
  for (const [name, data] of Object.entries(stored)) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) throw new XmcError(`${path}: array "${name}" has an unexpected type`);
    const shape = shapes[name];
    if (!Array.isArray(shape) || shape.reduce((a, b) => a * b, 1) !== data.length) throw new XmcError(`${path}: array "${name}" has no shape or one that does not fit its length`);
    arrays.set(name, { shape, data });
  }
  return { arrays, meta: (header.meta ?? {}) as Record<string, unknown> };
}

/**
 * Copy stored values into `params` by name (shapes must match; every parameter must be present).
 * Values are converted to the tensors' element type.
 */
export function loadInto(loaded: LoadedParams, params: readonly Tensor[]): void {
  for (const p of params) {
    const a = loaded.arrays.get(p.name);
    if (!a) throw new XmcError(`loadParams: no stored parameter "${p.name}"`);
    if (a.shape.length !== p.shape.length || a.shape.some((s, i) => s !== p.shape[i])) {
      throw new XmcError(`loadParams: "${p.name}" is stored as [${a.shape.join(", ")}], the model expects [${p.shape.join(", ")}]`);
    }
    if (a.data instanceof Int32Array) throw new XmcError(`loadParams: "${p.name}" is stored as integers`);
    p.data.set(a.data); // converts between element types
  }
}

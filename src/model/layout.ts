/** Where the bytes of a model file go: its header and its arrays grouped by name pattern. */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readModelHeader } from "./file.js";
import { decodeHeader, type DType, PREAMBLE_BYTES } from "./format.js";

const BYTES: Record<DType, number> = { i32: 4, f32: 4, f64: 8, u8: 1, u16: 2 };

export interface ModelLayout {
  fileBytes: number;
  /** Preamble and JSON header (params, label names, vocabulary, the array index). */
  headerBytes: number;
  /** Arrays grouped by name with numbers replaced by `*` (`tree.*.*.entVal`), largest first. */
  parts: { part: string; arrays: number; bytes: number }[];
}

/** The layout of the model file at `path` (reads only its header). */
export function modelLayout(path: string): ModelLayout {
  readModelHeader(path); // checks the path, the magic and the header checksum
  const fd = openSync(path, "r");
  try {
    const fileBytes = fstatSync(fd).size;
    const pre = new Uint8Array(PREAMBLE_BYTES);
    readSync(fd, pre, 0, PREAMBLE_BYTES, 0);
    const len = new DataView(pre.buffer).getUint32(12, true);
    const bytes = new Uint8Array(PREAMBLE_BYTES + len);
    readSync(fd, bytes, 0, bytes.length, 0);
    const { index, dataStart } = decodeHeader(bytes, path);
    const groups = new Map<string, { arrays: number; bytes: number }>();
    for (const [name, e] of Object.entries(index)) {
      const part = name.split(".").map((s) => (/^\d+$/.test(s) ? "*" : s)).join(".");
      const g = groups.get(part) ?? { arrays: 0, bytes: 0 };
      g.arrays++;
      g.bytes += e.length * (BYTES[e.dtype] ?? 0);
      groups.set(part, g);
    }
    const parts = [...groups].map(([part, g]) => ({ part, ...g })).sort((a, b) => b.bytes - a.bytes || a.part.localeCompare(b.part));
    return { fileBytes, headerBytes: dataStart, parts };
  } finally {
    closeSync(fd);
  }
}

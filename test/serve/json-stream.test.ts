/**
 * The incremental JSON parser of request bodies (src/serve/json-stream.ts) against JSON.parse:
 * the same value for every way of cutting the bytes into chunks (multi-byte characters, escapes
 * and numbers split between chunks included), and an error wherever JSON.parse throws.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonStream, JsonSyntaxError } from "../../src/serve/json-stream.js";

function parseChunks(chunks: Buffer[]): unknown {
  const s = new JsonStream();
  for (const c of chunks) s.push(c);
  return s.end();
}

/** Every cut of `bytes` into two chunks, and into one-byte chunks. */
function cuts(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [[bytes]];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return out;
}

function wholeParse(bytes: Buffer): { value: unknown } | { error: true } {
  try {
    return { value: JSON.parse(bytes.toString("utf8")) };
  } catch {
    return { error: true };
  }
}

function check(bytes: Buffer): void {
  const want = wholeParse(bytes);
  for (const chunks of cuts(bytes)) {
    if ("error" in want) assert.throws(() => parseChunks(chunks), JsonSyntaxError, `${JSON.stringify(bytes.toString("utf8"))} should be an error`);
    else assert.deepStrictEqual(parseChunks(chunks), want.value, `${JSON.stringify(bytes.toString("utf8"))} cut into ${chunks.length}`);
  }
}

test("valid bodies: the value JSON.parse gives, however the bytes are cut", () => {
  const bodies = [
    '{"texts":["piano é 文字 🎹","b"],"k":5}',
    '{"text":"tab\\tquote\\" back\\\\ slash\\/ \\u00e9\\ud83c\\udfb9 \\ud800","k":2.0}',
    ' [ 1 , -0.5e+3 , 0 , 1E2 , true , false , null , [] , {} , [[{}]] ] ',
    '"a string"',
    "123",
    "-0",
    "null",
    '{"a":1,"a":2,"b":{"a":[3]}}',
    '{"__proto__":{"x":1},"constructor":2}',
    '\n\r\t{"k" : "\u2028"}\n',
    "[1.5e-7,1e400,-1e-400]",
  ];
  for (const b of bodies) check(Buffer.from(b, "utf8"));
  // __proto__ is an own property, as JSON.parse makes it
  const o = parseChunks([Buffer.from('{"__proto__":{"x":1}}')]) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(Object.keys(o), ["__proto__"]);
});

test("invalid bodies are errors, however the bytes are cut", () => {
  const bodies = [
    "",
    " ",
    "{nope",
    "{",
    "[1,]",
    '{"a":1,}',
    "[1 2]",
    '{"a" 1}',
    '{"a":}',
    "{1:2}",
    '"unterminated',
    '"bad \\x escape"',
    '"raw\tcontrol"',
    "01",
    "1.",
    ".5",
    "+1",
    "-",
    "tru",
    "True",
    "nul",
    "1 2",
    "{}}",
    "[]]",
    "\ufeff{}",
    '{"a":1} x',
    "NaN",
    "[1e]",
  ];
  for (const b of bodies) check(Buffer.from(b, "utf8"));
  // invalid UTF-8 inside a string becomes U+FFFD, as a whole-body decode gives; outside one it is an error
  check(Buffer.from([0x5b, 0x22, 0x61, 0xe2, 0x82, 0x22, 0x2c, 0x22, 0xff, 0x22, 0x5d]));
  check(Buffer.from([0x5b, 0xff, 0x5d]));
  // the position of the error is in bytes from the start of the body
  assert.throws(() => parseChunks([Buffer.from('{"a":'), Buffer.from("1,]")]), /at byte 7/);
});

test("random documents, random chunks: equal to JSON.parse", () => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pieces = ["a", "é", "文", "🎹", '"', "\\", "\n", "\u0001", " ", "x y", "\u2028"];
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) {
      const s = Array.from({ length: Math.floor(rand() * 6) }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
      return s;
    }
    if (r < 0.45) return Math.round((rand() - 0.5) * 1e6) / 1e3;
    if (r < 0.5) return [true, false, null][Math.floor(rand() * 3)];
    if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 4); i > 0; i--) o[pieces[Math.floor(rand() * pieces.length)] + i] = value(depth + 1);
    return o;
  };
  for (let doc = 0; doc < 300; doc++) {
    const text = JSON.stringify(value(0), null, rand() < 0.5 ? 1 : undefined);
    const bytes = Buffer.from(text, "utf8");
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const len = 1 + Math.floor(rand() * 9);
      chunks.push(bytes.subarray(at, at + len));
      at += len;
    }
    assert.deepStrictEqual(parseChunks(chunks), JSON.parse(text));
  }
});

/**
 * The browser bundle (dist/browser/xmc.js) in headless Chromium gives exactly what Node gives.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { StackedVectorizer } from "../../src/text/stack.js";
import { browserSkip, withPage } from "./harness.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

test("browser bundle: text featurization equals Node's for 100 texts", { skip: browserSkip, timeout: 120_000 }, async () => {
  const texts = readFileSync(join(ROOT, "test/golden/data/debtags-mini-train_texts.txt"), "utf8").split("\n").slice(0, 300);
  const vec = new StackedVectorizer();
  vec.fitTransform(texts);
  const query = texts.slice(0, 100);
  const want = vec.transform(query);
  const saved = vec.save();
  const state = JSON.stringify({ meta: saved.meta, vocab: saved.vocab, arrays: Object.fromEntries(Object.entries(saved.arrays).map(([k, a]) => [k, Array.from(a)])) });
  const got = await withPage(
    {
      "/": { body: "<!doctype html><title>xmc</title>", type: "text/html" },
      "/xmc.js": { body: readFileSync(join(ROOT, "dist/browser/xmc.js")), type: "text/javascript" },
    },
    (page) =>
      page.evaluate(async (state: string, query: string[]) => {
        const xmc = await import("/xmc.js" as string);
        const s = JSON.parse(state);
        for (const k of Object.keys(s.arrays)) s.arrays[k] = Float32Array.from(s.arrays[k]);
        const v = xmc.StackedVectorizer.load(s);
        const x = v.transform(query);
        return { indptr: Array.from(x.indptr as Int32Array), indices: Array.from(x.indices as Int32Array), values: Array.from(x.data as Float32Array) };
      }, state, query),
  );
  assert.deepEqual(got.indptr, Array.from(want.indptr));
  assert.deepEqual(got.indices, Array.from(want.indices));
  assert.deepEqual(got.values, Array.from(want.data));
});

// Bundle the browser entry (dist/src/browser.js, compiled by tsc) into dist/browser/xmc.js, one
// ES module for pages and workers: `import { loadModel } from "./xmc.js"`. Runs after tsc in
// `npm run build`.
// Node's modules (node:fs, node:worker_threads, ...) are reachable from the model classes through
// training and file writing, which a page never calls. In the bundle each becomes a stand-in whose
// exports throw "not available in the browser" when called, so the prediction path, which calls
// none of them, runs unchanged; WebAssembly kernels that load their binary from a file fall back
// to their plain-TypeScript twins there.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "dist", "src", "browser.js");
const outfile = join(root, "dist", "browser", "xmc.js");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch (e) {
  console.warn(`build-browser: esbuild not available (${e.message}); the browser bundle is not built`);
  process.exit(0);
}
if (!existsSync(entry)) {
  console.error(`build-browser: ${entry} is missing; run tsc first`);
  process.exit(1);
}

/** Names imported from each node: module anywhere in the compiled library. */
function nodeImports(dir, found = new Map()) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) nodeImports(p, found);
    else if (p.endsWith(".js")) {
      for (const m of readFileSync(p, "utf8").matchAll(/import\s*\{([^}]*)\}\s*from\s*"(node:[^"]+)"/g)) {
        const names = found.get(m[2]) ?? new Set();
        for (const part of m[1].split(",")) {
          const name = part.trim().split(/\s+as\s+/)[0].trim();
          if (name) names.add(name);
        }
        found.set(m[2], names);
      }
    }
  }
  return found;
}

const stubs = nodeImports(join(root, "dist", "src"));
const nodeStubs = {
  name: "node-stubs",
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-stub" }));
    // the job queue of distributed training (Redis over TCP) is Node-only as well
    build.onResolve({ filter: /^bullmq$/ }, () => ({ path: "bullmq", namespace: "pkg-stub" }));
    build.onLoad({ filter: /.*/, namespace: "pkg-stub" }, () => ({
      contents: ["Queue", "Worker"].map((n) => `export class ${n} { constructor() { throw new Error("bullmq ${n} is not available in the browser"); } }`).join("\n"),
      loader: "js",
    }));
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => {
      const names = [...(stubs.get(args.path) ?? [])];
      const body = names
        .map((n) => `export const ${n} = function ${n}() { throw new Error(${JSON.stringify(`${args.path} ${n}() is not available in the browser`)}); };`)
        .join("\n");
      return { contents: body || "export {};", loader: "js" };
    });
  },
};

mkdirSync(dirname(outfile), { recursive: true });
await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  plugins: [nodeStubs],
  logLevel: "warning",
});
console.log(`build-browser: ${entry.slice(root.length + 1)} -> ${outfile.slice(root.length + 1)} (${(statSync(outfile).size / 1024).toFixed(0)} KB)`);

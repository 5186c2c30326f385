// Compile the AssemblyScript kernels wasm/*.ts to dist/wasm/<name>.wasm (options in wasm/asconfig.json).
// Runs before tsc in `npm run build`; offline, about a second per kernel. The runtime loads the
// binaries relative to the compiled JS (dist/src/linear/wasm.js -> ../../wasm/dcd.wasm) and falls
// back to the plain-TS solvers when a binary is missing, so a missing compiler is a warning, not an error.
import { readdirSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "wasm");
const outDir = join(root, "dist", "wasm");

let asc;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch (e) {
  console.warn(`build-wasm: AssemblyScript compiler not available (${e.message}); skipping, the JS solvers will be used`);
  process.exit(0);
}

const sources = readdirSync(srcDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort();
mkdirSync(outDir, { recursive: true });
let failed = 0;
for (const f of sources) {
  const out = join(outDir, f.replace(/\.ts$/, ".wasm"));
  const args = [join(srcDir, f), "--config", join(srcDir, "asconfig.json"), "--outFile", out];
  const { error, stderr } = await asc.main(args);
  if (error) {
    failed++;
    console.error(`build-wasm: ${f} failed: ${error.message}\n${stderr.toString()}`);
  } else {
    console.log(`build-wasm: ${f} -> ${out.slice(root.length + 1)}`);
  }
}
process.exit(failed ? 1 : 0);

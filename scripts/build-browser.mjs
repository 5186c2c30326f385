// Bundle the browser entry (dist/src/browser.js, compiled by tsc) into one ES module,
// dist/browser/xmc.js, for pages and workers: `import { loadModel } from "./xmc.js"`.
// Runs after tsc in `npm run build`. The entry imports no `node:` module; esbuild is told the
// platform is the browser, so an accidental Node import fails the build instead of the page.
import { existsSync, mkdirSync } from "node:fs";
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
mkdirSync(dirname(outfile), { recursive: true });
await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});
console.log(`build-browser: ${entry.slice(root.length + 1)} -> ${outfile.slice(root.length + 1)}`);

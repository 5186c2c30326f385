/**
 * Run code in headless Chromium against files served from 127.0.0.1 (loopback only).
 * The browser is Debian's `chromium` (installed by .ci/run when missing), driven by
 * puppeteer-core. `browserSkip` says why a test must skip: outside CI a missing browser skips
 * the browser tests with that reason; in CI (CI=true) it is a failure.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import puppeteer, { type Page } from "puppeteer-core";

const CANDIDATES = [process.env.XMC_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export const chromiumPath: string | undefined = CANDIDATES.find((p): p is string => !!p && existsSync(p));

/** false when the browser tests can run; otherwise the reason they are skipped. */
export const browserSkip: string | false =
  chromiumPath || process.env.CI === "true" ? false : "no Chromium found (apt-get install chromium, or set XMC_CHROMIUM)";

/** Serve `files` (path → bytes and type) on a loopback port, open a page there, run `fn`, close everything. */
export async function withPage<T>(files: Record<string, { body: Uint8Array | string; type: string }>, fn: (page: Page, base: string) => Promise<T>): Promise<T> {
  if (!chromiumPath) throw new Error("no Chromium found: .ci/run installs Debian's chromium; set XMC_CHROMIUM to use another");
  const server = createServer((req, res) => {
    const f = files[(req.url ?? "/").split("?")[0]];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": f.type, "cache-control": "no-store" }).end(f.body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    // root in CI containers needs --no-sandbox; no network beyond the loopback server is used
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${base}/`);
    const out = await fn(page, base);
    if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
    return out;
  } finally {
    await browser.close();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

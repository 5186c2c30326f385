// Full-page PNG of an HTML file in headless Chromium: node scripts/screenshot-report.mjs REPORT.html OUT.png
// (Chromium from XMC_CHROMIUM or /usr/bin/chromium; the page is loaded from the file's text, offline.)
import { readFileSync } from "node:fs";
import puppeteer from "puppeteer-core";

const [html, png] = process.argv.slice(2);
if (!html || !png) {
  process.stderr.write("usage: node scripts/screenshot-report.mjs REPORT.html OUT.png\n");
  process.exit(2);
}
const browser = await puppeteer.launch({ executablePath: process.env.XMC_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1150, height: 900 });
  await page.setContent(readFileSync(html, "utf8"), { waitUntil: "load" });
  await page.screenshot({ path: png, fullPage: true });
} finally {
  await browser.close();
}

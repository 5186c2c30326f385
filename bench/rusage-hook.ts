/**
 * Preloaded with `node --import` by the scale bench: at exit, writes the process's CPU seconds
 * (all threads, user + system) and peak RSS to the file named by XMC_BENCH_RUSAGE.
 */
import { writeFileSync } from "node:fs";

const out = process.env.XMC_BENCH_RUSAGE;
if (out) {
  process.on("exit", () => {
    const c = process.cpuUsage();
    writeFileSync(out, JSON.stringify({ cpuS: (c.user + c.system) / 1e6, maxRssKb: process.resourceUsage().maxRSS }));
  });
}

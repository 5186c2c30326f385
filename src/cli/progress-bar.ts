import cliProgress from "cli-progress";
import type { Progress } from "../core/progress.js";

/**
 * Progress on stderr: a bar with ETA on a terminal; on a pipe or log file, one line per
 * finished step with its duration (so `xmc predict ... > out.jsonl` stays clean).
 */
export function stderrProgress(quiet = false): Progress {
  if (quiet) return { start() {}, tick() {}, stop() {}, log() {} };
  const tty = Boolean(process.stderr.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let step = "";
  let t0 = 0;
  return {
    start(name, total) {
      step = name;
      t0 = performance.now();
      if (tty) {
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: `${name.padEnd(34)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
    },
    tick(n = 1) {
      bar?.increment(n);
    },
    stop() {
      if (bar) {
        bar.update(bar.getTotal());
        bar.stop();
        bar = null;
      }
      process.stderr.write(`${step}: done in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
    },
    log(message) {
      process.stderr.write(`${message}\n`);
    },
  };
}

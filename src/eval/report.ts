/**
 * Stable text and JSON renderings of a {@link MetricsReport}, for CLI output,
 * benchmarks and diff-friendly tests.
 */
import { METRIC_FAMILIES, type MetricsReport } from "./metrics.js";

/** Round to 2 decimals (values are percentages). */
export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

export interface FormatOptions {
  /** Whether the report's PS metrics are normalised (default true); printed as a footnote under PS rows. */
  psNormalize?: boolean;
}

/**
 * Fixed-width table: one row per metric family (P, nDCG, PSP, PSnDCG, R, then
 * PSR when present), one column per k, values in percent with 2 decimals,
 * "-" for a missing key; a last line gives n and, when PS rows are shown,
 * whether they are normalised. Example:
 *
 * ```
 * metric        @1      @3      @5
 * P          50.00   33.33   20.00
 * nDCG       50.00   45.99   45.99
 * PSP        20.00   50.00   50.00
 * PSnDCG     20.00   26.58   26.58
 * R          25.00   50.00   50.00
 * PSR        12.50   33.33   33.33
 * n = 2; PS metrics normalised by the ideal ranking
 * ```
 */
export function formatTable(report: MetricsReport, ks: readonly number[] = [1, 3, 5], opts: FormatOptions = {}): string {
  const nameW = 8;
  const colW = 8;
  const lines: string[] = [];
  lines.push("metric".padEnd(nameW) + ks.map((k) => `@${k}`.padStart(colW)).join(""));
  let hasPs = false;
  for (const fam of METRIC_FAMILIES) {
    // a row is printed only if the report has at least one of its keys
    if (!ks.some((k) => typeof report[`${fam}@${k}`] === "number")) continue;
    if (fam.startsWith("PS")) hasPs = true;
    const cells = ks.map((k) => {
      const v = report[`${fam}@${k}`];
      return (typeof v === "number" ? v.toFixed(2) : "-").padStart(colW);
    });
    lines.push(fam.padEnd(nameW) + cells.join(""));
  }
  let foot = `n = ${report.n}`;
  if (hasPs) foot += `; PS metrics ${opts.psNormalize ?? true ? "normalised by the ideal ranking" : "unnormalised"}`;
  lines.push(foot);
  return lines.join("\n");
}

/**
 * One JSON object on one line: every key of the report in its order ("P@1", "P@3",
 * ..., "nDCG@1", ..., "PSP@5", ..., "n"), numeric values rounded to 2 decimals.
 */
export function toJsonLine(report: MetricsReport): string {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(report)) out[k] = typeof v === "number" ? round2(v) : v;
  return JSON.stringify(out);
}

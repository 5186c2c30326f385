/**
 * Print the bad-input corpus as a Markdown table (group, case, what it checks, expected
 * outcome): `node dist/test/reliability/table.js`. Writes nothing to disk but a temp directory
 * it removes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCorpus, type Case } from "./corpus.js";

function outcome(c: Case): string {
  if (c.code !== 0) return `exit ${c.code}, \`xmc: error: ${c.error ? c.error.source.replace(/\\d\+/g, "N").replace(/\\(.)/g, "$1").replace(/\|/g, "\\|") : "…"}\``;
  const parts = ["exit 0"];
  if (c.warning) parts.push(`stderr \`${c.warning.source.replace(/^\^|\$$/g, "").replace(/\\(.)/g, "$1")}\``);
  if (c.sameStdoutAs) parts.push("same output as the clean input");
  if (c.creates?.length) parts.push(`writes ${c.creates.join(", ")}`);
  return parts.join("; ");
}

const dir = mkdtempSync(join(tmpdir(), "xmc-corpus-table-"));
try {
  const { cases } = buildCorpus(dir);
  const rows = (list: Case[]): string[] => list.map((c) => `| ${c.group} | ${c.name} | ${c.what.replace(/\|/g, "\\|")} | ${outcome(c)} |`);
  const head = ["| group | case | input | expected outcome |", "|---|---|---|---|"];
  const done = cases.filter((c) => !c.pending);
  const pending = cases.filter((c) => c.pending);
  process.stdout.write([`${done.length} cases:`, "", ...head, ...rows(done), "", `${pending.length} pending cases (run as todo):`, "", ...head, ...rows(pending), ""].join("\n"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

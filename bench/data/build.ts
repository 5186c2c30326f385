/**
 * `npm run data:build -- NAME [--out DIR] [--cache DIR] [--tree DIR]`
 *
 * Builds a natural data set from Debian packages: downloads them with `apt-get download` (into
 * the cache folder, default `data/natural/.cache/debs`; a package already there is reused),
 * unpacks the files the set needs, parses them and writes the set to `--out` (default
 * `data/natural/NAME`). `--tree DIR` reads packages already unpacked under DIR (one folder per
 * package) and downloads nothing. `NAME` is one of the sets listed by `--list`.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { availablePackages, downloadDebs, extractDeb, packageLicense } from "./debs.js";
import { gcideFromPackage } from "./gcide.js";
import { collectManPages, manPoints } from "./man.js";
import { MAN_PACKAGES } from "./packages.js";
import { writeSet, type Point } from "./write.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");

interface Recipe {
  kind: string;
  about: string;
  /** Packages to download and the tar wildcards to unpack from each. */
  packages: string[];
  unpack: string[];
  /** Folder name of the unpacked tree in the cache (sets that read the same files share it). */
  treeName: string;
  points(tree: string, pkgs: string[]): { points: Point[]; labelTexts: Map<string, string> };
}

const MAN_UNPACK = ["./usr/share/man/man*", "./usr/share/doc/*/copyright"];

export const RECIPES: Record<string, Recipe> = {
  "man-seealso": {
    kind: "Man pages (NAME line and DESCRIPTION, up to 1,000 words) -> the man pages their SEE ALSO section names; every label is a page, with its NAME line as label text.",
    about:
      "English man pages of a fixed list of Debian packages (tools, daemons, libraries, documentation packages). A page's text is its NAME line followed by its DESCRIPTION section (all body sections when it has none), cut to 1,000 words. Its labels are the pages of the collection named `name(section)` in its SEE ALSO section, after following `.so` includes, symbolic links and the extra names of NAME lines to the page they stand for. Pages with no such entry are left out. Split by sha1(page name) % 5 == 0 -> test, so the sections of one name stay together.",
    packages: MAN_PACKAGES,
    unpack: MAN_UNPACK,
    treeName: "man-tree",
    points: (tree, pkgs) => manPoints(collectManPages(tree, pkgs), "long"),
  },
  "man-name": {
    kind: "Man page NAME lines (one-line titles) -> the man pages their SEE ALSO section names; same pages, labels and split as man-seealso.",
    about:
      "The same points and labels as `man-seealso`, but a page's text is only its NAME line (`printf, fprintf - formatted output conversion`): a short-title counterpart of the long-document set.",
    packages: MAN_PACKAGES,
    unpack: MAN_UNPACK,
    treeName: "man-tree",
    points: (tree, pkgs) => manPoints(collectManPages(tree, pkgs), "short"),
  },
  "gcide-xref": {
    kind: "Dictionary entries (GCIDE, Webster 1913 with additions) -> the headwords they cross-reference (See / Cf. / Same as and Syn: lists); every label is a headword, with the start of its definition as label text.",
    about:
      "Entries of the GNU Collaborative International Dictionary of English (Debian package `dict-gcide`). A point is one dictionary entry (definitions, etymology, usage notes and quotations; pronunciations and source tags removed), cut to 300 words; an entry listed under several headwords is one point, and the entries of one headword (homographs) are `word`, `word#2`, ... Its labels are the other headwords its entries name in braces after See, Cf., Same as or Compare, and the words of its Syn: lists that are headwords themselves; those references and lists are removed from the text. Headwords are lower-cased, spaces written as `_`. Split by sha1(label id of the entry's first headword) % 5 == 0 -> test, so the entries of a headword stay together.",
    packages: ["dict-gcide"],
    unpack: ["./usr/share/dictd/*", "./usr/share/doc/*/copyright"],
    treeName: "gcide-tree",
    points: (tree) => gcideFromPackage(join(tree, "dict-gcide")),
  },
};

function usage(): never {
  process.stderr.write(`usage: npm run data:build -- NAME [--out DIR] [--cache DIR] [--tree DIR]\nsets: ${Object.keys(RECIPES).join(", ")}\n`);
  process.exit(2);
}

function takeOpt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) usage();
  args.splice(i, 2);
  return v;
}

/** Build one set; returns its statistics. */
export function buildSet(name: string, opts: { out: string; cache?: string; tree?: string; log?: (s: string) => void }): Record<string, unknown> {
  const recipe = RECIPES[name];
  if (recipe === undefined) throw new Error(`unknown data set ${name}; known: ${Object.keys(RECIPES).join(", ")}`);
  const log = opts.log ?? (() => {});
  let tree: string;
  let pkgs: { name: string; version: string }[];
  if (opts.tree !== undefined) {
    tree = opts.tree;
    pkgs = readdirSync(tree)
      .filter((d) => !d.endsWith(".part"))
      .sort()
      .map((d) => ({ name: d, version: "unpacked" }));
  } else {
    const cache = opts.cache ?? join(dirname(opts.out), ".cache");
    const avail = availablePackages(recipe.packages);
    const missing = recipe.packages.filter((p) => !avail.has(p));
    if (missing.length > 0) log(`not in the archive, skipped: ${missing.join(" ")}`);
    pkgs = recipe.packages.filter((p) => avail.has(p)).sort().map((p) => ({ name: p, version: avail.get(p)! }));
    const debs = downloadDebs(pkgs.map((p) => p.name), join(cache, "debs"), log);
    tree = join(cache, recipe.treeName);
    log(`unpacking ${pkgs.length} packages into ${tree}`);
    for (const p of pkgs) extractDeb(debs.get(p.name)!, join(tree, p.name), recipe.unpack);
  }
  log("parsing");
  const { points, labelTexts } = recipe.points(tree, pkgs.map((p) => p.name));
  const used = pkgs.map((p) => ({ ...p, license: packageLicense(join(tree, p.name), p.name) }));
  log(`writing ${points.length} points to ${opts.out}`);
  return writeSet(opts.out, { name, kind: recipe.kind, about: recipe.about, packages: used, command: `npm run data:build -- ${name}` }, points, labelTexts);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes("--list")) {
    for (const [n, r] of Object.entries(RECIPES)) process.stdout.write(`${n}\t${r.kind}\n`);
    process.exit(0);
  }
  const out = takeOpt(args, "--out");
  const cache = takeOpt(args, "--cache");
  const tree = takeOpt(args, "--tree");
  if (args.length !== 1 || args[0].startsWith("-")) usage();
  const name = args[0];
  if (!(name in RECIPES)) usage();
  const outDir = resolve(out ?? join(root, "data", "natural", name));
  const t0 = process.cpuUsage();
  let stats: Record<string, unknown>;
  try {
    stats = buildSet(name, { out: outDir, cache: cache === undefined ? undefined : resolve(cache), tree: tree === undefined ? undefined : resolve(tree), log: (s) => process.stderr.write(`data:build ${name}: ${s}\n`) });
  } catch (e) {
    // a failed download or an unreadable package: one line, no stack trace
    process.stderr.write(`data:build ${name}: error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const c = process.cpuUsage(t0);
  process.stderr.write(`data:build ${name}: ${stats.n_train} train, ${stats.n_test} test, ${stats.n_labels} labels in ${outDir} (${((c.user + c.system) / 1e6).toFixed(1)} s CPU)\n`);
  if (!existsSync(join(outDir, "stats.json"))) process.exit(1);
}

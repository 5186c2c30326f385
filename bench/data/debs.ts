/**
 * Debian packages for the natural data sets: which of a list exist in the configured archive
 * (one `apt-cache show`), downloading them with `apt-get download` into a cache folder (a
 * package already there is not downloaded again), unpacking selected paths with `dpkg-deb`,
 * and reading a package's license from its `copyright` file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Name -> version of the packages of `names` that the archive has (others are left out). */
export function availablePackages(names: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (let i = 0; i < names.length; i += 200) {
    const r = spawnSync("apt-cache", ["show", "--no-all-versions", ...names.slice(i, i + 200)], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.error) throw new Error(`apt-cache could not run: ${r.error.message}`);
    let pkg = "";
    for (const line of r.stdout.split("\n")) {
      if (line.startsWith("Package: ")) pkg = line.slice(9).trim();
      else if (line.startsWith("Version: ") && pkg && !found.has(pkg)) found.set(pkg, line.slice(9).trim());
    }
  }
  return found;
}

/** The cached .deb of a package, if any (`NAME_VERSION_ARCH.deb`). */
export function cachedDeb(cacheDir: string, name: string): string | undefined {
  if (!existsSync(cacheDir)) return undefined;
  const f = readdirSync(cacheDir).find((x) => x.startsWith(`${name}_`) && x.endsWith(".deb"));
  return f === undefined ? undefined : join(cacheDir, f);
}

/** Download the packages not yet in `cacheDir`; returns name -> .deb path for all of them. */
export function downloadDebs(names: string[], cacheDir: string, log: (s: string) => void): Map<string, string> {
  mkdirSync(cacheDir, { recursive: true });
  const missing = names.filter((n) => cachedDeb(cacheDir, n) === undefined);
  for (let i = 0; i < missing.length; i += 100) {
    const batch = missing.slice(i, i + 100);
    log(`apt-get download: ${i + batch.length} / ${missing.length} packages`);
    const r = spawnSync("apt-get", ["download", "-q", ...batch], { cwd: cacheDir, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`apt-get download failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
  }
  const out = new Map<string, string>();
  for (const n of names) {
    const f = cachedDeb(cacheDir, n);
    if (f === undefined) throw new Error(`package ${n} was not downloaded`);
    out.set(n, f);
  }
  return out;
}

/**
 * Unpack the paths of a .deb that match the tar wildcards `patterns` into `dir` (created whole
 * or not at all: a half-unpacked tree from an interrupted run is replaced).
 */
export function extractDeb(deb: string, dir: string, patterns: string[]): void {
  if (existsSync(dir)) return;
  const tmp = `${dir}.part`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // a pattern that matches nothing makes tar exit 2: the files that did match are still there
  const r = spawnSync("sh", ["-c", 'dpkg-deb --fsys-tarfile "$0" | tar -x -C "$1" --wildcards "$@" 2>/dev/null; exit 0', deb, tmp, ...patterns], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`could not unpack ${deb}`);
  renameSync(tmp, dir);
}

/**
 * The license of a package in a few words, from `usr/share/doc/PKG/copyright` under `tree`: the
 * distinct `License:` names of a machine-readable file, else the licenses the text names.
 */
export function packageLicense(tree: string, pkg: string): string {
  const docDir = join(tree, "usr", "share", "doc");
  let text = "";
  try {
    const dirs = existsSync(join(docDir, pkg)) ? [pkg] : readdirSync(docDir);
    for (const d of dirs) {
      const p = join(docDir, d, "copyright");
      if (existsSync(p)) {
        text = readFileSync(p, "utf8");
        break;
      }
    }
  } catch {
    return "unknown";
  }
  if (text === "") return "unknown";
  const names = new Set<string>();
  if (/^Format:/m.test(text)) {
    for (const m of text.matchAll(/^License:[ \t]*(\S[^\n]*)$/gm)) names.add(m[1].trim());
  }
  if (names.size === 0) {
    const probes: [RegExp, string][] = [
      [/GNU (Lesser|Library) General Public License/i, "LGPL"],
      [/GNU General Public License/i, "GPL"],
      [/GNU Free Documentation License/i, "GFDL"],
      [/Artistic License/i, "Artistic"],
      [/Apache License/i, "Apache"],
      [/MIT License|Permission is hereby granted, free of charge/i, "MIT/Expat"],
      [/Redistribution and use in source and binary forms/i, "BSD"],
      [/public domain/i, "public domain"],
    ];
    for (const [re, n] of probes) if (re.test(text)) names.add(n);
  }
  const list = [...names];
  return list.length === 0 ? "see copyright" : list.slice(0, 6).join(", ") + (list.length > 6 ? ", ..." : "");
}

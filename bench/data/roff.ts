/**
 * A small reader of man pages written in roff (the `man` and `mdoc` macro packages): enough to
 * turn a page into plain text by section. It drops formatting (fonts, sizes, spacing requests,
 * macro definitions, conditionals) and keeps the words; tables keep their cell text. It is not
 * a typesetter: the aim is the text a reader sees, for a bag-of-words model.
 */

/** A parsed page: its sections in order, with their titles upper-cased. */
export interface RoffPage {
  /** `.so` target (`man3/foo.3`) when the page only includes another one. */
  so?: string;
  sections: { title: string; text: string }[];
}

const SPECIAL: Record<string, string> = {
  em: "-", en: "-", hy: "-", mi: "-", bu: "*", aq: "'", dq: '"', lq: '"', rq: '"', oq: "'", cq: "'",
  rs: "\\", ti: "~", ha: "^", co: "(c)", rg: "(R)", tm: "(TM)", ga: "`", aa: "'", ua: "^", da: "v",
  "->": "->", "<-": "<-", "<=": "<=", ">=": ">=", "!=": "!=", "==": "==", mu: "x", pl: "+", eq: "=",
  lB: "[", rB: "]", lC: "{", rC: "}", la: "<", ra: ">", ba: "|", or: "|", sl: "/", dg: "+", sc: "S",
};

/** Remove roff escapes from one line of text. */
export function stripEscapes(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const d = s[++i];
    if (d === undefined) break;
    switch (d) {
      case "-":
        out += "-";
        break;
      case "e":
      case "\\":
        out += "\\";
        break;
      case " ":
      case "~":
      case "0":
        out += " ";
        break;
      case '"':
        return out; // comment to end of line
      case "(": {
        const name = s.slice(i + 1, i + 3);
        out += SPECIAL[name] ?? "";
        i += 2;
        break;
      }
      case "[": {
        const j = s.indexOf("]", i);
        const name = j < 0 ? "" : s.slice(i + 1, j);
        out += SPECIAL[name] ?? (name.startsWith("u") && /^u[0-9A-Fa-f]{4,5}$/.test(name) ? String.fromCodePoint(parseInt(name.slice(1), 16)) : "");
        i = j < 0 ? s.length : j;
        break;
      }
      case "f":
      case "F":
      case "*":
      case "n":
      case "g":
      case "k":
      case "m":
      case "V":
      case "Y": {
        // one-character name, (xx two-character name or [name]
        const e = s[i + 1];
        if (e === "(") i += 3;
        else if (e === "[") {
          const j = s.indexOf("]", i);
          i = j < 0 ? s.length : j;
        } else i += 1;
        if (d === "*" && s.slice(i - 2, i + 1) === "(Tm") out += "(TM)";
        break;
      }
      case "s": {
        // \s+2, \s-1, \s0, \s(12, \s[12]
        let j = i + 1;
        if (s[j] === "+" || s[j] === "-") j++;
        if (s[j] === "(") j += 3;
        else if (s[j] === "[") j = s.indexOf("]", j) + 1 || s.length;
        else while (j < s.length && /[0-9]/.test(s[j]) && j < i + 3) j++;
        i = j - 1;
        break;
      }
      case "h":
      case "v":
      case "w":
      case "l":
      case "L":
      case "o":
      case "D":
      case "X":
      case "N":
      case "Z":
      case "A":
      case "b":
      case "x":
      case "R": {
        // \h'...' and friends: a delimited argument
        const delim = s[i + 1];
        const j = delim === undefined ? -1 : s.indexOf(delim, i + 2);
        if (d === "w" || d === "o" || d === "Z") out += stripEscapes(j < 0 ? "" : s.slice(i + 2, j));
        i = j < 0 ? s.length : j;
        break;
      }
      default:
        // \&, \|, \^, \%, \c, \:, \/, \,, \{, \} and unknown escapes print nothing
        break;
    }
  }
  return out;
}

/** Split a macro line's arguments, honouring double quotes. */
export function macroArgs(s: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === " " || s[i] === "\t") i++;
    if (i >= s.length) break;
    if (s[i] === '"') {
      let a = "";
      i++;
      while (i < s.length) {
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            a += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        a += s[i++];
      }
      args.push(a);
    } else {
      let j = i;
      while (j < s.length && s[j] !== " " && s[j] !== "\t") j++;
      args.push(s.slice(i, j));
      i = j;
    }
  }
  return args;
}

/** mdoc macros whose name is dropped and whose arguments are kept as words. */
const MDOC_CALLABLE = new Set(
  "Ad An Ap Ar At Bsx Bx Cd Cm Dq Dv Dx Em Er Ev Fa Fd Fn Fo Fc Ft Fx Ic In Li Lk Ms Mt Nm No Ns Nx Oo Oc Op Ox Pa Pf Po Pc Pq Ql Qq Qo Qc Sq So Sc St Sx Sy Tn Ux Va Vt Xo Xc Aq Ao Ac Bq Bo Bc Brq Bro Brc Dl D1 Eo Ec Ef Es En Ot Fr Hf Lb Rs Re %A %B %C %D %I %J %N %O %P %Q %R %T %U %V".split(" "),
);

/** The words of one mdoc macro line (`.Xr ls 1 ,` -> `ls(1) ,`). */
function mdocLine(name: string, args: string[]): string {
  const words: string[] = [];
  const all = [name, ...args];
  for (let i = 0; i < all.length; i++) {
    const a = all[i];
    if (a === "Xr" && i + 1 < all.length) {
      const sec = all[i + 2];
      if (sec !== undefined && /^[0-9][a-z0-9]*$/i.test(sec)) {
        words.push(`${all[i + 1]}(${sec})`);
        i += 2;
      } else {
        words.push(all[i + 1]);
        i += 1;
      }
    } else if (a === "Fl") {
      const next = all[i + 1];
      if (next !== undefined && !MDOC_CALLABLE.has(next) && next !== "Fl") {
        words.push(`-${next}`);
        i += 1;
      } else words.push("-");
    } else if (a === "Nd") words.push("-");
    else if (MDOC_CALLABLE.has(a) || a === "It" || a === "Bl" || a === "El" || a === "Bd" || a === "Ed") continue;
    else if (/^-(width|offset|compact|tag|bullet|dash|enum|item|column|literal|filled|unfilled|ragged|centered|hang|ohang|inset|diag)$/.test(a)) continue;
    else words.push(a);
  }
  return words.join(" ");
}

const DROP_REQUESTS = new Set(
  "PP LP P br sp RS RE nf fi in ti ad na ft ps ne TH Dd Dt Os hy nh ll ta tr cs ss vs HP PD UC DT bp ce fam ev rm rn mk rt pc lf nr ds as so ns rs ec eo cc c2 tm ab ex pl pn po rj ul cu uf Pp Lp Bl El Bd Ed Ek Bk Sm EX EE UE ME YS OP TQ LO ig kern mso".split(" "),
);

/**
 * Parse a roff man page into sections. Lines before the first section heading are ignored.
 * Conditionals (`.if`, `.ie`, `.el`) and macro definitions (`.de` ... `..`) are skipped whole.
 */
export function parseRoff(src: string): RoffPage {
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const sections: { title: string; text: string }[] = [];
  let cur: { title: string; parts: string[] } | null = null;
  const flush = () => {
    if (cur) sections.push({ title: cur.title, text: cur.parts.join(" ").replace(/\s+/g, " ").trim() });
  };
  let pendingHeading = false;
  let inDef = false;
  let braceDepth = 0;
  let inTableSpec = false;
  let mdocName = "";
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    // continuation lines ending in a backslash
    while (line.endsWith("\\") && !line.endsWith("\\\\") && n + 1 < lines.length) line = line.slice(0, -1) + lines[++n];
    if (inDef) {
      if (/^\.\.\s*$/.test(line)) inDef = false;
      continue;
    }
    if (braceDepth > 0) {
      braceDepth += (line.match(/\\\{/g)?.length ?? 0) - (line.match(/\\\}/g)?.length ?? 0);
      continue;
    }
    if (inTableSpec) {
      if (/\.\s*$/.test(line)) inTableSpec = false;
      continue;
    }
    const ctl = line[0] === "." || line[0] === "'";
    if (ctl) {
      const body = line.slice(1).trimStart();
      if (body.startsWith('\\"') || body === "") continue;
      const m = /^(\S+)\s*(.*)$/.exec(body);
      if (!m) continue;
      const name = m[1];
      const rest = m[2];
      if (name === "so" && sections.length === 0 && !cur) return { so: rest.trim(), sections: [] };
      if (name === "de" || name === "de1" || name === "am") {
        inDef = true;
        continue;
      }
      if (name === "if" || name === "ie" || name === "el" || name === "while") {
        const opens = (line.match(/\\\{/g)?.length ?? 0) - (line.match(/\\\}/g)?.length ?? 0);
        if (opens > 0) braceDepth = opens;
        continue;
      }
      if (name === "TS") {
        inTableSpec = true;
        // the options line (ending in `;`) comes before the format lines
        continue;
      }
      if (name === "TE" || name === "T{" || name === "T}") continue;
      if (name === "SH" || name === "Sh") {
        flush();
        const title = stripEscapes(macroArgs(rest).join(" ")).trim();
        cur = { title: title.toUpperCase(), parts: [] };
        pendingHeading = title === "";
        continue;
      }
      if (!cur) continue;
      if (DROP_REQUESTS.has(name)) continue;
      let text: string;
      if (name === "SS" || name === "Ss" || name === "B" || name === "I" || name === "SM" || name === "SB" || name === "IP" || name === "TP") {
        text = name === "IP" ? (macroArgs(rest)[0] ?? "") : macroArgs(rest).join(" ");
      } else if (/^(BR|RB|BI|IB|IR|RI)$/.test(name)) {
        text = macroArgs(rest).join("");
      } else if (name === "UR" || name === "MT") {
        text = "";
      } else if (name === "Nm") {
        // mdoc: the first `.Nm x` names the page; a bare `.Nm` prints that name
        const a = macroArgs(rest);
        const named = a.length > 0 && /^[A-Za-z0-9_]/.test(a[0]) && !MDOC_CALLABLE.has(a[0]);
        if (mdocName === "" && named) mdocName = a[0];
        text = named ? mdocLine(name, a) : `${mdocName} ${mdocLine(name, a)}`;
      } else if (/^[A-Z%][a-z0-9]{0,2}$/.test(name) || name === "D1" || name === "Dl") {
        text = mdocLine(name, macroArgs(rest));
      } else continue;
      const t = stripEscapes(text);
      if (pendingHeading) {
        cur.title = t.trim().toUpperCase();
        pendingHeading = false;
      } else cur.parts.push(t);
      continue;
    }
    if (!cur) continue;
    const t = stripEscapes(line.replace(/\t/g, " "));
    if (pendingHeading) {
      cur.title = t.trim().toUpperCase();
      pendingHeading = false;
    } else cur.parts.push(t);
  }
  flush();
  return { sections };
}

/** The text of the first section with one of these titles, or "". */
export function sectionText(page: RoffPage, ...titles: string[]): string {
  for (const s of page.sections) if (titles.includes(s.title)) return s.text;
  return "";
}

/**
 * Man page references `name(section)` in a text: the section starts with a digit or is `n`,
 * `l` (Tcl and local pages). Returns `[name, section]` pairs in order of appearance.
 */
export function manRefs(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([A-Za-z0-9_][\w.:+@\-\[\]]*)\s?\(([0-9][a-zA-Z0-9]*|n|l)\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let name = m[1].replace(/^[\-.]+|[\-.]+$/g, "");
    if (name === "") continue;
    out.push([name, m[2].toLowerCase()]);
  }
  return out;
}

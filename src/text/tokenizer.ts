/**
 * Unicode-aware tokenisation and n-gram generation for the TF-IDF vectorizers.
 *
 * Text is NFKC-normalised and (optionally) lower-cased. A word token is a maximal
 * run of letters, digits, combining marks and underscores (`[\p{L}\p{N}\p{M}_]+`);
 * everything else (spaces, punctuation, symbols, apostrophes, hyphens) separates
 * tokens. Han, Hiragana and Katakana characters (by Script_Extensions, so "ー" and "々"
 * count), which are written without spaces, become one token each (with any following
 * marks), as in BERT's basic tokenizer. Other scripts (Hangul, Thai, ...) keep whole runs.
 */

/** Joins the tokens of a word n-gram; it can never occur inside a token. */
export const NGRAM_SEP = "\u0001";

/** How text becomes n-grams. */
export type Analyzer = "word" | "char_wb" | "char";

/** Options shared by the tokenizer and the n-gram analyzers. */
export interface TokenizeOptions {
  /** Lower-case after NFKC normalisation (default true). */
  lowercase?: boolean;
  /** Keep only the first T tokens (for `char`: the first T space-separated words); 0 or absent: no limit. */
  truncateLength?: number;
}

/** Options of {@link analyze}. */
export interface AnalyzeOptions extends TokenizeOptions {
  analyzer: Analyzer;
  ngramMin: number;
  ngramMax: number;
}

const WORD_RE = /[\p{L}\p{N}\p{M}_]+/gu;
const CJK_TEST_RE = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]/u;
const CJK_SPLIT_RE = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]\p{M}*|[^\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]+/gu;
const ASCII_RE = /^[\x00-\x7f]*$/;
const SURROGATE_RE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPACES_RE = /\s+/g;

/** NFKC-normalise (skipped for pure ASCII, which NFKC leaves unchanged) and optionally lower-case. */
export function normalizeText(text: string, lowercase = true): string {
  const t = ASCII_RE.test(text) ? text : text.normalize("NFKC");
  return lowercase ? t.toLowerCase() : t;
}

/** Split normalised text into word tokens; see the module comment for what a token is. */
export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  const limit = opts.truncateLength && opts.truncateLength > 0 ? opts.truncateLength : Infinity;
  const lowercase = opts.lowercase ?? true;
  if (ASCII_RE.test(text)) return tokenizeAscii(lowercase ? text.toLowerCase() : text, limit);
  const t = normalizeText(text, lowercase);
  const out: string[] = [];
  WORD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (out.length < limit && (m = WORD_RE.exec(t)) !== null) {
    const run = m[0];
    if (run.charCodeAt(0) < 0x80 && ASCII_RE.test(run)) {
      out.push(run);
    } else if (CJK_TEST_RE.test(run)) {
      for (const piece of run.match(CJK_SPLIT_RE) ?? []) {
        if (out.length >= limit) break;
        out.push(piece);
      }
    } else {
      out.push(run);
    }
  }
  WORD_RE.lastIndex = 0;
  return out;
}

/** Fast path for ASCII text: runs of [A-Za-z0-9_]. */
function tokenizeAscii(t: string, limit: number): string[] {
  const out: string[] = [];
  const len = t.length;
  let start = -1;
  for (let i = 0; i < len; i++) {
    const c = t.charCodeAt(i);
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95;
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(t.substring(start, i));
      start = -1;
      if (out.length >= limit) return out;
    }
  }
  if (start >= 0) out.push(t.substring(start));
  return out;
}

/** Contiguous token windows of n = nMin..nMax tokens, joined by {@link NGRAM_SEP}; appended to `out`. */
export function wordNgrams(tokens: readonly string[], nMin: number, nMax: number, out: string[] = []): string[] {
  const len = tokens.length;
  for (let n = nMin; n <= nMax && n <= len; n++) {
    if (n === 1) {
      for (let i = 0; i < len; i++) out.push(tokens[i]);
      continue;
    }
    for (let i = 0; i + n <= len; i++) {
      let g = tokens[i];
      for (let j = 1; j < n; j++) g += NGRAM_SEP + tokens[i + j];
      out.push(g);
    }
  }
  return out;
}

/**
 * sklearn's `char_wb`: per token, code-point n-grams of " token " (one space of padding
 * each side). When n reaches the padded length the token contributes " token " once and
 * longer n are skipped. Appended to `out`.
 */
export function charWbNgrams(tokens: readonly string[], nMin: number, nMax: number, out: string[] = []): string[] {
  for (const tok of tokens) {
    const w = " " + tok + " ";
    if (!SURROGATE_RE.test(w)) {
      const wl = w.length;
      for (let n = nMin; n <= nMax; n++) {
        if (n >= wl) {
          out.push(w);
          break;
        }
        for (let i = 0; i + n <= wl; i++) out.push(w.substring(i, i + n));
      }
    } else {
      const cps = Array.from(w);
      const wl = cps.length;
      for (let n = nMin; n <= nMax; n++) {
        if (n >= wl) {
          out.push(w);
          break;
        }
        for (let i = 0; i + n <= wl; i++) out.push(cps.slice(i, i + n).join(""));
      }
    }
  }
  return out;
}

/**
 * Prepare text for the `char` analyzer: normalise, replace lone surrogates by U+FFFD,
 * collapse white-space runs to one space and trim; with truncateLength T keep the
 * first T space-separated words.
 */
export function prepareCharText(text: string, opts: TokenizeOptions = {}): string {
  let t = normalizeText(text, opts.lowercase ?? true).replace(LONE_SURROGATE_RE, "\uFFFD").replace(SPACES_RE, " ").trim();
  const limit = opts.truncateLength ?? 0;
  if (limit > 0) {
    let pos = -1;
    for (let k = 0; k < limit; k++) {
      pos = t.indexOf(" ", pos + 1);
      if (pos < 0) break;
    }
    if (pos >= 0) t = t.substring(0, pos);
  }
  return t;
}

/** Code-point n-grams (n = nMin..nMax) over a string prepared by {@link prepareCharText}; appended to `out`. */
export function charNgrams(text: string, nMin: number, nMax: number, out: string[] = []): string[] {
  if (!SURROGATE_RE.test(text)) {
    const len = text.length;
    for (let n = nMin; n <= nMax; n++) for (let i = 0; i + n <= len; i++) out.push(text.substring(i, i + n));
  } else {
    const cps = Array.from(text);
    const len = cps.length;
    for (let n = nMin; n <= nMax; n++) for (let i = 0; i + n <= len; i++) out.push(cps.slice(i, i + n).join(""));
  }
  return out;
}

/** Text → n-gram strings (with repeats, in order) for the given analyzer. */
export function analyze(text: string, opts: AnalyzeOptions): string[] {
  switch (opts.analyzer) {
    case "word":
      return wordNgrams(tokenize(text, opts), opts.ngramMin, opts.ngramMax);
    case "char_wb":
      return charWbNgrams(tokenize(text, opts), opts.ngramMin, opts.ngramMax);
    case "char":
      return charNgrams(prepareCharText(text, opts), opts.ngramMin, opts.ngramMax);
  }
}

/** A readable form of a feature string (word n-gram separators shown as spaces). */
export function displayNgram(g: string): string {
  return g.split(NGRAM_SEP).join(" ");
}

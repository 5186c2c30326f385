/** Hand-written number parsing on a substring, avoiding a slice per token in the fast path. */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parse the decimal number in `s[start, end)`; NaN when it is not one.
 * Plain decimals with at most 15 significant digits are computed exactly (m / 10^k is correctly
 * rounded); anything else (exponents, long mantissas) goes through Number().
 */
export function parseNum(s: string, start: number, end: number): number {
  let i = start;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && frac < 0) {
      frac = digits;
    } else {
      break;
    }
  }
  if (i === end && digits > 0 && digits <= 15) {
    const v = frac < 0 ? m : m / POW10[digits - frac];
    return neg ? -v : v;
  }
  const t = s.slice(start, end);
  return NUMBER_RE.test(t) ? Number(t) : NaN;
}

/** Parse the non-negative integer in `s[start, end)`; -1 when it is not one or exceeds 2^31 - 1. */
export function parseUint(s: string, start: number, end: number): number {
  if (end <= start || end - start > 10) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v > 0x7fffffff ? -1 : v;
}

/** True when `v` is finite and stays finite as a float32 (features are stored as float32). */
export function fitsFloat32(v: number): boolean {
  return Number.isFinite(Math.fround(v));
}

/** The error text for a value that overflows float32. */
export function overflowText(token: string): string {
  return `value "${token.length <= 60 ? token : `${token.slice(0, 60)}...`}" is out of range (features are 32-bit floats: at most 3.4e38 in magnitude)`;
}

/**
 * A self-contained SVG reliability diagram for the bins of
 * `expectedCalibrationError`: per bin a bar of the fraction of positives, the gap
 * to the bin's mean predicted probability shaded red, a dot at (mean probability,
 * fraction positive), the diagonal of perfect calibration, and below it a light
 * histogram of bin counts. No external fonts, scripts or styles.
 */
import type { CalibrationBin } from "./calibrate.js";

/** Options of `reliabilitySvg`. */
export interface ReliabilitySvgOptions {
  /** Title text; the ECE computed from the bins is appended. Default "Reliability diagram". */
  title?: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();
const f3 = (v: number): string => v.toFixed(3);

/**
 * Render a reliability diagram as an SVG document string (520 × 600 px). Each bin
 * becomes one `<g class="bin">` element (empty bins too, with no marks, so the
 * element count equals `bins.length`) carrying a `<title>` tooltip with its
 * numbers. The title shows ECE = Σ count/N · |fracPositive − meanProb| computed
 * from the bins.
 */
export function reliabilitySvg(bins: readonly CalibrationBin[], opts: ReliabilitySvgOptions = {}): string {
  const W = 520, H = 600;
  const L = 70, R = 30, T = 56, S = W - L - R; // plot square: [L, L+S] × [T, T+S]
  const hTop = T + S + 18, hH = 56; // histogram panel
  const X = (p: number): number => L + S * Math.min(1, Math.max(0, p));
  const Y = (p: number): number => T + S * (1 - Math.min(1, Math.max(0, p)));

  let total = 0, ece = 0, maxCount = 0;
  for (const b of bins) {
    total += b.count;
    maxCount = Math.max(maxCount, b.count);
  }
  for (const b of bins) if (b.count > 0 && total > 0) ece += (b.count / total) * Math.abs(b.fracPositive - b.meanProb);
  const title = `${opts.title ?? "Reliability diagram"} — ECE = ${ece.toFixed(4)}`;

  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">${esc(title)}</text>`);
  o.push(`<text x="${W / 2}" y="46" text-anchor="middle" font-size="11" fill="#666">N = ${total} predictions in ${bins.length} bins</text>`);

  // grid and ticks
  o.push(`<g stroke="#e6e6e6" stroke-width="1">`);
  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    o.push(`<line x1="${f1(X(v))}" y1="${T}" x2="${f1(X(v))}" y2="${hTop + hH}"/>`);
    o.push(`<line x1="${L}" y1="${f1(Y(v))}" x2="${L + S}" y2="${f1(Y(v))}"/>`);
  }
  o.push(`</g>`);
  o.push(`<g fill="#444" font-size="11">`);
  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    o.push(`<text x="${f1(X(v))}" y="${hTop + hH + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
    o.push(`<text x="${L - 8}" y="${f1(Y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  o.push(`</g>`);

  // bins
  for (const b of bins) {
    const tip = `[${f3(b.lo)}, ${f3(b.hi)}): count ${b.count}, mean probability ${f3(b.meanProb)}, fraction positive ${f3(b.fracPositive)}`;
    o.push(`<g class="bin" data-lo="${b.lo}" data-hi="${b.hi}" data-count="${b.count}"><title>${esc(tip)}</title>`);
    if (b.count > 0) {
      const x0 = X(b.lo) + 1, w = Math.max(1, X(b.hi) - X(b.lo) - 2);
      const yf = Y(b.fracPositive), ym = Y(b.meanProb);
      o.push(`<rect x="${f1(x0)}" y="${f1(yf)}" width="${f1(w)}" height="${f1(T + S - yf)}" fill="#4c78a8" fill-opacity="0.85"/>`);
      if (Math.abs(yf - ym) >= 0.5) {
        o.push(`<rect x="${f1(x0)}" y="${f1(Math.min(yf, ym))}" width="${f1(w)}" height="${f1(Math.abs(yf - ym))}" fill="#e45756" fill-opacity="0.3" stroke="#e45756" stroke-width="1"/>`);
      }
      o.push(`<circle cx="${f1(X(b.meanProb))}" cy="${f1(yf)}" r="3.5" fill="#222" stroke="#fff" stroke-width="1"/>`);
      const hh = maxCount > 0 ? Math.max(1, (hH * b.count) / maxCount) : 0;
      o.push(`<rect x="${f1(x0)}" y="${f1(hTop + hH - hh)}" width="${f1(w)}" height="${f1(hh)}" fill="#9e9e9e" fill-opacity="0.55"/>`);
    }
    o.push(`</g>`);
  }

  // diagonal, frames, axis labels
  o.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" stroke="#555" stroke-width="1.2" stroke-dasharray="5,4"/>`);
  o.push(`<rect x="${L}" y="${T}" width="${S}" height="${S}" fill="none" stroke="#333"/>`);
  o.push(`<rect x="${L}" y="${hTop}" width="${S}" height="${hH}" fill="none" stroke="#333"/>`);
  o.push(`<text x="${L + S / 2}" y="${H - 12}" text-anchor="middle" fill="#222">mean predicted probability</text>`);
  o.push(`<text transform="translate(20 ${T + S / 2}) rotate(-90)" text-anchor="middle" fill="#222">fraction positive</text>`);
  o.push(`<text transform="translate(20 ${hTop + hH / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#444">count</text>`);
  o.push(`<text x="${L - 8}" y="${hTop + 8}" text-anchor="end" font-size="10" fill="#666">${maxCount}</text>`);
  o.push(`<text x="${L - 8}" y="${hTop + hH}" text-anchor="end" font-size="10" fill="#666">0</text>`);

  // legend (top left of the plot: the region a reliability diagram rarely fills)
  const lx = L + 10, ly = T + 10;
  o.push(`<g font-size="11" fill="#222">`);
  o.push(`<rect x="${lx}" y="${ly}" width="182" height="72" fill="#ffffff" fill-opacity="0.9" stroke="#ccc"/>`);
  o.push(`<rect x="${lx + 8}" y="${ly + 8}" width="14" height="10" fill="#4c78a8" fill-opacity="0.85"/>`);
  o.push(`<text x="${lx + 28}" y="${ly + 17}">fraction positive</text>`);
  o.push(`<rect x="${lx + 8}" y="${ly + 24}" width="14" height="10" fill="#e45756" fill-opacity="0.3" stroke="#e45756"/>`);
  o.push(`<text x="${lx + 28}" y="${ly + 33}">gap to mean probability</text>`);
  o.push(`<circle cx="${lx + 15}" cy="${ly + 45}" r="3.5" fill="#222"/>`);
  o.push(`<text x="${lx + 28}" y="${ly + 49}">(mean prob., fraction pos.)</text>`);
  o.push(`<line x1="${lx + 6}" y1="${ly + 61}" x2="${lx + 24}" y2="${ly + 61}" stroke="#555" stroke-width="1.2" stroke-dasharray="5,4"/>`);
  o.push(`<text x="${lx + 28}" y="${ly + 65}">perfect calibration</text>`);
  o.push(`</g>`);
  o.push(`</svg>`);
  return o.join("\n") + "\n";
}

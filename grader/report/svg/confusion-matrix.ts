/**
 * A confusion matrix: one cell per (true, predicted) pair, diagonal cells (correct answers)
 * shaded green and off-diagonal ones (mistakes) red, each by its count relative to the
 * largest of its kind; the count is written in every non-zero cell. Row and column labels
 * come from data and are escaped.
 */
import { badColor, esc, fmtValue, goodColor, isDark, num, svgRoot, text, textWidth } from './svg-util';

export interface ConfusionMatrixOptions {
  labels: readonly string[];
  /** rows = true labels, columns = predicted; missing entries count as 0. */
  matrix: readonly (readonly number[])[];
  texts: { trueLabel: string; predicted: string; correct: string; wrong: string };
  label: string;
}

/** A count that fits a cell: 12345 → "12k" when the cell is narrow. */
function fmtCount(n: number, cell: number): string {
  const s = String(n);
  if (n < 1e6 && s.length * 6.5 <= cell - 4) return s;
  if (n < 999_500) return `${Math.round(n / 1e3)}k`;
  return fmtValue(n, 2);
}

/** A label shortened with "…" to about `px` pixels. */
function fit(label: string, px: number): string {
  const chars = [...label];
  if (textWidth(label) <= px) return label;
  const keep = Math.max(1, Math.floor(px / textWidth('m')) - 1);
  return chars.slice(0, keep).join('') + '…';
}

export function confusionMatrix(opts: ConfusionMatrixOptions): string {
  const n = opts.labels.length;
  const count = (r: number, c: number): number => {
    const v = opts.matrix[r]?.[c];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
  };
  const cell = Math.max(22, Math.min(36, Math.floor(400 / Math.max(1, n))));
  const labelW = Math.min(90, Math.max(14, ...opts.labels.map((l) => textWidth(l))));
  const left = 26 + labelW + 8;
  const top = 44;
  const size = cell * n;
  const width = left + size + 16;
  const height = top + size + 40;

  let maxDiag = 0;
  let maxOff = 0;
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      if (r === c) maxDiag = Math.max(maxDiag, count(r, c));
      else maxOff = Math.max(maxOff, count(r, c));
    }

  const parts: string[] = [];
  parts.push(text(left + size / 2, 14, opts.texts.predicted, { class: 'fig-axis-title', 'text-anchor': 'middle' }));
  const ty = top + size / 2;
  parts.push(`<text class="fig-axis-title" text-anchor="middle" x="12" y="${num(ty)}" transform="rotate(-90 12 ${num(ty)})">${esc(opts.texts.trueLabel)}</text>`);
  opts.labels.forEach((l, i) => {
    parts.push(text(left + i * cell + cell / 2, top - 8, fit(l, cell - 2), { class: 'fig-tick', 'text-anchor': 'middle' }));
    parts.push(text(left - 6, top + i * cell + cell / 2 + 4, fit(l, labelW), { class: 'fig-tick', 'text-anchor': 'end' }));
  });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = count(r, c);
      const diag = r === c;
      const max = diag ? maxDiag : maxOff;
      // sqrt: a handful of mistakes still shows beside hundreds.
      const fill = v === 0 ? '#ffffff' : diag ? goodColor(0.2 + 0.8 * Math.sqrt(v / max)) : badColor(0.2 + 0.8 * Math.sqrt(v / max));
      const x = left + c * cell;
      const y = top + r * cell;
      const tip = `${opts.labels[r]} → ${opts.labels[c]}: ${v}`;
      parts.push(
        `<rect class="fig-cell ${diag ? 'fig-cell-diag' : 'fig-cell-off'}" fill="${fill}" x="${num(x)}" y="${num(y)}" width="${num(cell)}" height="${num(cell)}"><title>${esc(tip)}</title></rect>`,
      );
      if (v > 0) {
        parts.push(text(x + cell / 2, y + cell / 2 + 4, fmtCount(v, cell), { class: isDark(fill) ? 'fig-count fig-on-dark' : 'fig-count', 'text-anchor': 'middle' }));
      }
    }
  }
  parts.push(`<rect class="fig-cm-frame" x="${num(left)}" y="${num(top)}" width="${num(size)}" height="${num(size)}"/>`);
  // A two-entry key: green = correct, red = wrong.
  const ky = top + size + 22;
  parts.push(`<rect class="fig-key" fill="${goodColor(0.7)}" x="${num(left)}" y="${num(ky - 9)}" width="12" height="12"/>`);
  parts.push(text(left + 17, ky + 1, opts.texts.correct, { class: 'fig-tick' }));
  const kx = left + 17 + textWidth(opts.texts.correct) + 18;
  parts.push(`<rect class="fig-key" fill="${badColor(0.7)}" x="${num(kx)}" y="${num(ky - 9)}" width="12" height="12"/>`);
  parts.push(text(kx + 17, ky + 1, opts.texts.wrong, { class: 'fig-tick' }));
  return svgRoot(width, height, opts.label, parts.join(''), 'fig-chart');
}

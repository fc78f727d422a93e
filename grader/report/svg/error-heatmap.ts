/**
 * A map of the relative error of each entry of a 2-D tensor (or a 2-D view of one): cells
 * coloured on a log scale from light yellow (small) to dark red (large), exact zeros in the
 * lightest colour, missing values grey; a vertical legend with the decades.
 */
import { errorColor, esc, fmtValue, linear, num, powerOfTen, svgRoot, text, textWidth } from './svg-util';

export { powerOfTen };

export interface ErrorHeatmapOptions {
  rows: number;
  cols: number;
  /** Row-major; missing entries (beyond the end) are drawn as missing. */
  values: readonly (number | null)[];
  texts: { row: string; column: string; noValue: string; title: string };
  label: string;
}

/** The decade range [e0, e1] of the positive values (at most 12 decades, ending at the largest). */
export function errorScale(values: readonly (number | null)[]): { e0: number; e1: number } {
  const pos = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v !== 0).map(Math.abs);
  if (!pos.length) return { e0: -6, e1: 0 };
  let e1 = Math.ceil(Math.log10(Math.max(...pos)) - 1e-9);
  let e0 = Math.floor(Math.log10(Math.max(1e-300, Math.min(...pos))) + 1e-9);
  e1 = Math.max(-300, Math.min(300, e1));
  e0 = Math.max(e1 - 12, Math.min(e0, e1 - 1));
  return { e0, e1 };
}

export function errorHeatmap(opts: ErrorHeatmapOptions): string {
  const rows = Math.max(1, Math.floor(opts.rows));
  const cols = Math.max(1, Math.floor(opts.cols));
  const cell = Math.max(8, Math.min(24, Math.floor(320 / Math.max(rows, cols))));
  const left = 44;
  const top = 36;
  const w = cols * cell;
  const h = rows * cell;
  const { e0, e1 } = errorScale(opts.values);
  const tOf = linear(e0, e1, 0, 1);
  const colorOf = (v: number | null | undefined): string | undefined => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    if (v === 0) return errorColor(0);
    return errorColor(tOf(Math.log10(Math.abs(v))));
  };

  const parts: string[] = [];
  parts.push(text(left, 14, opts.texts.title, { class: 'fig-axis-title' }));
  parts.push(text(left + w / 2, top - 6, opts.texts.column, { class: 'fig-tick', 'text-anchor': 'middle' }));
  const ty = top + h / 2;
  parts.push(`<text class="fig-tick" text-anchor="middle" x="12" y="${num(ty)}" transform="rotate(-90 12 ${num(ty)})">${esc(opts.texts.row)}</text>`);
  // Index labels every few cells.
  const every = Math.max(1, Math.ceil(18 / cell));
  for (let c = 0; c < cols; c += every) parts.push(text(left + c * cell + cell / 2, top + h + 13, String(c), { class: 'fig-tick fig-small', 'text-anchor': 'middle' }));
  for (let r = 0; r < rows; r += every) parts.push(text(left - 4, top + r * cell + cell / 2 + 3, String(r), { class: 'fig-tick fig-small', 'text-anchor': 'end' }));

  let missing = false;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = opts.values[r * cols + c];
      const fill = colorOf(v);
      const x = left + c * cell;
      const y = top + r * cell;
      if (fill === undefined) missing = true;
      const tip = `[${r}, ${c}]: ${fill === undefined ? opts.texts.noValue : fmtValue(v as number, 3)}`;
      parts.push(
        `<rect class="fig-hm-cell${fill === undefined ? ' fig-na' : ''}"${fill === undefined ? '' : ` fill="${fill}"`} x="${num(x)}" y="${num(y)}" width="${num(cell)}" height="${num(cell)}"><title>${esc(tip)}</title></rect>`,
      );
    }
  }
  parts.push(`<rect class="fig-cm-frame" x="${num(left)}" y="${num(top)}" width="${num(w)}" height="${num(h)}"/>`);

  // Legend: a vertical colour bar, large errors at the top.
  const lx = left + w + 18;
  const barH = Math.max(100, Math.min(180, h));
  const steps = 24;
  for (let i = 0; i < steps; i++) {
    const y = top + (barH * i) / steps;
    parts.push(`<rect class="fig-legend-step" fill="${errorColor(1 - (i + 0.5) / steps)}" x="${num(lx)}" y="${num(y)}" width="12" height="${num(barH / steps + 0.5)}"/>`);
  }
  parts.push(`<rect class="fig-cm-frame" x="${num(lx)}" y="${num(top)}" width="12" height="${num(barH)}"/>`);
  const decades = e1 - e0;
  const step = Math.max(1, Math.ceil(decades / 6));
  const yOf = linear(e0, e1, top + barH, top);
  for (let e = e1; e >= e0; e -= step) {
    parts.push(`<line class="fig-axis" x1="${num(lx + 12)}" y1="${num(yOf(e))}" x2="${num(lx + 16)}" y2="${num(yOf(e))}"/>`);
    parts.push(text(lx + 19, yOf(e) + 4, powerOfTen(e), { class: 'fig-tick' }));
  }
  let height = top + Math.max(h + 18, barH + 8);
  if (missing) {
    const my = top + barH + 14;
    parts.push(`<rect class="fig-hm-cell fig-na" x="${num(lx)}" y="${num(my)}" width="12" height="12"/>`);
    parts.push(text(lx + 17, my + 10, opts.texts.noValue, { class: 'fig-tick' }));
    height = Math.max(height, my + 20);
  }
  const width = Math.ceil(
    Math.max(lx + 19 + textWidth(powerOfTen(e0)) + 8, missing ? lx + 17 + textWidth(opts.texts.noValue) + 8 : 0, left + textWidth(opts.texts.title) + 8),
  );
  return svgRoot(width, height, opts.label, parts.join(''), 'fig-chart');
}

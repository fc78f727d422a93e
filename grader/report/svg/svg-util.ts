/**
 * Small helpers shared by the SVG charts: escaping, deterministic coordinates, axis ticks,
 * colour scales and the outer <svg> element.
 *
 * Every number that reaches an SVG attribute goes through `num` (fixed decimals, clamped,
 * never NaN or Infinity), and every string through `esc`, so the output depends only on the
 * data and is always well-formed.
 */

import type { SeriesRole } from '../figures';

/** Escapes text for HTML/XML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The largest magnitude a coordinate may have; anything beyond is clamped. */
export const COORD_LIMIT = 100_000;

/**
 * A coordinate (or any SVG length) with fixed decimals, trailing zeros trimmed:
 * deterministic, clamped to ±COORD_LIMIT, and 0 for a non-finite input.
 */
export function num(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return '0';
  const clamped = Math.max(-COORD_LIMIT, Math.min(COORD_LIMIT, x));
  let s = clamped.toFixed(decimals);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** Clamps to [lo, hi]; a NaN becomes lo. */
export function clamp(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return lo;
  return Math.max(lo, Math.min(hi, x));
}

/** Data values are clamped to this magnitude before any scale arithmetic (keeps spans finite). */
export const VALUE_LIMIT = 1e150;

/** A data value made safe for arithmetic: clamped to ±VALUE_LIMIT, non-finite → undefined. */
export function safeValue(v: number | null | undefined): number | undefined {
  if (v === null || v === undefined || !Number.isFinite(v)) return undefined;
  return clamp(v, -VALUE_LIMIT, VALUE_LIMIT);
}

/**
 * A number for people to read (tick labels, table cells): up to `precision` significant
 * digits, exponent notation for very large or very small magnitudes; never "NaN".
 */
export function fmtValue(v: number | null | undefined, precision = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1e5 || a < 1e-3) {
    s = v.toExponential(Math.max(0, precision - 1));
    // 1.500e-7 → 1.5e-7
    s = s.replace(/\.?0+e/, 'e').replace('e+', 'e');
  } else {
    s = String(Number(v.toPrecision(precision)));
  }
  return s.replace(/^-/, '−');
}

/** A tick label for a value on an axis whose ticks are `step` apart. */
export function fmtTick(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-9) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return fmtValue(v, 3);
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals).replace(/^-/, '−');
}

/** "Nice" linear ticks (steps of 1, 2 or 5 × 10^k) covering [lo, hi]; about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; lo: number; hi: number; step: number } {
  let a = safeValue(lo) ?? 0;
  let b = safeValue(hi) ?? 1;
  if (a > b) [a, b] = [b, a];
  if (b - a < Math.max(Math.abs(a), Math.abs(b)) * 1e-12 || b === a) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    a -= pad;
    b += pad;
  }
  let raw = (b - a) / Math.max(1, count);
  if (!(raw > 1e-290) || !Number.isFinite(raw)) {
    // A span too small to divide (denormals): show a unit around the value instead.
    a -= 1;
    b += 1;
    raw = (b - a) / Math.max(1, count);
  }
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const first = Math.floor(a / step + 1e-9);
  const last = Math.ceil(b / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last && ticks.length < 50; k++) ticks.push(k * step);
  return { ticks, lo: first * step, hi: last * step, step };
}

/** Integer ticks (epochs): a nice step of at least 1. */
export function integerTicks(lo: number, hi: number, count = 8): { ticks: number[]; step: number } {
  const span = Math.max(1, hi - lo);
  const nice = niceTicks(0, span, count);
  const step = Math.max(1, Math.round(nice.step));
  const ticks: number[] = [];
  const start = Math.ceil(lo / step) * step;
  for (let t = start; t <= hi && ticks.length < 50; t += step) ticks.push(t);
  // The first value gets a tick of its own unless it would crowd the next one.
  if (step > 1 && lo % step !== 0 && (ticks.length === 0 || ticks[0] - lo >= 0.75 * step)) ticks.unshift(lo);
  return { ticks, step };
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10 to the power e, written with superscripts: 10⁻⁶. */
export function powerOfTen(e: number): string {
  return `10${String(e).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c] ?? c)}`;
}

/** The smallest positive value a log axis shows; smaller ones are clamped to it. */
export const LOG_FLOOR = 1e-300;

/**
 * Ticks for a log axis over [lo, hi] (both > 0): decades, plus 2 and 5 × when it spans few
 * decades. The axis bounds come back as exponents (e0, e1: the axis runs 10^e0 … 10^e1).
 */
export function logTicks(lo: number, hi: number): { ticks: number[]; e0: number; e1: number } {
  const e0 = Math.floor(Math.log10(Math.max(LOG_FLOOR, lo)) + 1e-9);
  let e1 = Math.ceil(Math.log10(Math.max(LOG_FLOOR, hi)) - 1e-9);
  if (e1 <= e0) e1 = e0 + 1;
  const decades = e1 - e0;
  const every = Math.ceil(decades / 8);
  const ticks: number[] = [];
  for (let e = e0; e <= e1; e++) {
    if ((e - e0) % every !== 0) continue;
    ticks.push(Math.pow(10, e));
    if (decades <= 2 && e < e1) ticks.push(2 * Math.pow(10, e), 5 * Math.pow(10, e));
  }
  return { ticks, e0, e1 };
}

/** A linear map from a domain to a range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  if (!Number.isFinite(span) || span === 0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

type Rgb = [number, number, number];

function hex(c: string): Rgb {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

function toHex([r, g, b]: Rgb): string {
  const h = (x: number) => Math.round(clamp(x, 0, 255)).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** A colour scale through the given stops; t in [0, 1] (clamped). */
export function colorScale(stops: readonly string[]): (t: number) => string {
  const rgb = stops.map(hex);
  return (t) => {
    const x = clamp(t, 0, 1) * (rgb.length - 1);
    const i = Math.min(rgb.length - 2, Math.floor(x));
    const f = x - i;
    const a = rgb[i];
    const b = rgb[i + 1];
    return toHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
  };
}

/** Light yellow → orange → dark red: errors (reads on white and in grayscale print). */
export const errorColor = colorScale(['#fff7bc', '#fec44f', '#f03b20', '#99000d', '#4a0008']);
/** White → dark green: counts of correct answers. */
export const goodColor = colorScale(['#f7fcf5', '#a1d99b', '#31a354', '#00441b']);
/** White → dark red: counts of wrong answers. */
export const badColor = colorScale(['#fff5f0', '#fcae91', '#de2d26', '#67000d']);
/** Contour levels, dark purple (low) → teal → olive (high); every stop reads on white. */
export const levelColor = colorScale(['#3b0f70', '#2c5f9e', '#1f8a84', '#4d9a3a', '#a08a00']);

/** Whether white text reads better than dark text on this fill. */
export function isDark(fill: string): boolean {
  const [r, g, b] = hex(fill);
  return 0.299 * r + 0.587 * g + 0.114 * b < 140;
}

/** The outer element of every chart: sized by viewBox, labelled for screen readers. */
export function svgRoot(width: number, height: number, label: string, body: string, cls = ''): string {
  const c = cls ? ` class="${esc(cls)}"` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${c} role="img" aria-label="${esc(label)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" width="${num(width)}" height="${num(height)}">` +
    `<title>${esc(label)}</title>${body}</svg>`
  );
}

/** A text element; `text` is escaped. */
export function text(x: number, y: number, content: string, attrs: Record<string, string> = {}): string {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  return `<text x="${num(x)}" y="${num(y)}"${extra}>${esc(content)}</text>`;
}

/** The visual style of a series, by role. */
export interface SeriesStyle {
  /** CSS class suffix, e.g. `student` → `fig-s-student`. */
  cls: string;
  marker: 'circle' | 'square' | 'triangle' | 'diamond';
}

/** A marker shape centred on (x, y); r is its half-size; `tip` becomes a hover <title>. */
export function marker(shape: SeriesStyle['marker'], x: number, y: number, r: number, cls: string, tip?: string): string {
  let tag: string;
  let attrs: string;
  switch (shape) {
    case 'circle':
      tag = 'circle';
      attrs = `cx="${num(x)}" cy="${num(y)}" r="${num(r)}"`;
      break;
    case 'square':
      tag = 'rect';
      attrs = `x="${num(x - r)}" y="${num(y - r)}" width="${num(2 * r)}" height="${num(2 * r)}"`;
      break;
    case 'triangle':
      tag = 'path';
      attrs = `d="M${num(x)} ${num(y - r * 1.2)}L${num(x + r * 1.1)} ${num(y + r * 0.8)}L${num(x - r * 1.1)} ${num(y + r * 0.8)}Z"`;
      break;
    case 'diamond':
      tag = 'path';
      attrs = `d="M${num(x)} ${num(y - r * 1.3)}L${num(x + r * 1.1)} ${num(y)}L${num(x)} ${num(y + r * 1.3)}L${num(x - r * 1.1)} ${num(y)}Z"`;
      break;
  }
  const open = `<${tag} class="${esc(cls)}" ${attrs}`;
  return tip === undefined ? `${open}/>` : `${open}><title>${esc(tip)}</title></${tag}>`;
}

/** A five-pointed star centred on (x, y) with outer radius r. */
export function star(x: number, y: number, r: number, cls: string): string {
  const pts: string[] = [];
  for (let k = 0; k < 10; k++) {
    const rad = k % 2 === 0 ? r : r * 0.45;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    pts.push(`${num(x + rad * Math.cos(a))},${num(y + rad * Math.sin(a))}`);
  }
  return `<polygon class="${cls}" points="${pts.join(' ')}"/>`;
}

/** How each role is drawn: its CSS class (colour, dash) and its marker shape. */
export const ROLE_STYLE: Record<SeriesRole, SeriesStyle> = {
  student: { cls: 'student', marker: 'circle' },
  reference: { cls: 'reference', marker: 'square' },
  'student-noisy': { cls: 'student-noisy', marker: 'triangle' },
  'reference-noisy': { cls: 'reference-noisy', marker: 'diamond' },
};

/** Draw order: references behind, the student's on top. */
export const ROLE_ORDER: readonly SeriesRole[] = ['reference', 'reference-noisy', 'student-noisy', 'student'];

/** Legend order: the student's first, each noisy variant after its clean one. */
export const LEGEND_ORDER: readonly SeriesRole[] = ['student', 'reference', 'student-noisy', 'reference-noisy'];

/** Sorts by role in the given order (stable). */
export function byRole<T extends { role: SeriesRole }>(items: readonly T[], order: readonly SeriesRole[]): T[] {
  return [...items].sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
}

/** A rough width of a label in the figures' 11 px sans-serif font. */
export function textWidth(label: string, fontPx = 11): number {
  return [...label].length * fontPx * 0.6;
}

export interface LegendEntry {
  label: string;
  /** SVG drawn in a 24 × 12 box whose left-centre is (0, 0). */
  swatch: string;
}

/**
 * A horizontal legend starting at (x, y) (y is the middle of the first row), wrapping at
 * `maxWidth`. Returns the SVG and its height.
 */
export function legend(entries: readonly LegendEntry[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  const rowH = 18;
  let cx = 0;
  let row = 0;
  const parts: string[] = [];
  for (const e of entries) {
    const w = 30 + textWidth(e.label) + 18;
    if (cx > 0 && cx + w > maxWidth) {
      cx = 0;
      row++;
    }
    const ex = x + cx;
    const ey = y + row * rowH;
    parts.push(`<g class="fig-legend-entry" transform="translate(${num(ex)} ${num(ey)})">${e.swatch}${text(30, 4, e.label)}</g>`);
    cx += w;
  }
  return { svg: `<g class="fig-legend">${parts.join('')}</g>`, height: (row + 1) * rowH };
}

/** The legend swatch of a series: a short line, with its marker unless `withMarker` is false. */
export function seriesSwatch(role: SeriesRole, withMarker = true): string {
  const st = ROLE_STYLE[role];
  const l = `<line class="fig-line fig-s-${st.cls}" x1="0" y1="0" x2="24" y2="0"/>`;
  return withMarker ? l + marker(st.marker, 12, 0, 3.5, `fig-pt fig-s-${st.cls}`) : l;
}

/** A rectangle in SVG user units. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One axis: tick positions in pixels (along the axis) with their labels, and a title. */
export interface AxisSpec {
  ticks: { pos: number; label: string }[];
  title: string;
}

/** The widest tick label of an axis, in pixels. */
export function maxLabelWidth(axis: AxisSpec): number {
  return Math.max(0, ...axis.ticks.map((t) => textWidth(t.label)));
}

/**
 * Axes on the left and bottom of a plot box: tick marks, tick labels, light grid lines and
 * the titles (the y title rotated, placed left of the widest tick label).
 */
export function axesFrame(plot: Box, xAxis: AxisSpec, yAxis: AxisSpec, opts: { grid?: boolean } = {}): string {
  const parts: string[] = [];
  const bottom = plot.y + plot.h;
  const grid = opts.grid ?? true;
  if (grid) {
    for (const t of yAxis.ticks) {
      parts.push(`<line class="fig-grid" x1="${num(plot.x)}" y1="${num(t.pos)}" x2="${num(plot.x + plot.w)}" y2="${num(t.pos)}"/>`);
    }
  }
  parts.push(`<line class="fig-axis" x1="${num(plot.x)}" y1="${num(bottom)}" x2="${num(plot.x + plot.w)}" y2="${num(bottom)}"/>`);
  parts.push(`<line class="fig-axis" x1="${num(plot.x)}" y1="${num(plot.y)}" x2="${num(plot.x)}" y2="${num(bottom)}"/>`);
  for (const t of xAxis.ticks) {
    parts.push(`<line class="fig-axis" x1="${num(t.pos)}" y1="${num(bottom)}" x2="${num(t.pos)}" y2="${num(bottom + 4)}"/>`);
    parts.push(text(t.pos, bottom + 16, t.label, { class: 'fig-tick', 'text-anchor': 'middle' }));
  }
  for (const t of yAxis.ticks) {
    parts.push(`<line class="fig-axis" x1="${num(plot.x - 4)}" y1="${num(t.pos)}" x2="${num(plot.x)}" y2="${num(t.pos)}"/>`);
    parts.push(text(plot.x - 7, t.pos + 4, t.label, { class: 'fig-tick', 'text-anchor': 'end' }));
  }
  parts.push(text(plot.x + plot.w / 2, bottom + 34, xAxis.title, { class: 'fig-axis-title', 'text-anchor': 'middle' }));
  const ty = plot.y + plot.h / 2;
  const tx = plot.x - maxLabelWidth(yAxis) - 18;
  parts.push(
    `<text class="fig-axis-title" text-anchor="middle" x="${num(tx)}" y="${num(ty)}" transform="rotate(-90 ${num(tx)} ${num(ty)})">${esc(yAxis.title)}</text>`,
  );
  return parts.join('');
}

/**
 * A measured value against the bands that give points: a horizontal bar split at the band
 * thresholds, each stretch shaded (and labelled) by the points it gives, the thresholds
 * marked below the bar, the student's value as a marker above it and the reference value,
 * when known, as a dashed line with its label below.
 */
import {
  badColor,
  clamp,
  esc,
  fmtValue,
  goodColor,
  isDark,
  linear,
  num,
  safeValue,
  svgRoot,
  text,
  textWidth,
} from './svg-util';

export interface BandsChartOptions {
  value: number | null;
  better: 'higher' | 'lower';
  bands: readonly { threshold: number; points: number }[];
  reference?: number;
  /** Hard limits of the scale (accuracy: [0, 1]; errors: [0, ∞)). */
  limits?: readonly [number | undefined, number | undefined];
  texts: {
    /** The axis title (the metric). */
    metric: string;
    direction: string;
    yourValue: string;
    reference: string;
    noValue: string;
    offScale: string;
    points: (n: number) => string;
  };
  label: string;
  width?: number;
}

/** The points a value earns: the best band it passes, 0 when it passes none. */
export function pointsFor(value: number, better: 'higher' | 'lower', bands: readonly { threshold: number; points: number }[]): number {
  let best = 0;
  for (const b of bands) {
    const passes = better === 'higher' ? value >= b.threshold : value <= b.threshold;
    if (passes) best = Math.max(best, b.points);
  }
  return best;
}

export function bandsChart(opts: BandsChartOptions): string {
  const width = opts.width ?? 560;
  const marginX = 24;
  const barY = 62;
  const barH = 24;
  const t = opts.texts;
  const bands = opts.bands
    .map((b) => ({ threshold: safeValue(b.threshold) ?? 0, points: safeValue(b.points) ?? 0 }))
    .sort((a, b) => a.threshold - b.threshold);
  const reference = safeValue(opts.reference);
  const value = safeValue(opts.value);

  // The scale: the thresholds and the reference, padded; the value joins unless it is far off.
  const core = [...bands.map((b) => b.threshold), ...(reference === undefined ? [] : [reference])];
  let lo = Math.min(...core);
  let hi = Math.max(...core);
  let spread = hi - lo;
  if (!(spread > 0)) spread = Math.abs(lo) > 0 ? Math.abs(lo) * 0.2 : 0.1;
  if (value !== undefined && value >= lo - 3 * spread && value <= hi + 3 * spread) {
    lo = Math.min(lo, value);
    hi = Math.max(hi, value);
    spread = Math.max(spread, hi - lo);
  }
  lo -= spread * 0.2;
  hi += spread * 0.2;
  const [limLo, limHi] = opts.limits ?? [undefined, undefined];
  if (limLo !== undefined) lo = Math.max(lo, limLo);
  if (limHi !== undefined) hi = Math.min(hi, limHi);
  if (!(hi > lo)) hi = lo + spread;
  const x = linear(lo, hi, marginX, width - marginX);

  const parts: string[] = [];
  parts.push(text(marginX, 16, t.metric, { class: 'fig-axis-title' }));
  parts.push(text(width - marginX, 16, t.direction, { class: 'fig-note-text', 'text-anchor': 'end' }));

  // The stretches between thresholds, shaded by the points they give.
  const maxPoints = Math.max(0, ...bands.map((b) => b.points));
  const edges = [lo, ...bands.map((b) => clamp(b.threshold, lo, hi)), hi];
  for (let i = 0; i + 1 < edges.length; i++) {
    const a = edges[i];
    const b = edges[i + 1];
    if (!(b > a)) continue;
    const pts = pointsFor((a + b) / 2, opts.better, bands);
    const fill = pts > 0 && maxPoints > 0 ? goodColor(0.15 + 0.6 * (pts / maxPoints)) : badColor(0.12);
    const x0 = x(a);
    const x1 = x(b);
    parts.push(
      `<rect class="fig-band" fill="${fill}" x="${num(x0)}" y="${num(barY)}" width="${num(x1 - x0)}" height="${num(barH)}"><title>${esc(t.points(pts))}</title></rect>`,
    );
    const label = t.points(pts);
    if (x1 - x0 >= textWidth(label) + 8) {
      parts.push(text((x0 + x1) / 2, barY + barH / 2 + 4, label, { class: isDark(fill) ? 'fig-band-label fig-on-dark' : 'fig-band-label', 'text-anchor': 'middle' }));
    }
  }
  parts.push(`<rect class="fig-band-frame" x="${num(x(lo))}" y="${num(barY)}" width="${num(x(hi) - x(lo))}" height="${num(barH)}"/>`);

  // Threshold ticks and labels; a label that would overlap the previous one drops a row.
  const rowEnds = [-Infinity, -Infinity];
  for (const b of bands) {
    if (b.threshold < lo || b.threshold > hi) continue;
    const bx = x(b.threshold);
    parts.push(`<line class="fig-threshold" x1="${num(bx)}" y1="${num(barY - 3)}" x2="${num(bx)}" y2="${num(barY + barH + 5)}"/>`);
    const label = fmtValue(b.threshold, 4);
    const w = textWidth(label);
    const row = bx - w / 2 > rowEnds[0] + 4 ? 0 : 1;
    rowEnds[row] = bx + w / 2;
    parts.push(text(bx, barY + barH + 17 + row * 12, label, { class: 'fig-tick', 'text-anchor': 'middle' }));
  }

  const anchorAt = (px: number, w: number): { x: number; anchor: string } => {
    if (px - w / 2 < 4) return { x: Math.max(4, px - 6), anchor: 'start' };
    if (px + w / 2 > width - 4) return { x: Math.min(width - 4, px + 6), anchor: 'end' };
    return { x: px, anchor: 'middle' };
  };

  // The reference: a grey triangle under the bar with a dashed leader to its label below the
  // threshold labels (kept out of the bar, where it would cross the points labels).
  if (reference !== undefined) {
    const rx = x(clamp(reference, lo, hi));
    const by = barY + barH;
    parts.push(`<line class="fig-ref-line" x1="${num(rx)}" y1="${num(by + 6)}" x2="${num(rx)}" y2="${num(by + 32)}"/>`);
    parts.push(`<path class="fig-ref-marker" d="M${num(rx)} ${num(by)}L${num(rx + 5)} ${num(by + 8)}L${num(rx - 5)} ${num(by + 8)}Z"/>`);
    const label = `${t.reference}: ${fmtValue(reference, 4)}`;
    const a = anchorAt(rx, textWidth(label));
    parts.push(text(a.x, barY + barH + 44, label, { class: 'fig-ref-label', 'text-anchor': a.anchor }));
  }

  // The student's value: a marker above the bar with its value and points.
  if (value === undefined) {
    parts.push(text(width / 2, barY - 14, t.noValue, { class: 'fig-value-label fig-missing', 'text-anchor': 'middle' }));
  } else {
    const off = value < lo ? -1 : value > hi ? 1 : 0;
    const vx = x(clamp(value, lo, hi));
    parts.push(`<line class="fig-value-line" x1="${num(vx)}" y1="${num(barY - 4)}" x2="${num(vx)}" y2="${num(barY + barH + 4)}"/>`);
    if (off === 0) {
      parts.push(`<path class="fig-value-marker" d="M${num(vx - 7)} ${num(barY - 14)}L${num(vx + 7)} ${num(barY - 14)}L${num(vx)} ${num(barY - 3)}Z"/>`);
    } else {
      // Off the scale: an arrow pointing outwards at the edge.
      const tip = vx + off * 4;
      parts.push(`<path class="fig-value-marker" d="M${num(tip)} ${num(barY - 9)}L${num(tip - off * 12)} ${num(barY - 16)}L${num(tip - off * 12)} ${num(barY - 2)}Z"/>`);
    }
    const pts = pointsFor(value, opts.better, bands);
    const label = `${t.yourValue}: ${fmtValue(value, 4)} → ${t.points(pts)}${off === 0 ? '' : ` (${t.offScale})`}`;
    const a = anchorAt(vx, textWidth(label, 12));
    parts.push(text(a.x, barY - 20, label, { class: 'fig-value-label', 'text-anchor': a.anchor }));
  }
  const height = barY + barH + (reference !== undefined ? 52 : 34);
  return svgRoot(width, height, opts.label, parts.join(''), 'fig-chart');
}

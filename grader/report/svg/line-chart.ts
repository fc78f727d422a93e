/**
 * A value per epoch for one or more series (the student's training loss against the
 * reference's): solid/dashed lines by role, a marker per value, gaps where a value is null,
 * axes with ticks and titles, a legend above the plot. A log y axis is used when every value
 * is positive and they span more than two orders of magnitude.
 */
import type { SeriesRole } from '../figures';
import {
  LEGEND_ORDER,
  ROLE_ORDER,
  byRole,
  ROLE_STYLE,
  axesFrame,
  fmtTick,
  fmtValue,
  integerTicks,
  legend,
  linear,
  LOG_FLOOR,
  logTicks,
  marker,
  maxLabelWidth,
  niceTicks,
  num,
  powerOfTen,
  safeValue,
  seriesSwatch,
  svgRoot,
  text,
  type AxisSpec,
} from './svg-util';

export interface LineSeries {
  role: SeriesRole;
  /** The legend entry. */
  name: string;
  values: readonly (number | null)[];
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  xTitle: string;
  yTitle: string;
  /** Appended to the y title when the y axis is logarithmic. */
  logNote: string;
  /** Shown in the plot when no series has a value. */
  noData: string;
  /** The accessible name of the chart (aria-label and <title>). */
  label: string;
  /** The x value of values[0] (default 1: epochs count from 1). */
  firstX?: number;
  width?: number;
  height?: number;
}

/** Markers are drawn on every value up to this many values per series; beyond, only lone values. */
const MAX_MARKED = 60;

export function lineChart(opts: LineChartOptions): string {
  const width = opts.width ?? 560;
  const height = opts.height ?? 320;
  const firstX = opts.firstX ?? 1;
  const series = byRole(opts.series, ROLE_ORDER);
  const clean = series.map((s) => ({ ...s, values: s.values.map((v) => safeValue(v)) }));
  const all = clean.flatMap((s) => s.values.filter((v): v is number => v !== undefined));
  const n = Math.max(1, ...clean.map((s) => s.values.length));

  const positive = all.length > 0 && all.every((v) => v > 0);
  const lo = all.length ? Math.min(...all) : 0;
  const hi = all.length ? Math.max(...all) : 1;
  const useLog = positive && hi / Math.max(lo, LOG_FLOOR) > 100;

  // The legend sits above the plot, the student's series first.
  const leg = legend(
    byRole(opts.series, LEGEND_ORDER).map((s) => ({ label: s.name, swatch: seriesSwatch(s.role) })),
    0,
    0,
    width - 80,
  );

  let yTicks: number[];
  let yMap: (v: number) => number;
  let yLabels: string[];
  const top = 12 + leg.height;
  const bottomMargin = 46;
  const plotH = height - top - bottomMargin;
  if (useLog) {
    const lt = logTicks(lo, hi);
    const m = linear(lt.e0, lt.e1, top + plotH, top);
    yMap = (v) => m(Math.log10(Math.max(LOG_FLOOR, v)));
    yTicks = lt.ticks;
    // Decades as 10ⁿ once the values span more than a few of them; plain numbers otherwise.
    yLabels = yTicks.map((t) => (lt.e1 - lt.e0 > 4 ? powerOfTen(Math.round(Math.log10(t))) : fmtValue(t, 2)));
  } else {
    const nt = niceTicks(lo, hi, 5);
    yMap = linear(nt.lo, nt.hi, top + plotH, top);
    yTicks = nt.ticks;
    yLabels = yTicks.map((t) => fmtTick(t, nt.step));
  }
  const yAxisPre: AxisSpec = { ticks: yTicks.map((t, i) => ({ pos: yMap(t), label: yLabels[i] })), title: opts.yTitle };
  const left = Math.ceil(maxLabelWidth(yAxisPre) + 34);
  const right = 18;
  const plot = { x: left, y: top, w: width - left - right, h: plotH };

  const lastX = firstX + n - 1;
  const xt = integerTicks(firstX, lastX, Math.max(2, Math.floor(plot.w / 60)));
  const pad = n === 1 ? 0 : Math.min(12, plot.w * 0.02);
  const xMap = n === 1 ? () => plot.x + plot.w / 2 : linear(firstX, lastX, plot.x + pad, plot.x + plot.w - pad);
  const xAxis: AxisSpec = { ticks: xt.ticks.map((t) => ({ pos: xMap(t), label: String(t) })), title: opts.xTitle };

  const parts: string[] = [];
  parts.push(`<g transform="translate(${num(left)} 12)">${leg.svg}</g>`);
  parts.push(axesFrame(plot, xAxis, yAxisPre));
  if (useLog) parts.push(text(plot.x + plot.w, top - 4, opts.logNote, { class: 'fig-note-text', 'text-anchor': 'end' }));

  for (const s of clean) {
    const st = ROLE_STYLE[s.role];
    const segments: number[][] = [];
    let current: number[] = [];
    s.values.forEach((v, i) => {
      if (v === undefined) {
        if (current.length) segments.push(current);
        current = [];
      } else current.push(i);
    });
    if (current.length) segments.push(current);
    const g: string[] = [];
    for (const seg of segments) {
      const pts = seg.map((i) => `${num(xMap(firstX + i), 1)},${num(yMap(s.values[i] as number), 1)}`).join(' ');
      g.push(`<polyline class="fig-line fig-s-${st.cls}" points="${pts}"/>`);
    }
    for (const seg of segments) {
      if (s.values.length > MAX_MARKED && seg.length > 1) continue;
      for (const i of seg) {
        const v = s.values[i] as number;
        g.push(marker(st.marker, xMap(firstX + i), yMap(v), 3.5, `fig-pt fig-s-${st.cls}`, `${firstX + i}: ${fmtValue(v, 6)}`));
      }
    }
    parts.push(`<g class="fig-series fig-series-${st.cls}">${g.join('')}</g>`);
  }
  if (all.length === 0) {
    parts.push(text(plot.x + plot.w / 2, plot.y + plot.h / 2, opts.noData, { class: 'fig-empty', 'text-anchor': 'middle' }));
  }
  return svgRoot(width, height, opts.label, parts.join(''), 'fig-chart');
}

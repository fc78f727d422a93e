/**
 * Optimiser paths on a 2-D loss: the contour lines of the sampled loss (marching squares
 * over log-spaced levels), each path a polyline with a dot per step, an open circle at its
 * start and a filled one at its end, and the optimum as a star. The plot clips paths that
 * leave the sampled box (a diverging optimiser).
 */
import type { SeriesRole } from '../figures';
import { contourLevels, contourLines } from './contours';
import {
  LEGEND_ORDER,
  ROLE_ORDER,
  byRole,
  ROLE_STYLE,
  axesFrame,
  clamp,
  fmtTick,
  fmtValue,
  legend,
  levelColor,
  linear,
  niceTicks,
  num,
  safeValue,
  seriesSwatch,
  star,
  svgRoot,
  textWidth,
  type AxisSpec,
  type LegendEntry,
} from './svg-util';

export interface TrajectoryChartOptions {
  contour: { x: readonly [number, number]; y: readonly [number, number]; rows: number; cols: number; values: readonly number[] };
  paths: readonly { role: SeriesRole; name: string; points: readonly (readonly [number | null, number | null])[] }[];
  optimum?: readonly [number, number];
  xTitle: string;
  yTitle: string;
  startLabel: string;
  endLabel: string;
  optimumLabel: string;
  label: string;
}

/** Dots mark every step up to this many points per path. */
const MAX_DOTTED = 200;

function span(a: number, b: number): [number, number] {
  let lo = safeValue(Math.min(a, b)) ?? 0;
  let hi = safeValue(Math.max(a, b)) ?? 1;
  if (!(hi - lo > 0)) {
    lo -= 1;
    hi += 1;
  }
  return [lo, hi];
}

export function trajectoryChart(opts: TrajectoryChartOptions): string {
  const { contour } = opts;
  const [xLo, xHi] = span(contour.x[0], contour.x[1]);
  const [yLo, yHi] = span(contour.y[0], contour.y[1]);
  const plotW = 400;
  const aspect = clamp((yHi - yLo) / (xHi - xLo), 0.5, 1.25);
  const plotH = Math.round(plotW * aspect);

  const legendEntries: LegendEntry[] = byRole(opts.paths, LEGEND_ORDER).map((p) => ({ label: p.name, swatch: seriesSwatch(p.role, false) }));
  legendEntries.push(
    { label: opts.startLabel, swatch: `<circle class="fig-start" cx="12" cy="0" r="4.5"/>` },
    { label: opts.endLabel, swatch: `<circle class="fig-end" cx="12" cy="0" r="4.5"/>` },
  );
  if (opts.optimum) legendEntries.push({ label: opts.optimumLabel, swatch: star(12, 0, 7, 'fig-optimum') });

  const xt = niceTicks(xLo, xHi, 5);
  const yt = niceTicks(yLo, yHi, 5);
  const yTicksIn = yt.ticks.filter((t) => t >= yLo - yt.step * 1e-6 && t <= yHi + yt.step * 1e-6);
  const yLabels = yTicksIn.map((t) => ({ t, label: fmtTick(t, yt.step) }));
  const left = Math.ceil(Math.max(10, ...yLabels.map((l) => textWidth(l.label))) + 34);
  const width = left + plotW + 20;
  const leg = legend(legendEntries, left, 12, width - left - 10);
  const top = 12 + leg.height;
  const plot = { x: left, y: top, w: plotW, h: plotH };
  const height = top + plotH + 46;

  // Local (inside the clipping viewport) and page coordinates.
  const lx = linear(xLo, xHi, 0, plot.w);
  const ly = linear(yLo, yHi, plot.h, 0);
  const xAxis: AxisSpec = {
    ticks: xt.ticks.filter((t) => t >= xLo - xt.step * 1e-6 && t <= xHi + xt.step * 1e-6).map((t) => ({ pos: plot.x + lx(t), label: fmtTick(t, xt.step) })),
    title: opts.xTitle,
  };
  const yAxis: AxisSpec = { ticks: yLabels.map((l) => ({ pos: plot.y + ly(l.t), label: l.label })), title: opts.yTitle };

  const inner: string[] = [];
  // Contours, in grid index space → local pixels.
  const values = contour.values.map((v) => safeValue(v) ?? 0);
  if (values.length === contour.rows * contour.cols) {
    const gx = (c: number) => lx(contour.x[0] + (c / (contour.cols - 1)) * (contour.x[1] - contour.x[0]));
    const gy = (r: number) => ly(contour.y[0] + (r / (contour.rows - 1)) * (contour.y[1] - contour.y[0]));
    const levels = contourLevels(Math.min(...values), Math.max(...values), 8);
    levels.forEach((level, k) => {
      const lines = contourLines(values, contour.rows, contour.cols, level);
      if (!lines.length) return;
      const d = lines.map((line) => line.map(([c, r], i) => `${i === 0 ? 'M' : 'L'}${num(gx(c), 1)} ${num(gy(r), 1)}`).join('')).join('');
      const color = levelColor(k / Math.max(1, levels.length - 1));
      inner.push(`<path class="fig-contour" stroke="${color}" d="${d}"><title>${fmtValue(level, 3)}</title></path>`);
    });
  }
  // Paths: references below, the student's on top.
  const paths = byRole(opts.paths, ROLE_ORDER);
  const ends: string[] = [];
  for (const p of paths) {
    const st = ROLE_STYLE[p.role];
    const pts = p.points.map(([x, y]) => {
      const sx = safeValue(x);
      const sy = safeValue(y);
      return sx === undefined || sy === undefined ? undefined : ([lx(sx), ly(sy)] as const);
    });
    const segments: (readonly [number, number])[][] = [];
    let cur: (readonly [number, number])[] = [];
    for (const q of pts) {
      if (q === undefined) {
        if (cur.length) segments.push(cur);
        cur = [];
      } else cur.push(q);
    }
    if (cur.length) segments.push(cur);
    const g: string[] = [];
    for (const seg of segments) g.push(`<polyline class="fig-line fig-path fig-s-${st.cls}" points="${seg.map(([x, y]) => `${num(x, 1)},${num(y, 1)}`).join(' ')}"/>`);
    const present = pts.filter((q): q is readonly [number, number] => q !== undefined);
    if (present.length <= MAX_DOTTED) {
      for (const [x, y] of present) g.push(`<circle class="fig-step fig-s-${st.cls}" cx="${num(x)}" cy="${num(y)}" r="1.8"/>`);
    }
    inner.push(`<g class="fig-series fig-series-${st.cls}">${g.join('')}</g>`);
    if (present.length) {
      const [sx, sy] = present[0];
      const [ex, ey] = present[present.length - 1];
      ends.push(`<circle class="fig-start fig-s-${st.cls}" cx="${num(sx)}" cy="${num(sy)}" r="4.5"/>`);
      ends.push(`<circle class="fig-end fig-s-${st.cls}" cx="${num(ex)}" cy="${num(ey)}" r="4.5"/>`);
    }
  }
  inner.push(...ends);
  if (opts.optimum) {
    const ox = safeValue(opts.optimum[0]) ?? 0;
    const oy = safeValue(opts.optimum[1]) ?? 0;
    inner.push(star(lx(ox), ly(oy), 8, 'fig-optimum'));
  }

  const parts: string[] = [];
  parts.push(leg.svg);
  parts.push(`<rect class="fig-plot-bg" x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}"/>`);
  parts.push(axesFrame(plot, xAxis, yAxis, { grid: false }));
  parts.push(
    `<svg x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}" viewBox="0 0 ${num(plot.w)} ${num(plot.h)}" overflow="hidden">${inner.join('')}</svg>`,
  );
  return svgRoot(width, height, opts.label, parts.join(''), 'fig-chart');
}

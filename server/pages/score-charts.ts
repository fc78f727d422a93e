/**
 * The dashboard's and the student page's small charts, as server-side SVG: a histogram of
 * the class's scores and a student's scores over time. Only numbers and our own labels go
 * in; text is escaped all the same.
 */
import { escapeHtml } from '../../grader/report/safe-html';

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '0');

/** Scores in 10 bins of [0, max]. */
export function histogramSvg(scores: readonly number[], max: number, label: string): string {
  const bins = new Array<number>(10).fill(0);
  for (const s of scores) {
    const i = max > 0 ? Math.min(9, Math.max(0, Math.floor((s / max) * 10))) : 0;
    bins[i]++;
  }
  const w = 160;
  const h = 48;
  const top = Math.max(1, ...bins);
  const bw = w / 10;
  const bars = bins
    .map((n, i) => {
      const bh = (n / top) * (h - 12);
      return `<rect x="${f(i * bw + 1)}" y="${f(h - 10 - bh)}" width="${f(bw - 2)}" height="${f(bh)}" class="bar"><title>${escapeHtml(`${Math.round((i * max) / 10)}–${Math.round(((i + 1) * max) / 10)}: ${n}`)}</title></rect>`;
    })
    .join('');
  return `<svg class="histogram" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${bars}<line x1="0" y1="${h - 10}" x2="${w}" y2="${h - 10}" class="axis"/><text x="0" y="${h - 1}" class="tick">0</text><text x="${w}" y="${h - 1}" class="tick" text-anchor="end">${escapeHtml(String(max))}</text></svg>`;
}

export interface ScorePoint {
  at: number;
  score: number;
  max: number;
}

/** One assignment's scores (as a fraction of the maximum) over the pushes' receipt times. */
export function scoreHistorySvg(series: ReadonlyArray<{ name: string; points: readonly ScorePoint[] }>, label: string): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const w = 560;
  const h = 200;
  const pad = { l: 40, r: 150, t: 10, b: 24 };
  const t0 = Math.min(...all.map((p) => p.at));
  const t1 = Math.max(...all.map((p) => p.at));
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => pad.l + ((t - t0) / span) * (w - pad.l - pad.r);
  const y = (frac: number) => pad.t + (1 - Math.min(1, Math.max(0, frac))) * (h - pad.t - pad.b);
  const grid = [0, 0.5, 1]
    .map((g) => `<line x1="${pad.l}" x2="${w - pad.r}" y1="${f(y(g))}" y2="${f(y(g))}" class="grid"/><text x="${pad.l - 6}" y="${f(y(g) + 4)}" text-anchor="end" class="tick">${g * 100}%</text>`)
    .join('');
  const lines = series
    .map((s, i) => {
      const cls = `series series-${i % 8}`;
      const pts = s.points.map((p) => `${f(x(p.at))},${f(y(p.max > 0 ? p.score / p.max : 0))}`);
      const dots = s.points
        .map((p) => `<circle cx="${f(x(p.at))}" cy="${f(y(p.max > 0 ? p.score / p.max : 0))}" r="3" class="${cls}"><title>${escapeHtml(`${s.name}: ${p.score}/${p.max}`)}</title></circle>`)
        .join('');
      const legendY = pad.t + 14 * i + 8;
      const swatch = `<line x1="${w - pad.r + 8}" x2="${w - pad.r + 22}" y1="${legendY - 4}" y2="${legendY - 4}" class="${cls}"/>`;
      return `<polyline points="${pts.join(' ')}" class="${cls}" fill="none"/>${dots}${swatch}<text x="${w - pad.r + 26}" y="${legendY}" class="legend">${escapeHtml(s.name)}</text>`;
    })
    .join('');
  return `<svg class="score-history" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${grid}${lines}</svg>`;
}

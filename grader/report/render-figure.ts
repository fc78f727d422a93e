/**
 * Draws the figures of a test's details (figures.ts) as HTML fragments for the report:
 * charts as inline SVG, digit images as PNG data URIs; no scripts, no external assets.
 *
 * Every word comes from figure-text.ts. From the data only numbers are shown, plus the
 * confusion labels and the tensor-mismatch label, which are escaped. A figure that does not
 * parse is left out with a note (renderFigures); an image whose pixels cannot be decoded is
 * drawn as a marked placeholder (png.ts throws ImageDataError, caught here).
 */
import type { Figure, FigureImage } from './figures';
import { figuresOf } from './figures';
import { figureText, type FigureLang, type FigureText } from './figure-text';
import { ImageDataError, pngDataUri } from './png';
import { bandsChart, pointsFor } from './svg/bands-chart';
import { confusionMatrix } from './svg/confusion-matrix';
import { errorHeatmap } from './svg/error-heatmap';
import { lineChart } from './svg/line-chart';
import { esc, fmtValue } from './svg/svg-util';
import { trajectoryChart } from './svg/trajectory-chart';

type FigureOf<K extends Figure['kind']> = Extract<Figure, { kind: K }>;

function wrap(kind: Figure['kind'], body: string, caption: string): string {
  return `<figure class="fig fig-${kind}">${body}<figcaption>${caption}</figcaption></figure>`;
}

/** "your solution: last 0.123 (10 epochs)" for each series: the chart's accessible summary. */
function seriesSummary(series: FigureOf<'loss-curve'>['series'], t: FigureText): string {
  return series
    .map((s) => {
      const present = s.values.filter((v): v is number => v !== null);
      const last = present.length ? fmtValue(present[present.length - 1], 4) : t.noData;
      return `${t.roles[s.role]}: ${last}`;
    })
    .join('; ');
}

function renderLossCurve(f: FigureOf<'loss-curve'>, t: FigureText): string {
  const caption = t.lossCurve.caption[f.metric];
  const svg = lineChart({
    series: f.series.map((s) => ({ role: s.role, name: t.roles[s.role], values: s.values })),
    xTitle: t.epoch,
    yTitle: t.metrics[f.metric],
    logNote: t.logScale,
    noData: t.noData,
    label: `${caption} ${seriesSummary(f.series, t)}`,
  });
  return wrap(f.kind, svg, esc(caption));
}

function renderTrajectory(f: FigureOf<'trajectory'>, t: FigureText): string {
  const tt = t.trajectory;
  const svg = trajectoryChart({
    contour: f.contour,
    paths: f.paths.map((p) => ({ role: p.role, name: t.roles[p.role], points: p.points })),
    ...(f.optimum ? { optimum: f.optimum } : {}),
    xTitle: tt.x,
    yTitle: tt.y,
    startLabel: tt.start,
    endLabel: tt.end,
    optimumLabel: tt.optimum,
    label: tt.caption,
  });
  return wrap(f.kind, svg, esc(tt.caption));
}

function renderBands(f: FigureOf<'bands'>, t: FigureText): string {
  const tb = t.bands;
  const caption = tb.caption[f.metric];
  const summary =
    f.value === null ? tb.noValue : `${tb.yourValue}: ${fmtValue(f.value, 4)} → ${tb.points(pointsFor(f.value, f.better, f.bands))}`;
  const svg = bandsChart({
    value: f.value,
    better: f.better,
    bands: f.bands,
    ...(f.reference !== undefined ? { reference: f.reference } : {}),
    limits: f.metric === 'accuracy' ? [0, 1] : [0, undefined],
    texts: {
      metric: t.metrics[f.metric],
      direction: f.better === 'higher' ? tb.higherBetter : tb.lowerBetter,
      yourValue: tb.yourValue,
      reference: tb.reference,
      noValue: tb.noValue,
      offScale: tb.offScale,
      points: tb.points,
    },
    label: `${caption} ${summary}`,
  });
  return wrap(f.kind, svg, esc(caption));
}

function renderConfusion(f: FigureOf<'confusion'>, t: FigureText): string {
  const tc = t.confusion;
  const svg = confusionMatrix({ labels: f.labels, matrix: f.matrix, texts: tc, label: tc.caption });
  return wrap(f.kind, svg, esc(tc.caption));
}

/** The upscaling that makes an image about `target` px on its longer side. */
function scaleFor(image: FigureImage, target: number): number {
  return Math.max(1, Math.min(16, Math.round(target / Math.max(image.width, image.height))));
}

/** An <img> of a grayscale image, or a marked placeholder when its data is unreadable. */
function imageTag(image: FigureImage, alt: string, target: number, t: FigureText): string {
  const scale = scaleFor(image, target);
  try {
    const uri = pngDataUri(image, scale);
    return `<img class="fig-img" src="${uri}" width="${image.width * scale}" height="${image.height * scale}" alt="${esc(alt)}">`;
  } catch (e) {
    if (!(e instanceof ImageDataError)) throw e;
    // A crossed-out box of the size the image would have had.
    const w = Math.max(1, Math.min(64, image.width)) * scale;
    const h = Math.max(1, Math.min(64, image.height)) * scale;
    const label = `${alt}: ${t.imageUnreadable}`;
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" class="fig-img fig-img-bad" role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">` +
      `<title>${esc(label)}</title><rect x="0" y="0" width="${w}" height="${h}"/><path d="M0 0L${w} ${h}M${w} 0L0 ${h}"/></svg>`
    );
  }
}

function renderMisclassified(f: FigureOf<'misclassified'>, t: FigureText): string {
  const tm = t.misclassified;
  const body = f.items.length
    ? `<div class="fig-digits">${f.items
        .map(
          (it) =>
            `<div class="fig-digit">${imageTag(it.image, tm.alt(it.label, it.predicted), 84, t)}<span class="fig-digit-label">${esc(tm.item(it.label, it.predicted))}</span></div>`,
        )
        .join('')}</div>`
    : `<p class="fig-empty">${esc(tm.none)}</p>`;
  return wrap(f.kind, body, esc(tm.caption));
}

function renderReconstructions(f: FigureOf<'reconstructions'>, t: FigureText): string {
  const tr = t.reconstructions;
  if (!f.items.length) return wrap(f.kind, `<p class="fig-empty">${esc(tr.none)}</p>`, esc(tr.caption));
  const rows: { name: string; pick: (it: FigureOf<'reconstructions'>['items'][number]) => FigureImage | undefined }[] = [
    { name: tr.original, pick: (it) => it.original },
  ];
  if (f.items.some((it) => it.noisy !== undefined)) rows.push({ name: tr.noisy, pick: (it) => it.noisy });
  rows.push({ name: tr.output, pick: (it) => it.output });
  const body = rows
    .map(
      (row) =>
        `<tr><th scope="row">${esc(row.name)}</th>${f.items
          .map((it, i) => {
            const img = row.pick(it);
            return `<td>${img ? imageTag(img, tr.alt(row.name, i + 1), 56, t) : ''}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return wrap(f.kind, `<div class="fig-scroll"><table class="fig-recon"><tbody>${body}</tbody></table></div>`, esc(tr.caption));
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function renderTensorMismatch(f: FigureOf<'tensor-mismatch'>, t: FigureText): string {
  const tm = t.mismatch;
  const label = esc(f.label);
  const facts: string[] = [];
  if (f.expectedShape) facts.push(`${esc(tm.expectedShape)} <code>${fmtShape(f.expectedShape)}</code>`);
  if (f.actualShape) facts.push(`${esc(tm.actualShape)} <code>${fmtShape(f.actualShape)}</code>`);
  if (f.mismatched !== undefined) facts.push(esc(tm.mismatched(f.mismatched, f.total)));
  const head = `<p class="fig-mm-head"><code class="fig-code">${label}</code>${facts.length ? ` <span class="fig-mm-facts">${facts.join(' · ')}</span>` : ''}</p>`;
  const parts: string[] = [head];
  const body: string[] = [];
  if (f.worst.length) {
    const rows = f.worst
      .map(
        (w) =>
          `<tr><td><code>${w.index.length ? fmtShape(w.index) : '—'}</code></td><td>${esc(fmtValue(w.expected, 7))}</td><td>${esc(fmtValue(w.actual, 7))}</td><td>${esc(fmtValue(w.absError, 3))}</td><td>${esc(fmtValue(w.relError, 3))}</td></tr>`,
      )
      .join('');
    body.push(
      `<table class="fig-table"><caption>${esc(tm.worst)}</caption><thead><tr><th scope="col">${esc(tm.index)}</th><th scope="col">${esc(tm.expected)}</th><th scope="col">${esc(tm.actual)}</th><th scope="col">${esc(tm.absError)}</th><th scope="col">${esc(tm.relError)}</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  }
  if (f.grid) {
    body.push(
      errorHeatmap({
        rows: f.grid.rows,
        cols: f.grid.cols,
        values: f.grid.values,
        texts: { row: tm.row, column: tm.column, noValue: tm.noValue, title: tm.heatmap },
        label: `${tm.heatmap}: ${f.label}`,
      }),
    );
  }
  if (body.length) parts.push(`<div class="fig-mm-body">${body.join('')}</div>`);
  return wrap(f.kind, parts.join(''), `${esc(tm.caption)}: <code>${label}</code>`);
}

/** One figure as an HTML fragment `<figure class="fig fig-KIND">…</figure>`. */
export function renderFigure(figure: Figure, lang: FigureLang): string {
  const t = figureText(lang);
  switch (figure.kind) {
    case 'loss-curve':
      return renderLossCurve(figure, t);
    case 'trajectory':
      return renderTrajectory(figure, t);
    case 'bands':
      return renderBands(figure, t);
    case 'confusion':
      return renderConfusion(figure, t);
    case 'misclassified':
      return renderMisclassified(figure, t);
    case 'reconstructions':
      return renderReconstructions(figure, t);
    case 'tensor-mismatch':
      return renderTensorMismatch(figure, t);
  }
}

/**
 * The figures of a test's `details` as one `<div class="figs">` fragment, '' when there are
 * none. Figures that do not parse (or, defensively, fail to draw) are left out and counted
 * in a note at the end. Never throws.
 */
export function renderFigures(details: unknown, lang: FigureLang): string {
  const t = figureText(lang);
  const { figures, malformed } = figuresOf(details);
  let skipped = malformed;
  const out: string[] = [];
  for (const f of figures) {
    try {
      out.push(renderFigure(f, lang));
    } catch {
      skipped++;
    }
  }
  if (skipped > 0) out.push(`<p class="fig-note">${esc(t.malformed(skipped))}</p>`);
  return out.length ? `<div class="figs">${out.join('')}</div>` : '';
}

/** Series colours: blue and orange for the student, greys for the reference (dashed). */
const STUDENT = '#1f5fbf';
const STUDENT_NOISY = '#c45a00';
const REFERENCE = '#6b6b6b';
const REFERENCE_NOISY = '#9a6b3c';

/** The styles the figure fragments need; pages inline it next to their own CSS. */
export const FIGURE_CSS = `
.figs { display: flex; flex-direction: column; gap: 1rem; margin: .75rem 0 .25rem; }
.fig { margin: 0; max-width: 100%; -webkit-print-color-adjust: exact; print-color-adjust: exact; break-inside: avoid; }
.fig figcaption { font-size: .85rem; color: #444; margin-top: .3rem; }
.fig code, .fig .fig-code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
.fig svg.fig-chart { display: block; max-width: 100%; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 11px; }
.fig svg text { fill: #222; }
.fig .fig-tick { fill: #444; font-size: 11px; }
.fig .fig-small { font-size: 9px; }
.fig .fig-axis-title { fill: #222; font-size: 12px; font-weight: 600; }
.fig .fig-note-text { fill: #555; font-size: 11px; font-style: italic; }
.fig .fig-axis { stroke: #555; stroke-width: 1; fill: none; }
.fig .fig-grid { stroke: #e3e3e3; stroke-width: 1; }
.fig .fig-empty { fill: #777; font-style: italic; }
.fig .fig-plot-bg { fill: #fff; stroke: #555; stroke-width: 1; }
.fig .fig-line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.fig .fig-line.fig-s-student { stroke: ${STUDENT}; }
.fig .fig-line.fig-s-student-noisy { stroke: ${STUDENT_NOISY}; }
.fig .fig-line.fig-s-reference { stroke: ${REFERENCE}; stroke-dasharray: 6 4; }
.fig .fig-line.fig-s-reference-noisy { stroke: ${REFERENCE_NOISY}; stroke-dasharray: 2 3; }
.fig .fig-pt { stroke: #fff; stroke-width: 1; }
.fig .fig-pt.fig-s-student, .fig .fig-step.fig-s-student { fill: ${STUDENT}; }
.fig .fig-pt.fig-s-student-noisy, .fig .fig-step.fig-s-student-noisy { fill: ${STUDENT_NOISY}; }
.fig .fig-pt.fig-s-reference, .fig .fig-step.fig-s-reference { fill: ${REFERENCE}; }
.fig .fig-pt.fig-s-reference-noisy, .fig .fig-step.fig-s-reference-noisy { fill: ${REFERENCE_NOISY}; }
.fig .fig-path { stroke-width: 1.75; }
.fig .fig-contour { fill: none; stroke-width: 1; opacity: .75; }
.fig .fig-start { fill: #fff; stroke: #222; stroke-width: 1.75; }
.fig .fig-end { fill: #222; stroke: #fff; stroke-width: 1; }
.fig .fig-start.fig-s-student { stroke: ${STUDENT}; }
.fig .fig-end.fig-s-student { fill: ${STUDENT}; }
.fig .fig-start.fig-s-student-noisy { stroke: ${STUDENT_NOISY}; }
.fig .fig-end.fig-s-student-noisy { fill: ${STUDENT_NOISY}; }
.fig .fig-start.fig-s-reference { stroke: ${REFERENCE}; }
.fig .fig-end.fig-s-reference { fill: ${REFERENCE}; }
.fig .fig-start.fig-s-reference-noisy { stroke: ${REFERENCE_NOISY}; }
.fig .fig-end.fig-s-reference-noisy { fill: ${REFERENCE_NOISY}; }
.fig .fig-optimum { fill: #e8b600; stroke: #5a4500; stroke-width: 1; }
.fig .fig-band { stroke: none; }
.fig .fig-band-frame, .fig .fig-cm-frame { fill: none; stroke: #555; stroke-width: 1; }
.fig .fig-band-label { fill: #1d3b1d; font-size: 11px; }
.fig .fig-on-dark { fill: #fff; }
.fig .fig-threshold { stroke: #333; stroke-width: 1.5; }
.fig .fig-value-line { stroke: ${STUDENT}; stroke-width: 3; }
.fig .fig-value-marker { fill: ${STUDENT}; }
.fig .fig-value-label { fill: ${STUDENT}; font-size: 12px; font-weight: 600; }
.fig .fig-missing { fill: #9b1c1c; }
.fig .fig-ref-line { stroke: ${REFERENCE}; stroke-width: 1.5; stroke-dasharray: 4 3; }
.fig .fig-ref-label { fill: #555; }
.fig .fig-ref-marker { fill: ${REFERENCE}; }
.fig .fig-cell, .fig .fig-key { stroke: #e4e4e4; stroke-width: 1; }
.fig .fig-cell-diag { stroke: #1e5e33; stroke-width: 1.25; }
.fig .fig-count { fill: #222; font-size: 10px; font-variant-numeric: tabular-nums; }
.fig .fig-count.fig-on-dark { fill: #fff; }
.fig .fig-hm-cell { stroke: #fff; stroke-width: .5; }
.fig .fig-na { fill: #d4d4d4; }
.fig .fig-legend-step { stroke: none; }
.fig-digits { display: flex; flex-wrap: wrap; gap: .5rem .75rem; }
.fig-digit { display: flex; flex-direction: column; align-items: center; gap: .2rem; font-size: .8rem; }
.fig-img { image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid #bbb; display: block; }
.fig-img-bad rect { fill: #f3f3f3; }
.fig-img-bad path { stroke: #b71c1c; stroke-width: 2; }
.fig-digit-label { white-space: nowrap; font-variant-numeric: tabular-nums; }
.fig-scroll { overflow-x: auto; max-width: 100%; }
.fig-recon { border-collapse: collapse; }
.fig-recon th { text-align: right; font-weight: 600; font-size: .8rem; padding: 0 .5rem 0 0; color: #333; white-space: nowrap; }
.fig-recon td { padding: 2px; }
.fig-mm-head { margin: 0 0 .4rem; }
.fig-mm-facts { color: #444; font-size: .85rem; }
.fig-mm-body { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: flex-start; }
.fig-table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; }
.fig-table caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
.fig-table th, .fig-table td { border-bottom: 1px solid #ddd; padding: .15rem .6rem; text-align: right; }
.fig-table th { color: #444; font-weight: 600; border-bottom-color: #999; }
.fig-table td:first-child, .fig-table th:first-child { text-align: left; }
.fig-note { font-size: .85rem; color: #8a5100; background: #fff8e1; border: 1px solid #f0d98c; padding: .3rem .6rem; border-radius: .25rem; margin: 0; }
@media print { .fig-scroll { overflow: visible; } }
`;

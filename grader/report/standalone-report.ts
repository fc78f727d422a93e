/**
 * A report as one self-contained HTML file (no scripts, no external assets): what
 * `grader check --html` writes next to the student's work. The body is the same as the
 * server's report page (report-html.ts).
 */
import type { GradeResult } from '../results/result-schema';
import type { Lang } from '../spec/assignment-spec';
import { FIGURE_CSS } from './render-figure';
import { REPORT_CSS } from './report-css';
import { renderReportBody } from './report-html';
import { reportText } from './report-text';
import { html, trusted } from './safe-html';

export interface StandaloneReportOptions {
  lang: Lang;
  title?: string;
  /** Graded without OS isolation. */
  provisional?: boolean;
  /** Shown in the footer; default now. */
  generatedAt?: Date;
}

export function renderStandaloneReport(results: readonly GradeResult[], options: StandaloneReportOptions): string {
  const { lang } = options;
  const title = options.title ?? reportText('reportTitle', lang);
  const bodies = results.map((r) =>
    renderReportBody(r, { lang, showHidden: true, ...(options.provisional !== undefined ? { provisional: options.provisional } : {}) }),
  );
  const page = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 62rem; padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
.report + .report { margin-top: 3rem; border-top: 2px solid #ddd; padding-top: 1.5rem; }
footer { margin-top: 3rem; color: #777; font-size: .8rem; }
${trusted(REPORT_CSS)}
${trusted(FIGURE_CSS)}
</style>
</head>
<body>
${bodies}
<footer>${reportText('generated', lang)} ${(options.generatedAt ?? new Date()).toISOString()}</footer>
</body>
</html>
`;
  return page.value;
}

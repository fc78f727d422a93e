/**
 * The body of a grading report as HTML: the score, each test with its verdict, points,
 * message and pictures, compile errors with the source line, and how it was graded. The
 * server puts it in its pages and `grader check --html` in a file of its own, so students
 * read the same report on their laptop and on the server.
 *
 * Everything a submission controls is escaped (see safe-html.ts); the pictures are drawn
 * here, on the grader's side, from validated numbers.
 */
import type { CompileError, GradeResult, TestResult } from '../results/result-schema';
import type { Lang } from '../spec/assignment-spec';
import { renderFigures } from './render-figure';
import { reportText, type ReportTextKey } from './report-text';
import { html, trusted, type SafeHtml } from './safe-html';

export interface ReportBodyOptions {
  lang: Lang;
  /** Show hidden tests (instructors; students after the release). */
  showHidden: boolean;
  /** A heading; default the assignment id. */
  title?: string;
  /** A line under the heading (e.g. the late penalty), written by the caller. */
  subtitle?: SafeHtml;
  /** Graded without OS isolation (grader check on a laptop). */
  provisional?: boolean;
}

export function formatPoints(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

function t(key: ReportTextKey, lang: Lang): string {
  return reportText(key, lang);
}

function testStatusText(status: TestResult['status'], lang: Lang): string {
  return t(`testStatus_${status}`, lang);
}

export function resultStatusText(status: GradeResult['status'], lang: Lang): string {
  return t(`resultStatus_${status}`, lang);
}

/** The tests a reader may see, and what the score is out of for them. */
export function visibleView(result: GradeResult, showHidden: boolean): { tests: TestResult[]; hiddenCount: number; score: number; max: number } {
  if (showHidden) return { tests: result.tests, hiddenCount: 0, score: result.score, max: result.max_score };
  const tests = result.tests.filter((x) => x.visibility === 'visible');
  return {
    tests,
    hiddenCount: result.tests.length - tests.length,
    score: tests.reduce((s, x) => s + x.score, 0),
    max: tests.reduce((s, x) => s + x.max_score, 0),
  };
}

function compileErrorItem(e: CompileError): SafeHtml {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  const caret = e.sourceLine !== undefined && e.column > 0 ? `${' '.repeat(Math.max(0, e.column - 1))}^` : undefined;
  return html`<li class="compile-error ${e.severity === 'warning' ? 'is-warning' : 'is-error'}">
  <div class="where"><code>${where}</code> <span class="code">${e.code}</span></div>
  <div class="message">${e.message}</div>
  ${e.sourceLine !== undefined ? html`<pre class="excerpt"><span class="line-no">${e.line}</span> ${e.sourceLine}${caret !== undefined ? html`\n<span class="line-no">${' '.repeat(String(e.line).length)}</span> <span class="caret">${caret}</span>` : ''}</pre>` : ''}
</li>`;
}

export function renderTest(test: TestResult, index: number, lang: Lang): SafeHtml {
  const hiddenTag = test.visibility === 'hidden' ? html` <span class="tag tag-hidden">${t('hidden', lang)}</span>` : '';
  const figures = test.details !== undefined ? renderFigures(test.details, lang) : '';
  return html`<li class="test test-${test.status}" id="test-${index}" data-status="${test.status}">
  <div class="test-head">
    <span class="verdict verdict-${test.status}">${testStatusText(test.status, lang)}</span>
    <span class="test-name">${test.name}</span>${hiddenTag}
    <span class="test-points">${formatPoints(test.score)}/${formatPoints(test.max_score)}</span>
  </div>
  ${test.output !== '' ? html`<pre class="test-output">${test.output}</pre>` : ''}
  ${trusted(figures)}
</li>`;
}

export function renderReportBody(result: GradeResult, options: ReportBodyOptions): SafeHtml {
  const { lang } = options;
  const view = visibleView(result, options.showHidden);
  const errors = (result.compile_errors ?? []).filter((e) => e.severity !== 'warning');
  const warnings = (result.compile_errors ?? []).filter((e) => e.severity === 'warning');
  const meta: Array<[string, string]> = [];
  if (result.commit !== undefined) meta.push([t('commit', lang), result.commit.slice(0, 12)]);
  meta.push([t('backend', lang), result.backend]);
  if (result.dataset !== undefined) meta.push([t('dataset', lang), result.dataset]);
  meta.push([t('duration', lang), `${(result.duration_ms / 1000).toFixed(1)} ${t('seconds', lang)}`]);
  if (result.peak_memory_kb !== undefined) meta.push([t('memory', lang), `${(result.peak_memory_kb / 1024).toFixed(0)} ${t('megabytes', lang)}`]);
  meta.push([t('graderVersion', lang), result.grader_version]);
  // What the code printed while hidden tests ran could show their inputs: students see it
  // once the hidden tests are released.
  const showOutput = result.output !== undefined && result.output !== '' && errors.length === 0 && view.hiddenCount === 0;
  const scoreLabel = options.showHidden || view.hiddenCount === 0 ? t('score', lang) : t('visibleScore', lang);

  return html`<section class="report report-${result.status}" data-status="${result.status}" data-assignment="${result.assignment}">
<header class="report-head">
  <h1>${options.title ?? result.assignment}</h1>
  ${options.subtitle ?? ''}
  ${options.provisional === true ? html`<p class="provisional">${t('provisional', lang)}</p>` : ''}
  <div class="score-line">
    <span class="score-label">${scoreLabel}</span>
    <span class="score" data-score="${view.score}" data-max="${view.max}"><strong>${formatPoints(view.score)}</strong>/${formatPoints(view.max)}</span>
    <span class="result-status result-${result.status}">${resultStatusText(result.status, lang)}</span>
  </div>
  <dl class="meta">${meta.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
</header>
${errors.length > 0 ? html`<section class="compile-errors"><h2>${t('compileErrors', lang)}</h2><ul>${errors.map(compileErrorItem)}</ul></section>` : ''}
<section class="tests"><h2>${t('tests', lang)}</h2>
${view.tests.length > 0 ? html`<ol class="test-list">${view.tests.map((x, i) => renderTest(x, i, lang))}</ol>` : html`<p>${t('noTests', lang)}</p>`}
${view.hiddenCount > 0 ? html`<p class="hidden-pending">${t('hiddenCount', lang)}: ${view.hiddenCount}. ${t('hiddenPending', lang)}</p>` : ''}
</section>
${warnings.length > 0 ? html`<details class="compile-warnings"><summary>${t('typeWarnings', lang)} (${warnings.length})</summary><ul>${warnings.map(compileErrorItem)}</ul></details>` : ''}
${showOutput ? html`<details class="result-output" open><summary>${t('output', lang)}</summary><pre>${result.output}</pre></details>` : ''}
</section>`;
}

/**
 * The report body and the standalone report file: every verdict shown, student text
 * escaped wherever it appears, hidden tests and printed output kept from students until the
 * release, compile errors with the source line and a caret.
 */
import { normalizeResult } from '../../grader/results/normalize';
import { renderReportBody, visibleView } from '../../grader/report/report-html';
import { renderStandaloneReport } from '../../grader/report/standalone-report';

const EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>';

const graded = normalizeResult(
  {
    assignment: 'momentum-sgd',
    status: 'graded',
    backend: 'wasm',
    grader_version: '1.2.3',
    duration_ms: 2500,
    peak_memory_kb: 204800,
    commit: 'abcdef0123456789abcdef0123456789abcdef01',
    dataset: 'mnist (embedded)',
    output: `What solution.ts printed:\n${EVIL}`,
    tests: [
      { name: 'single step', score: 2, max_score: 2, status: 'passed', visibility: 'visible', output: 'ok' },
      { name: 'minimize', score: 0, max_score: 3, status: 'failed', visibility: 'visible', output: `expected 1, got ${EVIL}` },
      { name: 'secret schedule', score: 5, max_score: 5, status: 'passed', visibility: 'hidden', output: 'hidden detail' },
    ],
  },
  { assignment: 'momentum-sgd', maxScore: 10, backend: 'wasm' },
);

const broken = normalizeResult(
  {
    assignment: 'backprop',
    status: 'compile_error',
    backend: 'wasm',
    grader_version: '1.2.3',
    duration_ms: 300,
    compile_errors: [{ file: 'solution.ts', line: 12, column: 9, code: 'TS2322', message: `Type '${EVIL}' is not assignable`, sourceLine: `  const a: number = "${EVIL}";`, severity: 'error' }],
    tests: [{ name: 'forward', score: 0, max_score: 10, status: 'failed', visibility: 'visible', output: 'not run: the submission did not compile' }],
  },
  { assignment: 'backprop', maxScore: 10, backend: 'wasm' },
);

describe('the report body', () => {
  it('shows every test with its verdict and points, and the facts of the grading', () => {
    const html = renderReportBody(graded, { lang: 'en', showHidden: true }).value;
    expect(html).toContain('data-score="7" data-max="10"');
    expect((html.match(/<li class="test /g) ?? []).length).toBe(3);
    expect(html).toContain('class="verdict verdict-failed">failed');
    expect(html).toContain('secret schedule');
    expect(html).toContain('abcdef012345');
    expect(html).toContain('200 MiB');
    expect(html).toContain('mnist (embedded)');
    expect(html).toContain('1.2.3');
  });

  it('escapes student text in outputs, printed lines and compile errors', () => {
    for (const html of [renderReportBody(graded, { lang: 'en', showHidden: true }).value, renderReportBody(broken, { lang: 'ru', showHidden: true }).value]) {
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('keeps hidden tests and printed output from students until the release', () => {
    const html = renderReportBody(graded, { lang: 'en', showHidden: false }).value;
    expect(html).not.toContain('secret schedule');
    expect(html).not.toContain('hidden detail');
    expect(html).not.toContain('What solution.ts printed');
    expect(html).toContain('data-score="2" data-max="5"');
    expect(html).toContain('Hidden tests not shown yet: 1. They are graded as well');
    expect(visibleView(graded, false)).toMatchObject({ hiddenCount: 1, score: 2, max: 5 });
  });

  it('points at the compile error in the source line, in Russian too', () => {
    const html = renderReportBody(broken, { lang: 'ru', showHidden: true }).value;
    expect(html).toContain('Ошибки компиляции');
    expect(html).toContain('<code>solution.ts:12:9</code>');
    // The caret sits under column 9.
    expect(html).toMatch(/<span class="caret"> {8}\^<\/span>/);
    expect(html).toContain('не компилируется');
  });
});

describe('the standalone report', () => {
  it('is one self-contained page without scripts or outside resources', () => {
    const page = renderStandaloneReport([graded, broken], { lang: 'en', provisional: true, generatedAt: new Date(0) });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
    expect((page.match(/<section class="report /g) ?? []).length).toBe(2);
    expect(page).toContain('Provisional');
    expect(page).toContain('1970-01-01T00:00:00.000Z');
  });
});

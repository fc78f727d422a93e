/** What a commit status says: the state, and the visible points only. */
import type { GradeResult, TestResult } from '../../../grader/results/result-schema';
import { MAX_DESCRIPTION_CHARS, fitDescription } from '../../../server/commit-status/status-requests';
import { GRADER_FAILED, resultText } from '../../../server/commit-status/status-text';

function test(name: string, score: number, max: number, visibility: 'visible' | 'hidden', status: TestResult['status'] = score === max ? 'passed' : 'failed'): TestResult {
  return { name, score, max_score: max, status, visibility, output: '' };
}

function result(status: GradeResult['status'], tests: TestResult[]): GradeResult {
  const score = tests.reduce((s, t) => s + t.score, 0);
  return { assignment: 'demo-add', status, score, max_score: 10, backend: 'wasm', duration_ms: 10, grader_version: '0.1.0', tests };
}

describe('resultText', () => {
  it('success when every visible test passes, with the visible points only (a failed hidden test changes nothing)', () => {
    const text = resultText(result('graded', [test('a', 2, 2, 'visible'), test('b', 0, 3, 'hidden'), test('c', 5, 5, 'visible')]), 0);
    expect(text).toEqual({ phase: 'success', description: '7/7 visible: all visible tests pass; hidden tests shown once released' });
  });

  it('failure when a visible test does not pass; the hidden points never show', () => {
    const text = resultText(result('graded', [test('a', 0, 2, 'visible'), test('b', 3, 3, 'hidden'), test('c', 5, 5, 'visible')]), 0);
    expect(text).toEqual({ phase: 'failure', description: '5/7 visible: 1 visible test of 2 not passed; hidden tests shown once released' });
    expect(text.description).not.toMatch(/\/10|8/);
    const timedOut = resultText(result('graded', [test('a', 0, 2, 'visible', 'timeout'), test('c', 0, 5, 'visible', 'error')]), 0);
    expect(timedOut).toEqual({ phase: 'failure', description: '0/7 visible: 2 visible tests of 2 not passed' });
  });

  it('applies the late penalty as the student report counts it', () => {
    const text = resultText(result('graded', [test('a', 2, 2, 'visible'), test('c', 5, 5, 'visible')]), 10);
    expect(text).toEqual({ phase: 'success', description: '6.3/7 visible (late: -10%): all visible tests pass' });
  });

  it('error for a submission that does not compile and for a grader failure, each said as such; failure for a missing solution', () => {
    const notCompiling = resultText(result('compile_error', [test('a', 0, 2, 'visible', 'error'), test('c', 0, 5, 'visible', 'error')]), 0);
    expect(notCompiling).toEqual({ phase: 'error', description: 'does not compile: 0/7 visible; the report shows the errors at file:line' });
    expect(resultText(result('error', []), 0)).toBe(GRADER_FAILED);
    expect(GRADER_FAILED.phase).toBe('error');
    expect(resultText(result('missing', [test('a', 0, 2, 'visible', 'error')]), 0)).toEqual({ phase: 'failure', description: 'no demo-add/solution.ts in this commit: 0/2 visible' });
  });

  it('every description fits the 140 characters GitHub allows', () => {
    for (const text of [GRADER_FAILED, resultText(result('graded', [test('a', 0, 2, 'visible')]), 33.3333)]) {
      expect(Array.from(fitDescription(text.description)).length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
      expect(fitDescription(text.description)).toBe(text.description);
    }
    expect(fitDescription('x'.repeat(500))).toBe(`${'x'.repeat(139)}…`);
  });
});

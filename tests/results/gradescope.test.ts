import { GradescopeResultSchema, toGradescope } from '../../grader/results/gradescope';
import { normalizeResult } from '../../grader/results/normalize';
import type { GradeResult } from '../../grader/results/result-schema';

const result: GradeResult = {
  assignment: 'momentum-sgd',
  status: 'graded',
  score: 3,
  max_score: 10,
  backend: 'wasm',
  duration_ms: 1234,
  grader_version: '0.1.0',
  commit: 'abc123',
  dataset: 'mnist-small',
  output: 'Type warnings: none',
  tests: [
    { name: 'single step', score: 2, max_score: 2, status: 'passed', visibility: 'visible', output: 'ok', number: '1', details: { maxAbsError: 0 } },
    { name: 'minimize', score: 1, max_score: 4, status: 'failed', visibility: 'hidden', output: 'differs', tags: ['sgd'] },
    { name: 'loops', score: 0, max_score: 2, status: 'timeout', visibility: 'visible', output: 'after 5 s' },
    { name: 'throws', score: 0, max_score: 1, status: 'error', visibility: 'visible', output: '' },
    { name: 'memory', score: 0, max_score: 1, status: 'killed', visibility: 'visible', output: 'heap' },
  ],
};

describe('toGradescope', () => {
  it("gives exactly Gradescope's fields", () => {
    const gs = toGradescope(result);
    // .strict() schemas: an extra key anywhere would fail.
    expect(GradescopeResultSchema.safeParse(gs).success).toBe(true);
    expect(Object.keys(gs).sort()).toEqual(['execution_time', 'extra_data', 'output', 'score', 'tests']);
    expect(gs.score).toBe(3);
    expect(gs.execution_time).toBe(1.234);
    expect(gs.output).toBe('Type warnings: none');
  });

  it('maps test statuses to passed/failed and says why first', () => {
    const tests = toGradescope(result).tests;
    expect(tests.map((t) => t.status)).toEqual(['passed', 'failed', 'failed', 'failed', 'failed']);
    expect(tests[2].output).toBe('Timeout: the time limit was reached.\nafter 5 s');
    expect(tests[3].output).toBe('Error: the code threw an exception.');
    expect(tests[4].output.startsWith('Killed:')).toBe(true);
    expect(tests[0]).toEqual({
      score: 2,
      max_score: 2,
      status: 'passed',
      name: 'single step',
      number: '1',
      output: 'ok',
      visibility: 'visible',
      extra_data: { status: 'passed', details: { maxAbsError: 0 } },
    });
    expect(tests[1]).toMatchObject({ visibility: 'hidden', tags: ['sgd'] });
  });

  it('moves our extras into extra_data', () => {
    expect(toGradescope(result).extra_data).toEqual({
      assignment: 'momentum-sgd',
      status: 'graded',
      max_score: 10,
      backend: 'wasm',
      grader_version: '0.1.0',
      duration_ms: 1234,
      dataset: 'mnist-small',
      commit: 'abc123',
    });
  });

  it('explains a result that was not graded, with its compile errors', () => {
    const failed = normalizeResult(
      {
        status: 'compile_error',
        compile_errors: [{ file: 'solution.ts', line: 4, column: 3, code: 'TS1005', message: "';' expected.", severity: 'error' }],
      },
      { assignment: 'backprop', maxScore: 10, backend: 'cpu', graderVersion: '0.1.0' },
    );
    const gs = toGradescope(failed);
    expect(GradescopeResultSchema.safeParse(gs).success).toBe(true);
    expect(gs.score).toBe(0);
    expect(gs.output).toBe("The submission did not compile.\n\nsolution.ts:4:3 - error TS1005: ';' expected.");
  });

  it('does not repeat compile errors that the output already shows', () => {
    const gs = toGradescope({
      ...result,
      status: 'compile_error',
      score: 0,
      tests: [],
      output: 'solution.ts:4:3 - error TS1005',
      compile_errors: [{ file: 'solution.ts', line: 4, column: 3, code: 'TS1005', message: 'x' }],
    });
    expect(gs.output).toBe('The submission did not compile.\n\nsolution.ts:4:3 - error TS1005');
  });

  it('passes the optional Gradescope settings through and does not change its input', () => {
    const input: GradeResult = { ...result, stdout_visibility: 'hidden', test_output_format: 'md', leaderboard: [{ name: 'Accuracy', value: 0.9 }] };
    const copy = JSON.parse(JSON.stringify(input)) as unknown;
    const gs = toGradescope(input);
    expect(gs).toMatchObject({ stdout_visibility: 'hidden', test_output_format: 'md', leaderboard: [{ name: 'Accuracy', value: 0.9 }] });
    expect(input).toEqual(copy);
  });
});

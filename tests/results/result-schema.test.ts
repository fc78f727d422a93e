import { GradeResultSchema, JsonValueSchema, TestResultSchema, roundScore } from '../../grader/results/result-schema';

const valid = {
  assignment: 'momentum-sgd',
  status: 'graded',
  score: 7,
  max_score: 10,
  backend: 'wasm',
  duration_ms: 812,
  grader_version: '0.1.0',
  tests: [
    { name: 'single step matches the lecture', score: 2, max_score: 2, status: 'passed', visibility: 'visible', output: '...' },
    { name: 'minimize', score: 5, max_score: 8, status: 'failed', visibility: 'hidden', output: '' },
  ],
};

describe('GradeResultSchema', () => {
  it("accepts the design's example, extended with grader_version", () => {
    expect(GradeResultSchema.parse(valid)).toEqual(valid);
  });

  it('accepts the optional Gradescope fields and our extras', () => {
    const full = {
      ...valid,
      output: 'text',
      output_format: 'md',
      test_output_format: 'text',
      test_name_format: 'text',
      execution_time: 0.8,
      visibility: 'after_due_date',
      stdout_visibility: 'hidden',
      extra_data: { a: [1, 'b', null] },
      leaderboard: [{ name: 'Accuracy', value: 0.93, order: 'desc' }],
      dataset: 'mnist',
      commit: 'a'.repeat(40),
      compile_errors: [{ file: 'solution.ts', line: 1, column: 2, code: 'TS2322', message: 'm', sourceLine: 'x', severity: 'error' }],
      tests: valid.tests.map((t, i) => ({ ...t, number: `1.${i}`, tags: ['a'], details: { worst: [{ index: [0, 1] }] } })),
    };
    expect(GradeResultSchema.parse(full)).toEqual(full);
  });

  it('drops unknown keys', () => {
    const parsed = GradeResultSchema.parse({ ...valid, hidden_labels: [1, 2] });
    expect(parsed).not.toHaveProperty('hidden_labels');
  });

  it.each([
    ['an unknown status', { ...valid, status: 'done' }],
    ['a NaN score', { ...valid, score: NaN }],
    ['a negative max_score', { ...valid, max_score: -1 }],
    ['a fractional duration', { ...valid, duration_ms: 1.5 }],
    ['a score above max_score', { ...valid, score: 11, max_score: 10 }],
    ['a total that is not the sum of the tests', { ...valid, score: 6 }],
    ['a test score above its max', { ...valid, score: 8, tests: [{ ...valid.tests[0], score: 3 }, valid.tests[1]] }],
    ['a bad test status', { ...valid, tests: [{ ...valid.tests[0], status: 'ok' }, valid.tests[1]] }],
    ['a bad visibility', { ...valid, tests: [{ ...valid.tests[0], visibility: 'after_due_date' }, valid.tests[1]] }],
    ['a missing output', { ...valid, tests: [{ ...valid.tests[0], output: undefined }, valid.tests[1]] }],
    ['non-JSON details', { ...valid, tests: [{ ...valid.tests[0], details: { x: Infinity } }, valid.tests[1]] }],
    ['a commit that is not hex', { ...valid, commit: 'HEAD~1' }],
    ['no grader_version', { ...valid, grader_version: undefined }],
  ])('rejects %s', (_name, value) => {
    expect(GradeResultSchema.safeParse(value).success).toBe(false);
  });

  it('caps score comparisons at 4 decimals', () => {
    const tests = [0.1, 0.2].map((score, i) => ({ ...valid.tests[0], name: `t${i}`, score, max_score: 1 }));
    expect(GradeResultSchema.safeParse({ ...valid, score: 0.3, tests }).success).toBe(true);
  });
});

describe('TestResultSchema and JsonValueSchema', () => {
  it('types the statuses the report depends on', () => {
    for (const status of ['passed', 'failed', 'error', 'timeout', 'killed']) {
      expect(TestResultSchema.safeParse({ ...valid.tests[0], status }).success).toBe(true);
    }
  });

  it('accepts JSON and nothing else', () => {
    expect(JsonValueSchema.safeParse({ a: [1, 'x', null, true, { b: -0.5 }] }).success).toBe(true);
    for (const bad of [NaN, Infinity, undefined, () => 1, 1n, { a: undefined }, [Symbol('s')]]) {
      expect(JsonValueSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('roundScore', () => {
  it('rounds to 4 decimals without -0', () => {
    expect(roundScore(0.1 + 0.2)).toBe(0.3);
    expect(roundScore(1 / 3)).toBe(0.3333);
    expect(Object.is(roundScore(-0.00001), 0)).toBe(true);
  });
});

/**
 * The normaliser, one test per malformed case: whatever comes back, the result is valid,
 * every repair is said in an output, and nothing throws.
 */
import { normalizeResult, type NormalizeContext } from '../../grader/results/normalize';
import { GradeResultSchema, type GradeResult } from '../../grader/results/result-schema';

const ctx: NormalizeContext = { assignment: 'momentum-sgd', maxScore: 10, backend: 'wasm', graderVersion: '0.1.0' };

function test(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'single step', score: 2, max_score: 2, status: 'passed', visibility: 'visible', output: 'ok', ...overrides };
}

function raw(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    assignment: 'momentum-sgd',
    status: 'graded',
    score: 5,
    max_score: 10,
    backend: 'wasm',
    duration_ms: 812,
    tests: [test(), test({ name: 'minimize', score: 3, max_score: 8, status: 'failed', output: 'values differ' })],
    ...overrides,
  };
}

/** Normalises and checks the invariants every result must keep. */
function normalize(input: unknown, context: NormalizeContext = ctx): GradeResult {
  let result: GradeResult | undefined;
  expect(() => {
    result = normalizeResult(input, context);
  }).not.toThrow();
  const r = result!;
  const parsed = GradeResultSchema.safeParse(r);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  expect(() => JSON.stringify(r)).not.toThrow();
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  return r;
}

describe('normalizeResult: a well-formed result', () => {
  it('passes through unchanged apart from the context', () => {
    const r = normalize(raw({ grader_version: '9.9.9' }));
    expect(r).toEqual({
      assignment: 'momentum-sgd',
      status: 'graded',
      score: 5,
      max_score: 10,
      backend: 'wasm',
      duration_ms: 812,
      grader_version: '0.1.0',
      tests: [test(), test({ name: 'minimize', score: 3, max_score: 8, status: 'failed', output: 'values differ' })],
    });
  });

  it('is deterministic', () => {
    expect(normalize(raw())).toEqual(normalize(raw()));
  });

  it('takes grader_version, commit and dataset from the raw value when the context has none', () => {
    const r = normalize(raw({ grader_version: '1.2.3', commit: 'ABCDEF0123', dataset: 'mnist-small' }), {
      assignment: 'momentum-sgd',
      maxScore: 10,
      backend: 'cpu',
    });
    expect(r).toMatchObject({ grader_version: '1.2.3', commit: 'ABCDEF0123', dataset: 'mnist-small', backend: 'cpu' });
  });

  it('keeps the optional Gradescope fields and our extras', () => {
    const r = normalize(
      raw({
        output: 'top',
        output_format: 'md',
        execution_time: 1.5,
        stdout_visibility: 'hidden',
        extra_data: { a: 1 },
        leaderboard: [{ name: 'Accuracy', value: 0.93 }, { name: 'bad' }],
        compile_errors: [{ file: 'solution.ts', line: 3, column: 7, code: 'TS2322', message: 'x', sourceLine: 'let a = 1', severity: 'warning' }],
        tests: [test({ number: '1.1', tags: ['sgd', 7], details: { maxAbsError: 1e-7 } })],
      }),
    );
    expect(r).toMatchObject({
      output_format: 'md',
      execution_time: 1.5,
      stdout_visibility: 'hidden',
      extra_data: { a: 1 },
      leaderboard: [{ name: 'Accuracy', value: 0.93 }],
      compile_errors: [{ file: 'solution.ts', line: 3, column: 7, code: 'TS2322', message: 'x', sourceLine: 'let a = 1', severity: 'warning' }],
    });
    expect(r.tests[0]).toMatchObject({ number: '1.1', tags: ['sgd'], details: { maxAbsError: 1e-7 } });
  });
});

describe('normalizeResult: the raw value is not a result object', () => {
  it.each([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a string', 'Segmentation fault', 'the string "Segmentation fault"'],
    ['a number', 42, 'the number 42'],
    ['an array', [1, 2], 'a plain array of 2 items'],
    ['a function', () => 1, 'function'],
    ['an Error', new Error('crashed'), 'an Error "crashed"'],
  ])('%s → status error with a message', (_name, input, what) => {
    const r = normalize(input);
    expect(r).toMatchObject({ assignment: 'momentum-sgd', status: 'error', score: 0, max_score: 10, backend: 'wasm', tests: [] });
    expect(r.output).toContain('The grader produced no result object');
    expect(r.output).toContain(what);
  });
});

describe('normalizeResult: the result status', () => {
  it('coerces an unknown status to error and says so', () => {
    const r = normalize(raw({ status: 'done' }));
    expect(r.status).toBe('error');
    expect(r.output).toContain('Unknown result status the string "done" replaced by "error".');
  });

  it('treats a missing status as error', () => {
    const r = normalize(raw({ status: undefined }));
    expect(r.status).toBe('error');
    expect(r.output).toContain('no status');
  });

  it('zeroes points of a missing or non-compiling submission', () => {
    const r = normalize(raw({ status: 'compile_error' }));
    expect(r.score).toBe(0);
    expect(r.tests.every((t) => t.score === 0)).toBe(true);
    expect(r.tests[0].output).toContain('A non-compiling submission earns no points');
  });
});

describe('normalizeResult: the tests list', () => {
  it('a graded result without tests becomes an error', () => {
    const r = normalize(raw({ tests: undefined }));
    expect(r.status).toBe('error');
    expect(r.tests).toEqual([]);
    expect(r.score).toBe(0);
    expect(r.output).toContain('The result had no tests.');
  });

  it('tests that are not a list are left out, with a note', () => {
    const r = normalize(raw({ tests: { 0: test() } }));
    expect(r.tests).toEqual([]);
    expect(r.output).toContain('The tests were not a list (an object with keys "0")');
  });

  it('a missing or compile_error result may have no tests', () => {
    const r = normalize({ status: 'missing', output: 'no folder momentum-sgd/' });
    expect(r).toMatchObject({ status: 'missing', score: 0, tests: [], output: 'no folder momentum-sgd/' });
  });

  it('a test entry that is not an object becomes an error test', () => {
    const r = normalize(raw({ tests: [null, 'passed', 3, test()] }));
    expect(r.tests.map((t) => [t.name, t.status, t.score, t.max_score])).toEqual([
      ['test 1', 'error', 0, 0],
      ['test 2', 'error', 0, 0],
      ['test 3', 'error', 0, 0],
      ['single step', 'passed', 2, 2],
    ]);
    expect(r.tests[1].output).toContain('malformed (the string "passed")');
  });

  it('keeps at most maxTests tests', () => {
    const many = Array.from({ length: 50 }, (_, i) => test({ name: `t${i}`, score: 0.1, max_score: 0.1 }));
    const r = normalize(raw({ tests: many }), { ...ctx, limits: { maxTests: 10 } });
    expect(r.tests).toHaveLength(10);
    expect(r.score).toBe(1);
    expect(r.output).toContain('Only the first 10 of 50 tests were kept.');
  });
});

describe('normalizeResult: test scores', () => {
  const one = (t: Record<string, unknown>) => normalize(raw({ tests: [t] })).tests[0];

  it('clamps a score above max_score', () => {
    const t = one(test({ score: 5, max_score: 2 }));
    expect(t.score).toBe(2);
    expect(t.output).toContain('[grader] The score 5 exceeded max_score 2; clamped to 2.');
  });

  it('replaces a NaN score by 0 and says so', () => {
    const t = one(test({ score: NaN }));
    expect(t.score).toBe(0);
    expect(t.output).toContain('[grader] The score was NaN; counted as 0.');
  });

  it('replaces an infinite score by 0', () => {
    expect(one(test({ score: Infinity })).output).toContain('The score was Infinity; counted as 0.');
    expect(one(test({ score: -Infinity })).score).toBe(0);
  });

  it('replaces a negative score by 0', () => {
    const t = one(test({ score: -1 }));
    expect(t.score).toBe(0);
    expect(t.output).toContain('The score was negative (-1); counted as 0.');
  });

  it('replaces a non-numeric or missing score by 0', () => {
    expect(one(test({ score: '2' })).output).toContain('The score was the string "2"; counted as 0.');
    expect(one(test({ score: undefined })).output).toContain('The score was missing; counted as 0.');
  });

  it('treats a bad max_score as 0', () => {
    const t = one(test({ max_score: -3, score: 1 }));
    expect([t.score, t.max_score]).toEqual([0, 0]);
    expect(t.output).toContain('max_score was -3; counted as 0.');
  });

  it('rounds to 4 decimals', () => {
    const t = one(test({ score: 1 / 3, max_score: 2 / 3 }));
    expect([t.score, t.max_score]).toEqual([0.3333, 0.6667]);
  });
});

describe('normalizeResult: the total score', () => {
  it('recomputes the total as the sum of the test scores and says when it differed', () => {
    const r = normalize(raw({ score: 99 }));
    expect(r.score).toBe(5);
    expect(r.output).toContain('The reported total 99 was replaced by the sum of the test scores, 5.');
  });

  it('rounds the sum (no 0.30000000000000004)', () => {
    const r = normalize(raw({ score: 0.3, tests: [test({ score: 0.1, max_score: 1 }), test({ score: 0.2, max_score: 1 })] }));
    expect(r.score).toBe(0.3);
    expect(r.output).toBeUndefined();
  });

  it('clamps the total to the assignment max_score', () => {
    const r = normalize(raw({ tests: [test({ score: 8, max_score: 8 }), test({ score: 8, max_score: 8 })] }));
    expect(r.score).toBe(10);
    expect(r.output).toContain('add up to 16, more than max_score 10; clamped.');
  });

  it('uses the context max_score and notes a different reported one', () => {
    const r = normalize(raw({ max_score: 12 }));
    expect(r.max_score).toBe(10);
    expect(r.output).toContain("differs from the assignment's 10");
  });
});

describe('normalizeResult: test status and visibility', () => {
  it('coerces an unknown test status to error', () => {
    const t = normalize(raw({ tests: [test({ status: 'PASS' })] })).tests[0];
    expect(t.status).toBe('error');
    expect(t.output).toContain('Unknown test status the string "PASS" replaced by "error".');
  });

  it('treats an unknown visibility as hidden (never reveal by accident)', () => {
    const t = normalize(raw({ tests: [test({ visibility: 'after_due_date' })] })).tests[0];
    expect(t.visibility).toBe('hidden');
  });

  it('names a test without a name', () => {
    const t = normalize(raw({ tests: [test({ name: '' })] })).tests[0];
    expect(t.name).toBe('test 1');
  });
});

describe('normalizeResult: outputs', () => {
  it('truncates a huge output with a note', () => {
    const t = normalize(raw({ tests: [test({ output: 'x'.repeat(1_000_000) })] })).tests[0];
    expect(t.output.length).toBeLessThan(20_200);
    expect(t.output).toContain('output truncated: showing the first 20,000 of 1,000,000 characters');
  });

  it('truncates the top-level output too', () => {
    const r = normalize(raw({ output: 'y'.repeat(200_000) }));
    expect(r.output!.length).toBeLessThan(50_200);
  });

  it('does not split a surrogate pair when truncating', () => {
    const t = normalize(raw({ tests: [test({ output: `${'a'.repeat(19_999)}😀tail` })] })).tests[0];
    expect(t.output.startsWith('a'.repeat(19_999) + '\n')).toBe(true);
  });

  it('converts a non-string output and says so', () => {
    const cases: Array<[unknown, string]> = [
      [42, '42'],
      [true, 'true'],
      [{ expected: [1, 2], got: NaN }, '"got": "NaN"'],
      [['a', 'b'], '"a"'],
    ];
    for (const [output, text] of cases) {
      const t = normalize(raw({ tests: [test({ output })] })).tests[0];
      expect(t.output).toContain(text);
      expect(t.output).toContain('[grader] The output was');
    }
    expect(normalize(raw({ tests: [test({ output: null })] })).tests[0].output).toBe('');
  });
});

describe('normalizeResult: hostile values', () => {
  it('handles a cyclic result object', () => {
    const r: Record<string, unknown> = raw();
    r.self = r;
    (r.tests as Array<Record<string, unknown>>)[0].details = r;
    (r.tests as Array<Record<string, unknown>>)[1].output = r;
    const n = normalize(r);
    expect(n.score).toBe(5);
    expect(JSON.stringify(n.tests[0].details)).toContain('[circular]');
    expect(n.tests[1].output).toContain('[circular]');
  });

  it('handles getters that throw, at every level', () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    const t = test();
    Object.defineProperty(t, 'score', { get: boom, enumerable: true });
    Object.defineProperty(t, 'details', { get: boom, enumerable: true });
    const r = normalize(raw({ tests: [t] }));
    expect(r.tests[0].score).toBe(0);
    expect(r.tests[0].output).toContain('The score could not be read (Error: boom); counted as 0.');

    const top = raw();
    Object.defineProperty(top, 'tests', { get: boom, enumerable: true });
    const r2 = normalize(top);
    expect(r2.status).toBe('error');
    expect(r2.output).toContain('The tests could not be read (Error: boom).');

    const trap = new Proxy({}, { getOwnPropertyDescriptor: boom, ownKeys: boom, get: boom, getPrototypeOf: boom });
    expect(normalize(trap).status).toBe('error');
    expect(normalize(raw({ tests: [trap] })).tests[0].status).toBe('error');
  });

  it('handles a revoked proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(normalize(proxy).status).toBe('error');
    expect(normalize(raw({ tests: proxy })).status).toBe('error');
  });

  it('drops prototype-polluting keys and pollutes nothing', () => {
    const input = JSON.parse(
      '{"status":"graded","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"tests":[{"name":"t","score":1,"max_score":1,"status":"passed","visibility":"visible","output":"",' +
        '"__proto__":{"score":1},"details":{"__proto__":{"polluted":true},"ok":1}}]}',
    ) as unknown;
    const r = normalize(input);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(r, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(r.tests[0])).toBe(Object.prototype);
    expect(r.tests[0].details).toEqual({ ok: 1 });
    expect(Object.prototype.hasOwnProperty.call(r.tests[0].details, '__proto__')).toBe(false);
    expect(r).not.toHaveProperty('constructor.prototype.polluted');
  });

  it('makes details JSON-safe: NaN, Infinity, typed arrays, BigInt, functions', () => {
    const details = {
      maxAbsError: Infinity,
      rel: NaN,
      neg: -0,
      worst: [{ index: [0], expected: 1, actual: NaN }],
      data: Float32Array.from([1, 2]),
      big: 12n,
      fn: () => 1,
      sym: Symbol('s'),
      undef: undefined,
    };
    const t = normalize(raw({ tests: [test({ details })] })).tests[0];
    expect(t.details).toEqual({
      maxAbsError: 'Infinity',
      rel: 'NaN',
      neg: 0,
      worst: [{ index: [0], expected: 1, actual: 'NaN' }],
      data: [1, 2],
      big: '12',
    });
  });

  it('replaces too large details by a note', () => {
    const t = normalize(raw({ tests: [test({ details: { big: 'z'.repeat(90_000) } })] }), { ...ctx, limits: { detailsChars: 50_000 } }).tests[0];
    expect(t.details).toEqual({ truncated: true, chars: 90_010 });
    expect(t.output).toContain('details were too large');
  });

  it('drops unknown keys', () => {
    const r = normalize(raw({ secret: 'labels', tests: [test({ hiddenLabels: [1, 2, 3] })] }));
    expect(r).not.toHaveProperty('secret');
    expect(r.tests[0]).not.toHaveProperty('hiddenLabels');
  });

  it('survives a hostile context', () => {
    const r = normalizeResult(raw(), { assignment: 7, maxScore: NaN, backend: null } as unknown as NormalizeContext);
    expect(GradeResultSchema.safeParse(r).success).toBe(true);
    expect(r.assignment).toBe('unknown');
    expect(r.max_score).toBe(10);
  });

  it('repairs malformed compile errors', () => {
    const r = normalize(
      raw({
        status: 'compile_error',
        compile_errors: [{ file: 'solution.ts', line: -1, column: NaN, code: 5, message: 'oops' }, 'junk', { file: 'a.ts' }],
      }),
    );
    expect(r.compile_errors).toEqual([{ file: 'solution.ts', line: 0, column: 0, code: '', message: 'oops' }]);
    expect(r.output).toContain('2 malformed compile errors left out.');
  });

  it('rejects a commit that is not a hex SHA', () => {
    const r = normalize(raw({ commit: 'main; rm -rf /' }), { assignment: 'x', maxScore: 10, backend: 'cpu' });
    expect(r.commit).toBeUndefined();
  });
});

describe('normalizeResult: what the grading engine builds', () => {
  it('keeps a compile_error result with warnings-style diagnostics and not-run tests', () => {
    const r = normalize(
      {
        assignment: 'backprop',
        max_score: 10,
        backend: 'wasm',
        grader_version: '0.1.0',
        status: 'compile_error',
        score: 0,
        output: 'solution.ts did not compile:\n\nsolution.ts:4:3 - error TS1005',
        compile_errors: [{ file: 'solution.ts', line: 4, column: 3, code: 'TS1005', message: "';' expected.", severity: 'error', sourceLine: 'let x' }],
        tests: [{ name: 'forward', score: 0, max_score: 10, status: 'failed', visibility: 'visible', output: 'not run: the submission did not compile' }],
        duration_ms: 35,
      },
      { assignment: 'backprop', maxScore: 10, backend: 'wasm' },
    );
    expect(r).toMatchObject({ status: 'compile_error', score: 0, grader_version: '0.1.0', duration_ms: 35 });
    expect(r.compile_errors).toHaveLength(1);
    expect(r.output).toBe('solution.ts did not compile:\n\nsolution.ts:4:3 - error TS1005');
  });

  it('stores a failed comparison as JSON-safe details', () => {
    // The shape of a ComparisonFailure, with the non-finite numbers it may carry.
    const comparison = {
      ok: false,
      reason: 'nonfinite',
      message: 'dW[1]: got NaN',
      maxAbsError: 0,
      maxRelError: 0,
      worst: [{ index: [0, 1], expected: 0.5, actual: NaN, absError: NaN, relError: Infinity }],
      relErrorGrid: { rows: 1, cols: 2, values: [0, 1e6] },
    };
    const t = normalize(raw({ tests: [test({ status: 'failed', score: 0, details: { comparisons: [comparison] } })] })).tests[0];
    expect(t.details).toEqual({
      comparisons: [{ ...comparison, worst: [{ index: [0, 1], expected: 0.5, actual: 'NaN', absError: 'NaN', relError: 'Infinity' }] }],
    });
  });
});

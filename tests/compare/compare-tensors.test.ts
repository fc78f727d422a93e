import { compareTensors } from '../../grader/compare/compare-tensors';
import { CompareSetupError, REL_ERROR_GRID_CAP, type ComparisonFailure } from '../../grader/compare/types';
import { f32, i32, mapData, matrix } from './helpers';

function failure(c: ReturnType<typeof compareTensors>): ComparisonFailure {
  if (c.ok) throw new Error('expected a failure');
  return c;
}

describe('compareTensors: passing', () => {
  it('accepts equal tensors and reports zero errors', () => {
    expect(compareTensors(f32([1, 2, 3]), f32([1, 2, 3]))).toEqual({ ok: true, maxAbsError: 0, maxRelError: 0 });
  });

  it('uses numpy.allclose semantics: |a - e| <= atol + rtol * |e|', () => {
    const e = f32([100, 0]);
    // 100 * 1e-3 + 1e-6 allows 0.1000010 at 100; the 0 entry is within atol.
    expect(compareTensors(e, f32([100.09, 5e-7]), { rtol: 1e-3, atol: 1e-6 }).ok).toBe(true);
    expect(compareTensors(e, f32([100.2, 0]), { rtol: 1e-3, atol: 1e-6 }).ok).toBe(false);
    expect(compareTensors(e, f32([100, 2e-6]), { rtol: 1e-3, atol: 1e-6 }).ok).toBe(false);
  });

  it('reports the max errors of a passing comparison', () => {
    const c = compareTensors(f32([1, 2]), f32([1.000001, 2]), { rtol: 1e-3 });
    expect(c.ok).toBe(true);
    if (c.ok) {
      expect(c.maxAbsError).toBeGreaterThan(0);
      expect(c.maxAbsError).toBeLessThan(2e-6);
      expect(c.maxRelError).toBeCloseTo(c.maxAbsError, 9);
    }
  });

  it('treats -0 and 0 as equal', () => {
    expect(compareTensors(f32([0, -0]), f32([-0, 0]), { rtol: 0, atol: 0 }).ok).toBe(true);
  });

  it('matches NaN with NaN at the same index by default', () => {
    expect(compareTensors(f32([NaN, 1]), f32([NaN, 1])).ok).toBe(true);
  });

  it('requires infinities to match exactly', () => {
    expect(compareTensors(f32([Infinity, -Infinity]), f32([Infinity, -Infinity])).ok).toBe(true);
    const c = failure(compareTensors(f32([Infinity]), f32([-Infinity])));
    expect(c.reason).toBe('values');
  });

  it('compares empty tensors', () => {
    expect(compareTensors(f32([], [0, 3]), f32([], [0, 3])).ok).toBe(true);
  });

  it('compares scalars (shape [])', () => {
    expect(compareTensors(f32([2], []), f32([2], [])).ok).toBe(true);
    const c = failure(compareTensors(f32([2], []), f32([3], [])));
    expect(c.message).toContain('Worst at []');
  });
});

describe('compareTensors: type', () => {
  it.each([
    [undefined, /expected a tensor, got undefined — did the function return nothing/],
    [null, /got null/],
    [3, /got the number 3 — return a tensor: tf\.scalar/],
    ['abc', /got the string "abc"/],
    [[1, 2, 3], /got a plain array of 3 items — return a tensor: wrap the values with tf\.tensor/],
    [new Float32Array(12), /got a Float32Array of 12 values — did you return t\.dataSync\(\)/],
    [{ kind: 'promise' }, /got a Promise — did you forget await/],
    [{ kind: 'disposed-tensor', shape: [2, 3] }, /tensor of shape \[2, 3\] that had already been disposed/],
    [{ kind: 'function', name: 'forward' }, /the function forward — did you return the function instead of calling it/],
    [{ dx: 1, dy: 2 }, /got an object with keys dx, dy/],
    [{}, /got an empty object/],
    [{ kind: 'tensor', shape: [2, 3], dtype: 'float32', data: new Float32Array(5) }, /malformed tensor \(data has 5 values but shape \[2, 3\] needs 6\)/],
  ])('says what came instead: %p', (actual, pattern) => {
    const c = failure(compareTensors(f32([1, 2, 3]), actual));
    expect(c.reason).toBe('type');
    expect(c.message).toMatch(pattern);
  });

  it('prefixes the label', () => {
    const c = failure(compareTensors(f32([1]), undefined, { label: 'gradF(x, y).dx' }));
    expect(c.message.startsWith('gradF(x, y).dx: expected a tensor, got undefined')).toBe(true);
  });
});

describe('compareTensors: shape', () => {
  it('names both shapes and suggests a transpose or reshape for the same size', () => {
    const e = matrix(4, 3);
    const c = failure(compareTensors(e, matrix(3, 4, 7)));
    expect(c.reason).toBe('shape');
    expect(c.expectedShape).toEqual([4, 3]);
    expect(c.actualShape).toEqual([3, 4]);
    expect(c.message).toBe('expected shape [4, 3], got [3, 4] (same number of entries: a transpose or reshape?)');
  });

  it('uses the spec hint for shapes only when it gives one', () => {
    const c = failure(compareTensors(matrix(4, 3), matrix(3, 4), { usualCause: { shape: 'did you forget to transpose W?' } }));
    expect(c.message).toBe('expected shape [4, 3], got [3, 4] — did you forget to transpose W?');
    // A plain usualCause is about values, not shapes.
    const d = failure(compareTensors(matrix(4, 3), matrix(3, 4, 7), { usualCause: 'forgot 1/N' }));
    expect(d.message).not.toContain('forgot 1/N');
  });

  it('recognises an exact transpose', () => {
    const e = matrix(4, 3);
    const t = { ...e, shape: [3, 4], data: new Float32Array(12) };
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) (t.data as Float32Array)[j * 4 + i] = (e.data as Float32Array)[i * 3 + j];
    const c = failure(compareTensors(e, t));
    expect(c.message).toContain('exactly the transpose of the expected result');
  });

  it('suggests squeezing for [n, 1] against [n], and expandDims the other way', () => {
    const a = failure(compareTensors(f32([1, 2, 3, 4, 5]), f32([1, 2, 3, 4, 5], [5, 1]), { broadcast: false }));
    expect(a.message).toBe('expected shape [5], got [5, 1] (an extra axis of size 1: reshape to [5] or use tf.squeeze)');
    const b = failure(compareTensors(f32([1, 2, 3, 4, 5], [5, 1]), f32([1, 2, 3, 4, 5])));
    expect(b.message).toContain('an axis of size 1 is missing: reshape to [5, 1]');
  });

  it('says when the values are right and only the shape differs', () => {
    const c = failure(compareTensors(f32([1, 2, 3, 4, 5, 6], [2, 3]), f32([1, 2, 3, 4, 5, 6], [3, 2])));
    expect(c.message).toContain('the values are right and in order, only the shape differs: reshape to [2, 3]');
  });

  it('gives no same-size hint when the sizes differ', () => {
    const c = failure(compareTensors(f32([1, 2, 3]), f32([1, 2])));
    expect(c.message).toBe('expected shape [3], got [2]');
  });
});

describe('compareTensors: dtype', () => {
  it('accepts only float32 for float32 by default', () => {
    const c = failure(compareTensors(f32([1, 2]), i32([1, 2])));
    expect(c.reason).toBe('dtype');
    expect(c.message).toMatch(/^expected a float32 tensor, got int32 — .*tf\.cast\(x, 'float32'\)/);
  });

  it("accepts int32 for float32 with dtype 'float-any'", () => {
    expect(compareTensors(f32([1, 2]), i32([1, 2]), { dtype: 'float-any' }).ok).toBe(true);
    expect(compareTensors(f32([1, 2.5]), i32([1, 2]), { dtype: 'float-any' }).ok).toBe(false);
  });

  it('requires int32 exactly, with a hint', () => {
    const c = failure(compareTensors(i32([1, 2]), f32([1, 2]), { dtype: 'float-any' }));
    expect(c.reason).toBe('dtype');
    expect(c.message).toContain("tf.tensor1d(values, 'int32')");
  });

  it('compares int32 values exactly, ignoring the tolerance', () => {
    const c = failure(compareTensors(i32([3, 1, 4, 1, 5]), i32([3, 1, 4, 2, 5]), { rtol: 1, atol: 10 }));
    expect(c.message).toBe('values differ in 1 of 5 entries (int32 values must match exactly). First at [3]: expected 1, got 2.');
  });

  it('compares bool and string tensors', () => {
    const b = (v: number[]) => ({ kind: 'tensor' as const, shape: [v.length], dtype: 'bool' as const, data: Uint8Array.from(v) });
    expect(compareTensors(b([1, 0]), b([1, 0])).ok).toBe(true);
    expect(compareTensors(b([1, 0]), b([1, 1])).ok).toBe(false);
    const s = (v: string[]) => ({ kind: 'tensor' as const, shape: [v.length], dtype: 'string' as const, data: v });
    expect(compareTensors(s(['a', 'b']), s(['a', 'b'])).ok).toBe(true);
    expect(failure(compareTensors(s(['a', 'b']), s(['a', 'c']))).message).toContain('First at [1]: expected "b", got "c"');
  });
});

describe('compareTensors: values', () => {
  it('writes the teaching message', () => {
    const e = f32([0.5, 0.1234, -2, 3], [2, 2]);
    const a = f32([0.5, -0.1234, -2, 3.25], [2, 2]);
    const c = failure(compareTensors(e, a, { rtol: 1e-4, atol: 1e-6, label: 'dW[1]', usualCause: 'the sign of the error term' }));
    expect(c.reason).toBe('values');
    expect(c.mismatched).toBe(2);
    expect(c.total).toBe(4);
    expect(c.message).toBe(
      'dW[1]: values differ in 2 of 4 entries (tolerance rtol 1e-4, atol 1e-6). ' +
        'Worst at [0, 1]: expected 0.1234, got -0.1234 (abs error 0.2468, rel 2). ' +
        'Max abs error 0.25, max rel 2. Usual cause: the sign of the error term',
    );
  });

  it('lists the worst five entries, worst first, with multi-indices', () => {
    const e = matrix(6, 5);
    const a = mapData(e, (x, i) => (i % 3 === 0 ? x + 0.01 * (i + 1) : x));
    const c = failure(compareTensors(e, a));
    expect(c.worst).toHaveLength(5);
    expect(c.mismatched).toBe(10);
    const ratios = c.worst!.map((w) => w.absError / (1e-6 + 1e-5 * Math.abs(w.expected)));
    expect([...ratios].sort((x, y) => y - x)).toEqual(ratios);
    for (const w of c.worst!) {
      const [r, col] = w.index;
      expect(w.expected).toBe((e.data as Float32Array)[r * 5 + col]);
      expect(w.actual).toBe((a.data as Float32Array)[r * 5 + col]);
    }
  });

  it('shows enough digits to tell close values apart', () => {
    const c = failure(compareTensors(f32([1.2345678]), f32([1.2346]), { rtol: 0, atol: 1e-7 }));
    expect(c.message).toMatch(/expected 1\.23457, got 1\.2346\b/);
  });

  it('keeps the relative error finite where the expected value is 0', () => {
    const c = failure(compareTensors(f32([0, 1]), f32([0.5, 1])));
    expect(c.worst![0].relError).toBeCloseTo(0.5 / 1e-6, 0);
    expect(Number.isFinite(c.maxRelError!)).toBe(true);
  });

  it('gives a downsampled relative-error grid for 2-D results', () => {
    const e = matrix(100, 40);
    const a = mapData(e, (x, i) => (i === 0 ? x + 1 : x));
    const c = failure(compareTensors(e, a));
    expect(c.relErrorGrid).toBeDefined();
    const grid = c.relErrorGrid!;
    expect([grid.rows, grid.cols]).toEqual([32, 32]);
    expect(grid.values).toHaveLength(32 * 32);
    expect(grid.values[0]).toBeGreaterThan(0);
    expect(grid.values.slice(1).every((v) => v === 0)).toBe(true);
  });

  it('keeps small grids at full resolution and caps non-finite entries', () => {
    const c = failure(compareTensors(f32([1, 2, 3, 4], [2, 2]), f32([1, 2, 3, NaN], [2, 2])));
    expect(c.relErrorGrid).toEqual({ rows: 2, cols: 2, values: [0, 0, 0, REL_ERROR_GRID_CAP] });
  });

  it('has no grid for 1-D results', () => {
    expect(failure(compareTensors(f32([1, 2]), f32([1, 3]))).relErrorGrid).toBeUndefined();
  });
});

describe('compareTensors: non-finite values', () => {
  it("reports NaN where finite values were expected as 'nonfinite'", () => {
    const c = failure(compareTensors(f32([1, 2, 3]), f32([1, NaN, Infinity])));
    expect(c.reason).toBe('nonfinite');
    expect(c.mismatched).toBe(2);
    expect(c.message).toMatch(/got NaN or Infinity in 2 of 3 entries where finite values were expected \(first at \[1\]: NaN\)/);
    expect(c.message).toContain('log(0)');
  });

  it("fails any NaN with nan: 'forbid'", () => {
    const c = failure(compareTensors(f32([NaN, 1]), f32([NaN, 1]), { nan: 'forbid' }));
    expect(c.reason).toBe('nonfinite');
    expect(c.message).toContain('NaN is not allowed here, but 1 of 2 entries are NaN (first at [0])');
  });

  it("reports a number where NaN was expected as 'values'", () => {
    expect(failure(compareTensors(f32([NaN]), f32([1]))).reason).toBe('values');
  });

  it('takes the spec hint for non-finite values', () => {
    const c = failure(compareTensors(f32([1]), f32([NaN]), { usualCause: { nonfinite: 'softmax without max subtraction' } }));
    expect(c.message).toContain('Usual cause: softmax without max subtraction');
    expect(c.message).not.toContain('log(0)');
  });
});

describe('compareTensors: diagnoses', () => {
  const e = matrix(4, 3);
  it.each([
    ['all zeros', mapData(e, () => 0), 'The result is all zeros'],
    ['a sign flip', mapData(e, (x) => -x), 'opposite sign'],
    ['a constant factor', mapData(e, (x) => x / 32), 'got ≈ 1/32 × expected'],
    ['a factor 2', mapData(e, (x) => 2 * x), 'got ≈ 2 × expected'],
    ['an offset', mapData(e, (x) => x + 0.5), 'off by the same amount (0.5)'],
  ])('names %s', (_name, actual, text) => {
    expect(failure(compareTensors(e, actual)).message).toContain(text);
  });

  it('names a transposed square matrix', () => {
    const sq = matrix(3, 3);
    const d = sq.data as Float32Array;
    const t = mapData(sq, (_x, i) => d[(i % 3) * 3 + Math.floor(i / 3)]);
    expect(failure(compareTensors(sq, t)).message).toContain('The result equals the transpose of the expected one.');
  });

  it('says nothing special about scattered errors', () => {
    const a = mapData(e, (x, i) => (i === 4 ? x + 1 : x));
    const c = failure(compareTensors(e, a));
    expect(c.message).not.toMatch(/Every entry|all zeros|transpose/);
  });
});

describe('compareTensors: Russian', () => {
  it('writes every kind of message in Russian', () => {
    const ru = { lang: 'ru' as const, label: 'dW[0]' };
    expect(failure(compareTensors(f32([1]), undefined, ru)).message).toBe(
      'dW[0]: ожидался тензор, получено: undefined — функция ничего не вернула (забыт return?)',
    );
    expect(failure(compareTensors(matrix(4, 3), matrix(3, 4, 5), ru)).message).toBe(
      'dW[0]: ожидалась форма [4, 3], получена [3, 4] (число элементов совпадает: транспонирование или reshape?)',
    );
    expect(failure(compareTensors(f32([1, 2]), i32([1, 2]), ru)).message).toMatch(/^dW\[0\]: ожидался тензор типа float32, получен int32/);
    expect(failure(compareTensors(f32([1, 2, 3]), f32([1, 2, 4]), ru)).message).toMatch(
      /^dW\[0\]: значения отличаются в 1 из 3 элементов \(допуск rtol 1e-5, atol 1e-6\)\. Наибольшее расхождение в \[2\]: ожидалось 3, получено 4/,
    );
    expect(failure(compareTensors(f32([1, 2]), f32([NaN, 2]), ru)).message).toMatch(/получены NaN или Infinity в 1 из 2 элементов/);
  });

  it('uses the Russian spec hint when there is one', () => {
    const c = failure(compareTensors(f32([1]), f32([2]), { lang: 'ru', usualCause: { en: 'missing 1/N', ru: 'забыт множитель 1/N' } }));
    expect(c.message).toContain('Частая причина: забыт множитель 1/N');
    const d = failure(compareTensors(f32([1]), f32([2]), { lang: 'ru', usualCause: { en: 'missing 1/N' } }));
    expect(d.message).toContain('Частая причина: missing 1/N');
  });

  it('declines Russian nouns after numbers', () => {
    const c = failure(compareTensors(f32(new Array(21).fill(1)), f32([...new Array(20).fill(1), 2]), { lang: 'ru' }));
    expect(c.message).toContain('в 1 из 21 элемента');
  });
});

describe('compareTensors: setup errors', () => {
  it('throws CompareSetupError for a malformed expected tensor or bad options', () => {
    expect(() => compareTensors({ kind: 'tensor', shape: [2], dtype: 'float32', data: new Float32Array(3) }, f32([1, 2]))).toThrow(CompareSetupError);
    expect(() => compareTensors(f32([1]), f32([1]), { rtol: -1 })).toThrow(CompareSetupError);
    expect(() => compareTensors(f32([1]), f32([1]), { atol: NaN })).toThrow(CompareSetupError);
    expect(() => compareTensors(f32([1]), f32([1]), { lang: 'de' as 'en' })).toThrow(CompareSetupError);
    expect(() => compareTensors(f32([1]), f32([1]), { usualCause: { colour: 'x' } as never })).toThrow(CompareSetupError);
  });
});

describe('compareTensors: large inputs', () => {
  it('keeps messages short for 300,000 mismatches', () => {
    const n = 300_000;
    const e = f32([], [n]);
    e.data = new Float32Array(n).fill(1);
    const a = { ...e, data: new Float32Array(n).fill(2) };
    // Its speed is a benchmark's business, not a timed assertion's (it failed on a busy machine).
    const c = failure(compareTensors(e, a));
    expect(c.mismatched).toBe(n);
    expect(c.worst).toHaveLength(5);
    expect(c.message.length).toBeLessThan(600);
    expect(JSON.stringify(c).length).toBeLessThan(3_000);
  });
});

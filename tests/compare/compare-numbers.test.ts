import { compareNumbers } from '../../grader/compare/compare-numbers';
import { CompareSetupError, type Comparison, type ComparisonFailure } from '../../grader/compare/types';
import { f32 } from './helpers';

function failure(c: Comparison): ComparisonFailure {
  if (c.ok) throw new Error('expected a failure');
  return c;
}

describe('compareNumbers', () => {
  it('passes within the tolerance and reports the errors', () => {
    const c = compareNumbers(0.5, 0.5000001);
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.maxAbsError).toBeCloseTo(1e-7, 12);
  });

  it('fails outside the tolerance with a teaching message', () => {
    const c = failure(compareNumbers(0.5, 0.25, { label: 'evaluate(model, data).loss', usualCause: 'the mean of batch means' }));
    expect(c.reason).toBe('values');
    expect(c.message).toBe(
      'evaluate(model, data).loss: expected 0.5, got 0.25 (abs error 0.25, rel 0.5; tolerance rtol 1e-5, atol 1e-6). ' +
        'The value is ≈ 1/2 × the expected one: a missing or extra scaling such as 1/N, or a percentage instead of a fraction? ' +
        'Usual cause: the mean of batch means',
    );
    expect(c.worst).toEqual([{ index: [], expected: 0.5, actual: 0.25, absError: 0.25, relError: 0.5 }]);
    expect([c.mismatched, c.total]).toEqual([1, 1]);
  });

  it('names a percentage returned instead of a fraction as a factor of 100', () => {
    expect(failure(compareNumbers(0.93, 93)).message).toContain('The value is ≈ 100 × the expected one');
    expect(failure(compareNumbers(0.5, -0.5)).message).toContain('The value has the opposite sign');
  });

  it('does not invent a factor for unrelated numbers', () => {
    expect(failure(compareNumbers(0.93, 0.4)).message).not.toContain('factor');
  });

  it('handles -0, NaN and infinities', () => {
    expect(compareNumbers(0, -0, { atol: 0, rtol: 0 }).ok).toBe(true);
    expect(compareNumbers(NaN, NaN).ok).toBe(true);
    expect(failure(compareNumbers(NaN, NaN, { nan: 'forbid' })).reason).toBe('nonfinite');
    expect(compareNumbers(Infinity, Infinity).ok).toBe(true);
    const c = failure(compareNumbers(2.3, Infinity));
    expect(c.reason).toBe('nonfinite');
    expect(c.message).toMatch(/^expected 2\.3, got Infinity\. NaN and Infinity usually come from/);
    expect(failure(compareNumbers(Infinity, 1e308)).reason).toBe('values');
  });

  it.each([
    [undefined, 'expected a number, got undefined — did the function return nothing (a missing return)?'],
    ['0.5', 'expected a number, got the string "0.5"'],
    [f32([0.5], []), 'expected a number, got a float32 tensor of shape [] — return a plain number: (await t.data())[0] or t.dataSync()[0]'],
    [{ loss: 1 }, 'expected a number, got an object with keys loss'],
    [{ kind: 'bigint', value: '12' }, 'expected a number, got the BigInt 12'],
    [10n, 'expected a number, got the BigInt 10'],
  ])('says what came instead of a number: %p', (actual, message) => {
    const c = failure(compareNumbers(0.5, actual));
    expect(c.reason).toBe('type');
    expect(c.message).toBe(message);
  });

  it('speaks Russian', () => {
    expect(failure(compareNumbers(1, 3, { lang: 'ru', label: 'accuracy' })).message).toMatch(
      /^accuracy: ожидалось 1, получено 3 \(абс\. ошибка 2, отн\. 2; допуск rtol 1e-5, atol 1e-6\)\. Значение ≈ 3 × ожидаемое/,
    );
  });

  it('throws CompareSetupError when the expected value is not a number', () => {
    expect(() => compareNumbers('1' as unknown as number, 1)).toThrow(CompareSetupError);
  });
});

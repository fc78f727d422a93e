import {
  formatKey,
  formatList,
  formatNumber,
  formatPair,
  formatShape,
  joinPath,
  pluralRu,
  quote,
  truncate,
  unravelIndex,
} from '../../grader/compare/format';

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [3, '3'],
    [-120, '-120'],
    [0.123456, '0.1235'],
    [2.0, '2'],
    [1e-4, '1e-4'],
    [1.5e-7, '1.5e-7'],
    [123456.7, '123500'],
    [1.234e7, '12340000'],
    [1.5e10, '1.5e+10'],
    [1.5e9 + 0.5, '1.5e+9'],
    [Number.MAX_VALUE, '1.798e+308'],
    [5e-324, '4.941e-324'],
  ])('%p → %s', (x, text) => {
    expect(formatNumber(x)).toBe(text);
  });

  it('adds digits until two different numbers look different', () => {
    expect(formatPair(0.12345678, 0.12345679)).toEqual(['0.12345678', '0.12345679']);
    expect(formatPair(0.5, 0.25)).toEqual(['0.5', '0.25']);
    expect(formatPair(0, -0)).toEqual(['0', '-0']);
  });
});

describe('shapes, indices, keys', () => {
  it('formats shapes and cuts very long ones', () => {
    expect(formatShape([])).toBe('[]');
    expect(formatShape([4, 3])).toBe('[4, 3]');
    expect(formatShape(new Array(20).fill(1))).toBe('[1, 1, 1, 1, 1, 1, 1, 1, … (20 dims)]');
  });

  it('unravels flat indices row-major', () => {
    expect(unravelIndex(5, [2, 3])).toEqual([1, 2]);
    expect(unravelIndex(0, [])).toEqual([]);
    expect(unravelIndex(23, [2, 3, 4])).toEqual([1, 2, 3]);
  });

  it('joins paths and quotes odd keys', () => {
    expect(joinPath('', 'dx')).toBe('dx');
    expect(joinPath('grads', 'dx')).toBe('grads.dx');
    expect(joinPath('grads', 'a b')).toBe('grads["a b"]');
    expect(formatKey('__proto__')).toBe('__proto__');
    expect(formatKey('1x')).toBe('["1x"]');
  });

  it('bounds untrusted strings', () => {
    expect(quote('a"b\nc')).toBe('"a\\"b\\nc"');
    expect(quote('x'.repeat(1000)).length).toBeLessThan(50);
    expect(truncate('abc', 10)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    // A surrogate pair is never split.
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(formatList(['a', 'b', 'c'], 2)).toBe('a, b, … (3)');
  });

  it('picks Russian plural forms', () => {
    const f = (n: number) => pluralRu(n, 'one', 'few', 'many');
    expect([1, 2, 5, 11, 12, 21, 22, 25, 111, 112].map(f)).toEqual(['one', 'few', 'many', 'many', 'many', 'one', 'few', 'many', 'many', 'many']);
  });
});

import { clamp, colorScale, esc, fmtTick, fmtValue, integerTicks, logTicks, niceTicks, num, powerOfTen, safeValue } from '../../../grader/report/svg/svg-util';

describe('svg-util', () => {
  it('escapes markup characters', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('formats coordinates with fixed decimals, clamped, never NaN or Infinity', () => {
    expect(num(1.23456)).toBe('1.23');
    expect(num(2)).toBe('2');
    expect(num(2.5)).toBe('2.5');
    expect(num(-0.001)).toBe('0');
    expect(num(Number.NaN)).toBe('0');
    expect(num(Number.POSITIVE_INFINITY)).toBe('0');
    expect(num(1e300)).toBe('100000');
    expect(num(-1e300)).toBe('-100000');
    expect(num(1.26, 1)).toBe('1.3');
  });

  it('clamps data values before arithmetic', () => {
    expect(safeValue(null)).toBeUndefined();
    expect(safeValue(Number.NaN)).toBeUndefined();
    expect(safeValue(1e308)).toBe(1e150);
    expect(clamp(Number.NaN, 0, 1)).toBe(0);
  });

  it('formats values for people', () => {
    expect(fmtValue(0.123456)).toBe('0.1235');
    expect(fmtValue(-2)).toBe('−2');
    expect(fmtValue(1.5e-7)).toBe('1.5e-7');
    expect(fmtValue(3e7)).toBe('3e7');
    expect(fmtValue(null)).toBe('—');
    expect(fmtValue(Number.NaN)).toBe('—');
    expect(fmtTick(0.30000000000000004, 0.1)).toBe('0.3');
    expect(fmtTick(1e-17, 0.5)).toBe('0');
    expect(powerOfTen(-6)).toBe('10⁻⁶');
  });

  it('makes nice ticks', () => {
    expect(niceTicks(0.13, 2.41, 5)).toEqual({ ticks: [0, 0.5, 1, 1.5, 2, 2.5], lo: 0, hi: 2.5, step: 0.5 });
    expect(niceTicks(0.13, 2.71, 5)).toEqual({ ticks: [0, 1, 2, 3], lo: 0, hi: 3, step: 1 });
    const flat = niceTicks(4, 4);
    expect(flat.lo).toBeLessThan(4);
    expect(flat.hi).toBeGreaterThan(4);
    for (const [a, b] of [
      [5e-324, 5e-324],
      [-1e308, 1e308],
      [0, 0],
      [Number.NaN, 1],
    ]) {
      const t = niceTicks(a, b);
      expect(t.ticks.length).toBeGreaterThan(0);
      expect(t.ticks.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(t.step) && t.step > 0).toBe(true);
    }
    expect(integerTicks(1, 12).ticks).toEqual([2, 4, 6, 8, 10, 12]);
    expect(integerTicks(1, 100).ticks).toEqual([1, 20, 40, 60, 80, 100]);
    expect(integerTicks(1, 3).ticks).toEqual([1, 2, 3]);
  });

  it('makes decade ticks for log axes', () => {
    expect(logTicks(0.2, 3e7)).toEqual({ ticks: [0.1, 10, 1000, 1e5, 1e7], e0: -1, e1: 8 });
    expect(logTicks(0.5, 8).ticks).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
  });

  it('interpolates colour scales', () => {
    const s = colorScale(['#000000', '#ffffff']);
    expect(s(0)).toBe('#000000');
    expect(s(1)).toBe('#ffffff');
    expect(s(0.5)).toBe('#808080');
    expect(s(Number.NaN)).toBe('#000000');
    expect(s(7)).toBe('#ffffff');
  });
});

/**
 * The mistakes the autograd-graph spec names must be what they claim: a graph variant's
 * gradients are the derivatives of its own f, and no mistake gives the right values.
 */
import { broadcastPair, broadcastShape, sumTo } from '../../../assignments/autograd-graph/broadcast';
import { MISTAKES } from '../../../assignments/autograd-graph/mistakes';
import { plainTensor } from '../../../grader/compare';

const f = (x: number, y: number) => x * x + x * y + (x + y) ** 2;
const POINTS: Array<[number, number]> = [
  [11, 3],
  [-1.5, 0.25],
  [0.7, -2],
];
const H = 1e-6;

describe('autograd-graph mistakes', () => {
  it.each(MISTAKES.filter((m) => m.f !== undefined).map((m) => [m.hint.en, m] as const))('%s: its gradients are those of its f', (_hint, m) => {
    const g = m.f as (x: number, y: number) => number;
    for (const [x, y] of POINTS) {
      expect(m.dx(x, y, 1)).toBeCloseTo((g(x + H, y) - g(x - H, y)) / (2 * H), 4);
      expect(m.dy(x, y, 1)).toBeCloseTo((g(x, y + H) - g(x, y - H)) / (2 * H), 4);
    }
  });

  // An unreducedOnly mistake has the right elementwise values: it differs only in shape.
  it.each(MISTAKES.filter((m) => m.unreducedOnly !== true).map((m) => [m.hint.en, m] as const))('%s: differs from the right values', (_hint, m) => {
    const [x, y] = POINTS[1];
    const n = 3;
    const right = m.f !== undefined && Math.abs(m.f(x, y) - f(x, y)) < 1e-3;
    const rightDx = Math.abs(m.dx(x, y, n) - (4 * x + 3 * y)) < 1e-3;
    const rightDy = Math.abs(m.dy(x, y, n) - (3 * x + 2 * y)) < 1e-3;
    expect(right || (rightDx && rightDy)).toBe(false);
  });

  it('has a Russian hint for every mistake', () => {
    for (const m of MISTAKES) expect(m.hint.ru.length).toBeGreaterThan(10);
  });
});

describe('autograd-graph broadcasting of the mistakes\' values', () => {
  it('broadcasts shapes like tf.add, either side the smaller', () => {
    expect(broadcastShape([3, 4], [4])).toEqual([3, 4]);
    expect(broadcastShape([4], [2, 3, 4])).toEqual([2, 3, 4]);
    expect(broadcastShape([], [2, 2])).toEqual([2, 2]);
    expect(broadcastShape([3, 1], [1, 4])).toEqual([3, 4]);
    expect(broadcastShape([3], [4])).toBeUndefined();
  });

  it('expands x and y to the broadcast shape and sums a gradient back down', () => {
    const pair = broadcastPair(plainTensor([1, 2, 3, 4, 5, 6], [2, 3]), plainTensor([10, 20, 30], [3]));
    expect(pair).toEqual({ shape: [2, 3], xs: [1, 2, 3, 4, 5, 6], ys: [10, 20, 30, 10, 20, 30] });
    expect(sumTo([1, 2, 3, 4, 5, 6], [2, 3], [3])).toEqual([5, 7, 9]);
    expect(sumTo([1, 2, 3, 4, 5, 6], [2, 3], [2, 1])).toEqual([6, 15]);
    expect(sumTo([1, 2, 3, 4, 5, 6], [2, 3], [])).toEqual([21]);
  });
});

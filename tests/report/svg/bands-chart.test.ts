import { bandsChart, pointsFor, type BandsChartOptions } from '../../../grader/report/svg/bands-chart';
import { xmlProblems } from '../xml-check';

const texts: BandsChartOptions['texts'] = {
  metric: 'accuracy',
  direction: 'higher is better',
  yourValue: 'you',
  reference: 'ref',
  noValue: 'none',
  offScale: 'off',
  points: (n) => `${n}p`,
};

describe('pointsFor', () => {
  const bands = [
    { threshold: 0.9, points: 1 },
    { threshold: 0.95, points: 3 },
  ];
  it('gives the best band passed', () => {
    expect(pointsFor(0.89, 'higher', bands)).toBe(0);
    expect(pointsFor(0.9, 'higher', bands)).toBe(1);
    expect(pointsFor(0.97, 'higher', bands)).toBe(3);
    expect(pointsFor(0.97, 'lower', bands)).toBe(0);
    expect(pointsFor(0.92, 'lower', bands)).toBe(3);
  });
});

describe('bandsChart', () => {
  it('drops a threshold label to a second row when it would overlap', () => {
    const out = bandsChart({
      value: 0.5,
      better: 'higher',
      bands: [
        { threshold: 0.9, points: 1 },
        { threshold: 0.9001, points: 2 },
        { threshold: 0.99, points: 3 },
      ],
      texts,
      label: 'x',
    });
    const ys = [...out.matchAll(/<text x="[^"]+" y="([^"]+)" class="fig-tick" text-anchor="middle">0\.9/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect(ys[1]).toBeGreaterThan(ys[0]);
    expect(ys[2]).toBe(ys[0]);
    // 0.5 lies far below the bands: shown at the edge, off the scale
    expect(out).toContain('>you: 0.5 → 0p (off)</text>');
    expect(xmlProblems(out)).toEqual([]);
  });

  it('keeps accuracy within [0, 1]', () => {
    const out = bandsChart({ value: 1, better: 'higher', bands: [{ threshold: 0.99, points: 1 }], limits: [0, 1], texts, label: 'x' });
    expect(out).toContain('>you: 1 → 1p</text>');
  });
});

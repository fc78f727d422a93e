import { contourLevels, contourLines } from '../../../grader/report/svg/contours';

function grid(rows: number, cols: number, f: (x: number, y: number) => number): number[] {
  const v: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) v.push(f(c, r));
  return v;
}

describe('contourLines', () => {
  it('traces a circle as one closed line at the right radius', () => {
    const values = grid(21, 21, (x, y) => (x - 10) ** 2 + (y - 10) ** 2);
    const lines = contourLines(values, 21, 21, 25);
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line[0]).toEqual(line[line.length - 1]);
    for (const [x, y] of line) expect(Math.hypot(x - 10, y - 10)).toBeCloseTo(5, 0);
  });

  it('returns open lines for a plane and nothing off its range', () => {
    const values = grid(5, 5, (x) => x);
    const lines = contourLines(values, 5, 5, 2.5);
    expect(lines).toHaveLength(1);
    expect(lines[0].every(([x]) => x === 2.5)).toBe(true);
    expect(lines[0]).toHaveLength(5);
    expect(contourLines(values, 5, 5, 10)).toEqual([]);
  });

  it('resolves saddles and ignores a grid of the wrong size', () => {
    const lines = contourLines([1, 0, 0, 1], 2, 2, 0.5);
    expect(lines).toHaveLength(2);
    expect(contourLines([1, 2, 3], 2, 2, 1.5)).toEqual([]);
  });

  it('is deterministic', () => {
    const values = grid(30, 30, (x, y) => (1 - x / 10) ** 2 + 100 * (y / 10 - (x / 10) ** 2) ** 2);
    expect(JSON.stringify(contourLines(values, 30, 30, 3))).toBe(JSON.stringify(contourLines(values, 30, 30, 3)));
  });
});

describe('contourLevels', () => {
  it('gives log-spaced levels above the minimum, none for a flat grid', () => {
    const levels = contourLevels(1, 1001, 8);
    expect(levels).toHaveLength(8);
    expect(levels[0]).toBeCloseTo(2, 6);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - 1).toBeCloseTo((levels[i - 1] - 1) * Math.pow(10, 2.85 / 7), 6);
    expect(contourLevels(3, 3)).toEqual([]);
  });
});

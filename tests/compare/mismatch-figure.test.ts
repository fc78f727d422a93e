/**
 * grader/compare/mismatch-figure.ts: a failed comparison as the report's `tensor-mismatch`
 * figure, always valid for FigureSchema and JSON (no NaN, no Infinity).
 * (It lives here rather than in tests/compare/ only because of who edits which folder.)
 */
import { compareNumbers, compareStructure, compareTensors, plainTensor, type ComparisonFailure } from '../../grader/compare';
import { MAX_MISMATCH_FIGURES, hasMismatchPicture, mismatchFigure, mismatchFigures, structureFigures } from '../../grader/compare/mismatch-figure';
import { FigureSchema } from '../../grader/report/figures';

function failure(c: ReturnType<typeof compareTensors>): ComparisonFailure {
  if (c.ok) throw new Error('expected a failed comparison');
  return c;
}

/** The figure survives JSON and parses: what the report will read back from the stored result. */
function roundTrip(figure: unknown) {
  const text = JSON.stringify(figure);
  expect(text).not.toMatch(/NaN|Infinity/);
  const parsed = FigureSchema.safeParse(JSON.parse(text));
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  if (!parsed.success) throw new Error('unreachable');
  return parsed.data;
}

describe('mismatchFigure', () => {
  it('maps the worst entries, shapes, counts and the relative-error grid of a 2-D mismatch', () => {
    const expected = plainTensor(Float32Array.from({ length: 12 }, (_, i) => i + 1), [3, 4]);
    const actualValues = Float32Array.from(expected.data as Float32Array);
    actualValues[5] = 60; // [1, 1]: 6 → 60
    actualValues[11] = 13; // [2, 3]: 12 → 13
    const cmp = failure(compareTensors(expected, plainTensor(actualValues, [3, 4]), { label: 'dW[1]' }));
    const figure = roundTrip(mismatchFigure('dW[1]', cmp));
    expect(figure).toMatchObject({ kind: 'tensor-mismatch', label: 'dW[1]', expectedShape: [3, 4], actualShape: [3, 4], mismatched: 2, total: 12 });
    if (figure.kind !== 'tensor-mismatch') throw new Error('unreachable');
    expect(figure.worst[0]).toEqual({ index: [1, 1], expected: 6, actual: 60, absError: 54, relError: 9 });
    expect(figure.worst[1].index).toEqual([2, 3]);
    expect(figure.grid?.rows).toBe(3);
    expect(figure.grid?.cols).toBe(4);
    expect(figure.grid?.values[5]).toBe(9);
    expect(figure.grid?.values[0]).toBe(0);
  });

  it('turns NaN and Infinity into null', () => {
    const expected = plainTensor([1, 2, 3, 4], [2, 2]);
    const cmp = failure(compareTensors(expected, plainTensor([NaN, Infinity, 3, 4], [2, 2]), { nan: 'forbid' }));
    const figure = roundTrip(mismatchFigure('x', cmp));
    if (figure.kind !== 'tensor-mismatch') throw new Error('unreachable');
    expect(figure.worst.length).toBeGreaterThan(0);
    const actuals = figure.worst.map((w) => w.actual);
    expect(actuals.every((a) => a === null)).toBe(true);
    // The grid caps a non-finite mismatch at a finite value.
    expect(figure.grid?.values.every((v) => v === null || Number.isFinite(v))).toBe(true);
  });

  it('shows a shape mismatch by its shapes alone', () => {
    const cmp = failure(compareTensors(plainTensor([1, 2, 3, 4, 5, 6], [2, 3]), plainTensor([1, 2, 3, 4, 5, 6], [3, 2])));
    expect(hasMismatchPicture(cmp)).toBe(true);
    const figure = roundTrip(mismatchFigure('dW[0]', cmp));
    expect(figure).toMatchObject({ expectedShape: [2, 3], actualShape: [3, 2] });
    if (figure.kind !== 'tensor-mismatch') throw new Error('unreachable');
    expect(figure.worst).toEqual([]);
    expect(figure.grid).toBeUndefined();
  });

  it('maps a failed number (a scalar) with an empty index', () => {
    const cmp = compareNumbers(2.5, 2.0, { rtol: 1e-4, atol: 1e-5 });
    if (cmp.ok) throw new Error('expected a failed comparison');
    const figure = roundTrip(mismatchFigure('evaluate(…).loss', cmp));
    expect(figure).toMatchObject({ mismatched: 1, total: 1, worst: [{ index: [], expected: 2.5, actual: 2 }] });
  });

  it('leaves out what the schema cannot hold and cuts a long label', () => {
    const hostile: ComparisonFailure = {
      ok: false,
      reason: 'values',
      message: 'm',
      expectedShape: [1, 1, 1, 1, 1, 1, 1, 1, 1],
      actualShape: [2, -1],
      mismatched: 1.5,
      total: 4,
      worst: Array.from({ length: 20 }, (_, i) => ({ index: [i], expected: i, actual: NaN, absError: NaN, relError: Infinity })),
      relErrorGrid: { rows: 2, cols: 2, values: [1, 2, 3] },
    };
    const figure = roundTrip(mismatchFigure('x'.repeat(500), hostile));
    if (figure.kind !== 'tensor-mismatch') throw new Error('unreachable');
    expect(figure.label.length).toBeLessThanOrEqual(200);
    expect(figure.expectedShape).toBeUndefined();
    expect(figure.actualShape).toBeUndefined();
    expect(figure.mismatched).toBeUndefined();
    expect(figure.total).toBe(4);
    expect(figure.worst).toHaveLength(10);
    expect(figure.grid).toBeUndefined();
  });
});

describe('structureFigures', () => {
  it('draws the failing leaves that have values, at most MAX_MISMATCH_FIGURES, and nothing for a missing key', () => {
    const t = (v: number) => plainTensor([v, v], [2]);
    const expected = { a: t(1), b: t(2), c: t(3), d: t(4), e: t(5) };
    const cmp = compareStructure(expected, { a: t(0), b: t(0), c: t(0), d: t(0) }, { label: 'out' });
    expect(cmp.ok).toBe(false);
    const figures = structureFigures(cmp);
    expect(figures).toHaveLength(MAX_MISMATCH_FIGURES);
    expect(figures.map((f) => f.label)).toEqual(['out.a', 'out.b', 'out.c']);
    for (const f of figures) roundTrip(f);
    // 'out.e' is missing: no values, no shapes, nothing to draw.
    const missing = cmp.failures.filter((f) => f.path === 'out.e');
    expect(missing).toHaveLength(1);
    expect(mismatchFigures(missing)).toEqual([]);
  });

  it('gives nothing for a comparison that passed', () => {
    const cmp = compareStructure({ a: plainTensor([1], [1]) }, { a: plainTensor([1], [1]) });
    expect(structureFigures(cmp)).toEqual([]);
  });
});

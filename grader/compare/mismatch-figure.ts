/**
 * A failed comparison as a picture for the HTML report: the `tensor-mismatch` figure of
 * grader/report/figures.ts (the worst entries, the shapes, the relative-error map).
 *
 * Pure data mapping, never throws: the result is always valid for FigureSchema (non-finite
 * numbers become null, as the result JSON forbids NaN and Infinity; shapes the schema cannot
 * hold are left out; the label is cut to its maximum length).
 */
import type { FigureInput } from '../report/figures';
import type { StructureComparison } from './compare-structure';
import type { ComparisonFailure } from './types';

export type TensorMismatchFigure = Extract<FigureInput, { kind: 'tensor-mismatch' }>;

/** Figures one verdict carries at most: they are stored with every result. */
export const MAX_MISMATCH_FIGURES = 3;

const MAX_LABEL = 200;
const MAX_SHAPE_DIMS = 8;
const MAX_WORST = 10;
const MAX_GRID_SIDE = 32;

function finiteOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? (x === 0 ? 0 : x) : null;
}

/** 4 significant digits: the heatmap only needs its colour, and the JSON stays small. */
function rounded(x: unknown): number | null {
  const v = finiteOrNull(x);
  return v === null ? null : Number(v.toPrecision(4));
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function shapeOf(shape: readonly number[] | undefined): number[] | undefined {
  if (!Array.isArray(shape) || shape.length > MAX_SHAPE_DIMS || !shape.every(isCount)) return undefined;
  return [...shape];
}

function cut(label: string): string {
  return label.length <= MAX_LABEL ? label : `${label.slice(0, MAX_LABEL - 1)}…`;
}

/** The figure of one failed comparison; `label` names what was compared (e.g. 'dW[1]'). */
export function mismatchFigure(label: string, failure: ComparisonFailure): TensorMismatchFigure {
  const figure: TensorMismatchFigure = { kind: 'tensor-mismatch', label: cut(String(label)) };
  const expectedShape = shapeOf(failure.expectedShape);
  const actualShape = shapeOf(failure.actualShape);
  if (expectedShape !== undefined) figure.expectedShape = expectedShape;
  if (actualShape !== undefined) figure.actualShape = actualShape;
  if (isCount(failure.mismatched)) figure.mismatched = failure.mismatched;
  if (isCount(failure.total)) figure.total = failure.total;
  if (Array.isArray(failure.worst) && failure.worst.length > 0) {
    figure.worst = failure.worst.slice(0, MAX_WORST).map((w) => ({
      index: Array.isArray(w.index) ? w.index.filter((i) => Number.isInteger(i)) : [],
      expected: finiteOrNull(w.expected),
      actual: finiteOrNull(w.actual),
      absError: finiteOrNull(w.absError),
      relError: finiteOrNull(w.relError),
    }));
  }
  const grid = failure.relErrorGrid;
  if (
    grid !== undefined &&
    Number.isInteger(grid.rows) &&
    Number.isInteger(grid.cols) &&
    grid.rows >= 1 &&
    grid.cols >= 1 &&
    grid.rows <= MAX_GRID_SIDE &&
    grid.cols <= MAX_GRID_SIDE &&
    Array.isArray(grid.values) &&
    grid.values.length === grid.rows * grid.cols
  ) {
    figure.grid = { rows: grid.rows, cols: grid.cols, values: grid.values.map(rounded) };
  }
  return figure;
}

/** Whether a failure has anything to draw (a missing key or a wrong type has not). */
export function hasMismatchPicture(failure: ComparisonFailure): boolean {
  return (
    (failure.worst !== undefined && failure.worst.length > 0) ||
    failure.relErrorGrid !== undefined ||
    failure.expectedShape !== undefined ||
    failure.actualShape !== undefined
  );
}

/**
 * The figures of failed comparisons that have something to draw, the first `max` of them:
 * `failures` as compareStructure lists them ({path, comparison}).
 */
export function mismatchFigures(
  failures: ReadonlyArray<{ path: string; comparison: ComparisonFailure }>,
  max = MAX_MISMATCH_FIGURES,
): TensorMismatchFigure[] {
  return failures
    .filter((f) => hasMismatchPicture(f.comparison))
    .slice(0, Math.max(0, max))
    .map((f) => mismatchFigure(f.path, f.comparison));
}

/** The figures of a structure comparison's failures (none when it passed). */
export function structureFigures(cmp: StructureComparison, max = MAX_MISMATCH_FIGURES): TensorMismatchFigure[] {
  return cmp.ok ? [] : mismatchFigures(cmp.failures, max);
}

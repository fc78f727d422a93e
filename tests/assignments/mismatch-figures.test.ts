/**
 * The `tensor-mismatch` figures the specs attach when a comparison decides a failed test
 * (autograd-graph, backprop, mnist-test-loop; momentum-sgd in momentum-sgd/figures.test.ts),
 * from one grading of a typical wrong example each. Passing tests carry none.
 */
import type { GradeResult } from '../../grader/results/result-schema';
import { MAX_MISMATCH_FIGURES } from '../../grader/compare/mismatch-figure';
import type { Figure } from '../../grader/report/figures';
import { figuresOfTest, gradeExample } from './figure-checks';

type Mismatch = Extract<Figure, { kind: 'tensor-mismatch' }>;

function mismatches(result: GradeResult, test: string): Mismatch[] {
  const figures = figuresOfTest(result, test);
  expect(figures.every((f) => f.kind === 'tensor-mismatch')).toBe(true);
  expect(figures.length).toBeLessThanOrEqual(MAX_MISMATCH_FIGURES);
  return figures.filter((f): f is Mismatch => f.kind === 'tensor-mismatch');
}

describe('autograd-graph: dx and dy swapped', () => {
  let result: GradeResult;
  beforeAll(async () => {
    result = await gradeExample('autograd-graph', 'swapped-gradients');
  });

  it('shows both gradients of the matrix case with their worst entries and error maps', () => {
    const figures = mismatches(result, 'gradF on a matrix');
    expect(figures.map((f) => f.label)).toEqual(['gradF(x [4, 3], y [4, 3]).dx', 'gradF(x [4, 3], y [4, 3]).dy']);
    for (const f of figures) {
      expect(f.expectedShape).toEqual([4, 3]);
      expect(f.total).toBe(12);
      expect(f.worst.length).toBeGreaterThan(0);
      expect(f.grid).toMatchObject({ rows: 4, cols: 3 });
    }
  });

  it('draws nothing where the test passed', () => {
    expect(figuresOfTest(result, "f at the lecture's point x = 11")).toEqual([]);
  });

  it('keeps to the first figures when several cases fail', () => {
    expect(mismatches(result, 'f and gradF on more shapes and larger values')).toHaveLength(MAX_MISMATCH_FIGURES);
  });
});

describe('backprop', () => {
  let transposed: GradeResult;
  let noMean: GradeResult;
  beforeAll(async () => {
    transposed = await gradeExample('backprop', 'dw-transposed');
    noMean = await gradeExample('backprop', 'forgets-mean');
  });

  it('a transposed dW: the shapes test shows expected and returned shapes', () => {
    const figures = mismatches(transposed, 'backward: shapes of deltas, dW and db');
    expect(figures.length).toBeGreaterThan(0);
    const [first] = figures;
    expect(first.label).toMatch(/\.dW\[0\]$/);
    expect(first.actualShape).toEqual([...(first.expectedShape ?? [])].reverse());
  });

  it('a missing 1/N: the dW and db test shows the values that differ', () => {
    const figures = mismatches(noMean, 'backward: dW and db');
    expect(figures.length).toBeGreaterThan(0);
    for (const f of figures) {
      expect(f.label).toMatch(/\.(dW|db)\[\d\]$/);
      expect(f.mismatched).toBeGreaterThan(0);
      expect(f.worst[0].relError).toBeGreaterThan(1);
    }
    expect(figures.some((f) => f.grid !== undefined)).toBe(true);
  });
});

describe('mnist-test-loop: the mean of batch means', () => {
  let result: GradeResult;
  beforeAll(async () => {
    result = await gradeExample('mnist-test-loop', 'mean-of-batch-means');
  });

  it('shows the loss and the accuracy that differ as scalars, and keeps the expected and actual details', () => {
    const test = 'random model, batches of 32 with a partial last batch';
    const figures = mismatches(result, test);
    expect(figures.map((f) => f.label.replace(/^evaluate\(.*\)\./, ''))).toEqual(['loss', 'accuracy']);
    for (const f of figures) {
      expect(f.worst).toHaveLength(1);
      expect(f.worst[0].index).toEqual([]);
      expect(f).toMatchObject({ mismatched: 1, total: 1 });
    }
    const details = result.tests.find((t) => t.name === test)?.details;
    expect(details).toMatchObject({ expected: { loss: expect.any(Number) }, actual: { loss: expect.any(Number) } });
  });
});

/**
 * momentum-sgd's report figures: the path of minimize over the contour lines of Rosenbrock's
 * function (the student's, recorded in the runner at each loss evaluation, and the
 * reference's), and the tensors that differ when a step is wrong.
 */
import * as tf from '@tensorflow/tfjs';
import { plainTensor } from '../../../grader/compare';
import { buildLoss, recordingLoss } from '../../../assignments/momentum-sgd/probes';
import type { GradeResult } from '../../../grader/results/result-schema';
import { QUADRATIC_OPTIONS, ROSENBROCK_OPTIONS, quadratic, rosenbrock } from '../../../assignments/momentum-sgd/problems';
import { planeOf } from '../../../assignments/momentum-sgd/spec';
import { SeededRandom } from '../../../grader/util/rng';
import { figureOf, figuresOfTest, gradeExample, testNamed } from '../figure-checks';

const ROSENBROCK = 'minimize on the Rosenbrock function';
const QUADRATIC = 'minimize on an ill-conditioned quadratic';

describe('which problems get a trajectory', () => {
  it('Rosenbrock (two scalars or a 2-vector) and the quadratic (its 2-vector w, c at its optimum) do', () => {
    const r = rosenbrock();
    expect(planeOf(r.problem, r.init)?.optimum).toEqual([1, 1]);
    expect(planeOf(r.problem, [plainTensor([-1.2, 1], [2])])).toBeDefined();
    expect(planeOf(r.problem, [plainTensor([-1.2, 1], [1, 2])])).toBeUndefined();
    const q = quadratic(new SeededRandom(1));
    const plane = planeOf(q.problem, q.init);
    if (plane?.optimum === undefined) throw new Error('the quadratic has a plane with a known minimum');
    // The minimum solves A·w = b: the loss is 0 there and positive around it.
    expect(plane.loss(...plane.optimum)).toBeCloseTo(0, 10);
    expect(plane.loss(plane.optimum[0] + 0.1, plane.optimum[1])).toBeGreaterThan(0);
    expect(planeOf(q.problem, [plainTensor([1, 2, 3], [3]), plainTensor([1], [])])).toBeUndefined();
  });
});

describe('recordingLoss (the probe\'s and the reference\'s recorder)', () => {
  it('records two numbers per evaluation, at most maxPoints, and leaves the loss as it was', () => {
    const built = buildLoss(tf, rosenbrock().problem);
    const recorded = recordingLoss(tf, built.loss, 3);
    for (let i = 0; i < 5; i++) {
      const params = [tf.scalar(i), tf.scalar(2 * i)];
      const value = recorded.loss(params);
      expect(value.dataSync()[0]).toBeCloseTo((1 - i) ** 2 + 100 * (2 * i - i * i) ** 2, 3);
      tf.dispose([value, ...params]);
    }
    expect(recorded.points).toEqual([
      [0, 0],
      [1, 2],
      [2, 4],
    ]);
  });

  it('records a leading 2-vector (the quadratic\'s w), skips anything else, and never throws', () => {
    const recorded = recordingLoss(tf, () => tf.scalar(0));
    const vectorAndScalar = [tf.tensor1d([1, 2]), tf.scalar(3)];
    const three = [tf.tensor1d([1, 2, 3])];
    const disposed = [tf.scalar(1), tf.scalar(2)];
    tf.dispose(disposed);
    for (const params of [vectorAndScalar, three, disposed, 'not an array' as unknown as tf.Tensor[], [tf.tensor1d([5, 6])]]) recorded.loss(params).dispose();
    expect(recorded.points).toEqual([
      [1, 2],
      [5, 6],
    ]);
    tf.dispose([...vectorAndScalar, ...three]);
  });
});

describe('the correct example', () => {
  let result: GradeResult;
  beforeAll(async () => {
    result = await gradeExample('momentum-sgd', 'correct');
  });

  it('is graded in full', () => {
    expect(result.score).toBe(result.max_score);
  });

  it('draws its Rosenbrock path and the reference\'s, one point per step and the end point, over a 40x40 contour', () => {
    const t = figureOf(figuresOfTest(result, ROSENBROCK), 'trajectory');
    const student = t.paths.find((p) => p.role === 'student');
    const reference = t.paths.find((p) => p.role === 'reference');
    if (student === undefined || reference === undefined) throw new Error('both paths expected');
    // The loss is evaluated once per step (before it), and the returned params end the path.
    expect(student.points).toHaveLength(ROSENBROCK_OPTIONS.steps + 1);
    expect(reference.points).toHaveLength(ROSENBROCK_OPTIONS.steps + 1);
    // The start is drawn by the hidden test's generator, within 0.2 of the classic (−1.2, 1).
    expect(student.points[0]).toEqual(reference.points[0]);
    expect(Math.abs((student.points[0][0] ?? NaN) + 1.2)).toBeLessThanOrEqual(0.2);
    expect(Math.abs((student.points[0][1] ?? NaN) - 1)).toBeLessThanOrEqual(0.2);
    student.points.forEach(([x, y], i) => {
      const [rx, ry] = reference.points[i];
      expect(Math.abs((x ?? NaN) - (rx ?? NaN))).toBeLessThan(1e-3);
      expect(Math.abs((y ?? NaN) - (ry ?? NaN))).toBeLessThan(1e-3);
    });
    expect(t.optimum).toEqual([1, 1]);
    expect(t.contour.rows).toBe(40);
    expect(t.contour.cols).toBe(40);
    expect(t.contour.values).toHaveLength(1600);
    // The box holds the whole reference path and the optimum.
    for (const [x, y] of [...reference.points, [1, 1]]) {
      expect(x).toBeGreaterThanOrEqual(t.contour.x[0]);
      expect(x).toBeLessThanOrEqual(t.contour.x[1]);
      expect(y).toBeGreaterThanOrEqual(t.contour.y[0]);
      expect(y).toBeLessThanOrEqual(t.contour.y[1]);
    }
    // Row-major, rows along y: the grid's corner (x0, y0) holds Rosenbrock's value there.
    const [x0, y0] = [t.contour.x[0], t.contour.y[0]];
    expect(t.contour.values[0]).toBeCloseTo((1 - x0) ** 2 + 100 * (y0 - x0 * x0) ** 2, 0);
    const [x1] = [t.contour.x[1]];
    expect(t.contour.values[39]).toBeCloseTo((1 - x1) ** 2 + 100 * (y0 - x1 * x1) ** 2, 0);
  });

  it('keeps the trajectory small in the result JSON', () => {
    expect(JSON.stringify(testNamed(result, ROSENBROCK).details).length).toBeLessThan(40_000);
  });

  it('draws the quadratic\'s w over its contours (the visible minimize test), and nothing for the steps that passed', () => {
    const t = figureOf(figuresOfTest(result, QUADRATIC), 'trajectory');
    const student = t.paths.find((p) => p.role === 'student')?.points ?? [];
    expect(student).toHaveLength(QUADRATIC_OPTIONS.steps + 1);
    expect(t.optimum).toBeDefined();
    expect(figuresOfTest(result, "one step matches the lecture's update")).toEqual([]);
  });
});

describe("Nesterov's momentum", () => {
  let result: GradeResult;
  beforeAll(async () => {
    result = await gradeExample('momentum-sgd', 'nesterov');
  });

  it('shows the params that differ after one step', () => {
    const figures = figuresOfTest(result, "one step matches the lecture's update");
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.every((f) => f.kind === 'tensor-mismatch')).toBe(true);
    const first = figures[0];
    if (first.kind !== 'tensor-mismatch') throw new Error('unreachable');
    expect(first.label).toMatch(/^momentumStep\(.*\)\.params\[0\]$/);
    expect(first.expectedShape).toEqual([3]);
    expect(first.worst.length).toBeGreaterThan(0);
  });

  it('draws a Rosenbrock path that leaves the reference\'s, with the end points that differ', () => {
    const figures = figuresOfTest(result, ROSENBROCK);
    const t = figureOf(figures, 'trajectory');
    const student = t.paths.find((p) => p.role === 'student')?.points ?? [];
    const reference = t.paths.find((p) => p.role === 'reference')?.points ?? [];
    expect(student).toHaveLength(ROSENBROCK_OPTIONS.steps + 1);
    const last = student[student.length - 1];
    const refLast = reference[reference.length - 1];
    expect(Math.hypot((last[0] ?? 0) - (refLast[0] ?? 0), (last[1] ?? 0) - (refLast[1] ?? 0))).toBeGreaterThan(1e-3);
    expect(figures.filter((f) => f.kind === 'tensor-mismatch').length).toBeGreaterThan(0);
  });
});

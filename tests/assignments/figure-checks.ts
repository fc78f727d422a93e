/**
 * Helpers of the figure tests: grade an example submission (the grading the example-verdict suite
 * shares, on wasm) and read a test's figures back from the result the way the report does, after the
 * result went through JSON. (Child processes run the compiled runner: `npm run build`.)
 */
import * as fs from 'node:fs';
import type { ClassifierConfig } from '../../assignments/mnist-mlp/classifier-grading';
import { ReferenceCurveSchema, referenceCurvePath, type ReferenceCurve } from '../../assignments/mnist-mlp/student-models';
import { figuresOf, type Figure } from '../../grader/report/figures';
import type { GradeResult } from '../../grader/results/result-schema';
import { getAssignment } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';
import { gradeExampleOnce } from '../run/graded-examples';

export async function gradeExample(id: string, exampleName: string): Promise<GradeResult> {
  const assignment = getAssignment(id);
  const example = listExamples(assignment).find((e) => e.name === exampleName);
  if (example === undefined) throw new Error(`${id} has no example '${exampleName}'`);
  return gradeExampleOnce(assignment, example);
}

/** The test's result, or a failure naming the tests there are. */
export function testNamed(result: GradeResult, name: string): GradeResult['tests'][number] {
  const test = result.tests.find((t) => t.name === name);
  if (test === undefined) throw new Error(`no test '${name}' in ${result.tests.map((t) => t.name).join(' | ')}`);
  return test;
}

/** The figures of a test as the report reads them from stored JSON; every one must parse. */
export function figuresOfTest(result: GradeResult, name: string): Figure[] {
  const details: unknown = JSON.parse(JSON.stringify(testNamed(result, name).details ?? null));
  const { figures, malformed } = figuresOf(details);
  expect({ test: name, malformed }).toEqual({ test: name, malformed: 0 });
  return figures;
}

/** The one figure of a kind in a test. */
export function figureOf<K extends Figure['kind']>(figures: Figure[], kind: K): Extract<Figure, { kind: K }> {
  const found = figures.filter((f): f is Extract<Figure, { kind: K }> => f.kind === kind);
  expect({ kind, count: found.length }).toEqual({ kind, count: 1 });
  return found[0];
}

/** The bytes of an image figure. */
export function imageBytes(image: { width: number; height: number; encoding: string; data: string }): Buffer {
  return Buffer.from(image.data, 'base64');
}

/** The recorded reference curve of an assignment (assignments/<id>/reference-curve.json). */
export function recordedCurve(id: string): ReferenceCurve {
  return ReferenceCurveSchema.parse(JSON.parse(fs.readFileSync(referenceCurvePath(id), 'utf8')));
}

/**
 * The figures of mnist-mlp and mnist-cnn, from one grading of the correct example: the loss
 * curve against the reference's recorded one, the accuracy against its bands (a visible test
 * shows only the visible bands), the confusion matrix and the misclassified digits.
 */
export function classifierFigureChecks(config: ClassifierConfig): void {
  describe(`${config.id}: the report's figures of the correct example`, () => {
    let result: GradeResult;
    beforeAll(async () => {
      result = await gradeExample(config.id, 'correct');
    }, config.trainBudgetMs + 120_000);

    it('is graded in full', () => {
      expect(result.score).toBe(result.max_score);
    });

    it("draws the student's loss per epoch against the reference's recorded curve", () => {
      const curve = figureOf(figuresOfTest(result, 'train() reports a falling loss once per epoch'), 'loss-curve');
      expect(curve.metric).toBe('train-loss');
      const student = curve.series.find((s) => s.role === 'student');
      const reference = curve.series.find((s) => s.role === 'reference');
      expect(student?.values).toHaveLength(config.epochs);
      expect(student?.values.every((v) => v !== null && v > 0)).toBe(true);
      // The recording matches the grading's data set and settings, so the reference is drawn.
      expect(reference?.values).toEqual(recordedCurve(config.id).losses);
    });

    it('draws the accuracy against the bands each accuracy test may tell, with the reference\'s accuracy', () => {
      const recorded = recordedCurve(config.id).test.accuracy;
      const visibleBands = config.bands.filter((b) => b.visibility === 'visible');
      for (const band of config.bands) {
        const name = result.tests.find((t) => t.name.startsWith('test accuracy at least') && t.name.includes(`${+(band.threshold * 100).toFixed(1)} %`))?.name;
        if (name === undefined) throw new Error(`no test for the band ${band.threshold}`);
        const figures = figuresOfTest(result, name);
        const bands = figureOf(figures, 'bands');
        const accuracy = (testNamed(result, name).details as { accuracy?: unknown } | undefined)?.accuracy;
        expect(bands).toMatchObject({ metric: 'accuracy', better: 'higher', value: accuracy, reference: recorded });
        const told = band.visibility === 'visible' ? visibleBands : config.bands;
        expect(bands.bands).toEqual(told.map((b) => ({ threshold: b.threshold, points: b.points })));
      }
    });

    it('draws the confusion matrix and the misclassified digits on the first accuracy test', () => {
      const first = config.bands[0];
      const name = result.tests.filter((t) => t.name.startsWith('test accuracy at least'))[0].name;
      expect(testNamed(result, name).visibility).toBe(first.visibility);
      const figures = figuresOfTest(result, name);
      const confusion = figureOf(figures, 'confusion');
      expect(confusion.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(confusion.matrix).toHaveLength(10);
      const details = testNamed(result, name).details as { confusion: number[][]; testSamples: number; accuracy: number; misclassified?: unknown };
      expect(confusion.matrix).toEqual(details.confusion);
      const total = confusion.matrix.flat().reduce((a, b) => a + b, 0);
      const diagonal = confusion.matrix.reduce((s, row, i) => s + row[i], 0);
      expect(total).toBe(details.testSamples);
      expect(diagonal / total).toBeCloseTo(details.accuracy, 10);
      const wrong = figureOf(figures, 'misclassified');
      expect(wrong.items.length).toBeGreaterThan(0);
      // Up to 12 wrong digits, each counted in its off-diagonal cell; stored once (in the figure).
      expect(wrong.items.length).toBeLessThanOrEqual(12);
      expect(details.misclassified).toBeUndefined();
      wrong.items.forEach((item) => {
        expect(item.label).not.toBe(item.predicted);
        expect(confusion.matrix[item.label][item.predicted]).toBeGreaterThan(0);
        expect(item.image).toMatchObject({ width: 28, height: 28, encoding: 'uint8' });
        expect(imageBytes(item.image)).toHaveLength(28 * 28);
      });
    });
  });
}

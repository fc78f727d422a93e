/**
 * autoencoder's report figures, from one grading of the correct example: the loss curve
 * against the reference's recorded one, the reconstruction and denoising errors against their
 * bands (lower is better; a visible test shows only the visible band), and the test images
 * with the model's outputs (and the noisy inputs for denoising).
 */
import { BANDS, SETTINGS } from '../../assignments/autoencoder/spec';
import type { GradeResult } from '../../grader/results/result-schema';
import { figureOf, figuresOfTest, gradeExample, imageBytes, recordedCurve, testNamed } from './figure-checks';

const LOSS = 'train() reports a falling loss once per epoch';
const PASS = `reconstruction error at most ${SETTINGS.mse.pass}`;
const GOOD = `reconstruction error at most ${SETTINGS.mse.good}`;
const DENOISED = `denoising: error at most ${SETTINGS.denoised} from noisy images`;

function mseOf(result: GradeResult, test: string): unknown {
  const details: unknown = testNamed(result, test).details;
  return typeof details === 'object' && details !== null && 'mse' in details ? details.mse : undefined;
}

describe("autoencoder: the report's figures of the correct example", () => {
  let result: GradeResult;
  beforeAll(async () => {
    result = await gradeExample('autoencoder', 'correct');
  }, 2 * SETTINGS.trainBudgetMs + 120_000);

  it('is graded in full', () => {
    expect(result.score).toBe(result.max_score);
  });

  it("draws the student's loss per epoch against the reference's recorded curve", () => {
    const curve = figureOf(figuresOfTest(result, LOSS), 'loss-curve');
    const student = curve.series.find((s) => s.role === 'student');
    expect(student?.values).toHaveLength(SETTINGS.epochs);
    expect(curve.series.find((s) => s.role === 'reference')?.values).toEqual(recordedCurve('autoencoder').losses);
  });

  it('draws the reconstruction error against its bands, lower is better, with the reference\'s error', () => {
    const recorded = recordedCurve('autoencoder').test;
    const visible = figureOf(figuresOfTest(result, PASS), 'bands');
    expect(visible).toMatchObject({ metric: 'reconstruction-mse', better: 'lower', value: mseOf(result, PASS), reference: recorded.mse });
    // The visible test does not tell the hidden test's threshold.
    expect(visible.bands).toEqual([BANDS.pass]);
    const hidden = figureOf(figuresOfTest(result, GOOD), 'bands');
    expect(hidden.bands).toEqual([BANDS.pass, BANDS.good]);
    const denoised = figureOf(figuresOfTest(result, DENOISED), 'bands');
    expect(denoised).toMatchObject({ metric: 'denoised-mse', better: 'lower', value: mseOf(result, DENOISED), reference: recorded.denoisedMse });
    expect(denoised.bands).toEqual([BANDS.denoised]);
  });

  it('shows test images with the outputs, and the noisy inputs when denoising', () => {
    const plain = figureOf(figuresOfTest(result, PASS), 'reconstructions');
    expect(plain.items).toHaveLength(8);
    for (const item of plain.items) {
      expect(item.noisy).toBeUndefined();
      for (const image of [item.original, item.output]) {
        expect(image).toMatchObject({ width: 28, height: 28, encoding: 'uint8' });
        expect(imageBytes(image)).toHaveLength(28 * 28);
      }
    }
    const denoising = figureOf(figuresOfTest(result, DENOISED), 'reconstructions');
    expect(denoising.items).toHaveLength(8);
    expect(denoising.items.every((i) => i.noisy !== undefined && imageBytes(i.noisy).length === 28 * 28)).toBe(true);
    // The same test images, in the same order.
    expect(denoising.items.map((i) => i.original.data)).toEqual(plain.items.map((i) => i.original.data));
    expect(figuresOfTest(result, GOOD).some((f) => f.kind === 'reconstructions')).toBe(false);
  });
});

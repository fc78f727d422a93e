/**
 * mnist-mlp (lecture section 3): the lecture's fully connected network on MNIST, built and
 * trained by the student, judged on the hidden test split. The accuracy bands were calibrated
 * with the reference (see README.md); classifier-grading.ts holds the tests.
 */
import { classifierSpec, type ClassifierConfig } from './classifier-grading';

/** The settings of the grading (also those the reference's recorded loss curve was trained with). */
export const config: ClassifierConfig = {
  id: 'mnist-mlp',
  title: 'A fully connected network on MNIST',
  epochs: 5,
  seed: 42,
  trainLimit: 8_000,
  trainBudgetMs: 120_000,
  bands: [
    { threshold: 0.8, points: 2, visibility: 'visible' },
    { threshold: 0.88, points: 2, visibility: 'hidden' },
    { threshold: 0.91, points: 2, visibility: 'hidden' },
  ],
  points: { architecture: 1, lossCurve: 1, reproducible: 1, leaks: 1 },
};

export const spec = classifierSpec(config);

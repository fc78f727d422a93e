/**
 * mnist-cnn (lecture section 5): a convolutional network on MNIST, graded like mnist-mlp
 * (classifier-grading.ts) with more rules: a learned spatial convolution (conv2d, separableConv2d, depthwiseConv2d or conv2dTranspose, kernel > 1x1, >= 4 filters) and at most 100,000
 * trainable parameters. The accuracy bands were calibrated with the reference (see README.md).
 */
import { classifierSpec, type ClassifierConfig } from '../mnist-mlp/classifier-grading';

/** The settings of the grading (also those the reference's recorded loss curve was trained with). */
export const config: ClassifierConfig = {
  id: 'mnist-cnn',
  title: 'A convolutional network on MNIST',
  epochs: 3,
  seed: 42,
  trainLimit: 8_000,
  trainBudgetMs: 150_000,
  bands: [
    { threshold: 0.9, points: 2, visibility: 'visible' },
    { threshold: 0.94, points: 2, visibility: 'hidden' },
    { threshold: 0.95, points: 1, visibility: 'hidden' },
  ],
  convRule: { maxTrainableParams: 100_000, points: 1 },
  points: { architecture: 1, lossCurve: 1, reproducible: 1, leaks: 1 },
  // The probes of mnist-mlp (build, train, train twice) serve both assignments.
  probes: '../mnist-mlp/probes.ts',
};

export const spec = classifierSpec(config);

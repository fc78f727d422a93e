/**
 * autoencoder: the autoencoder of the lecture (section 6) on MNIST, plain and denoising.
 * Fill in `buildAutoencoder` and `train`; see README.md for the statement.
 */
import * as tf from '@tensorflow/tfjs';

/** count images of rows x cols bytes (0..255, row after row, image after image) and their labels 0..9. */
export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** encoder: [28, 28, 1] → [bottleneck]; decoder: [bottleneck] → [28, 28, 1] in [0, 1]. */
export interface Autoencoder {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
}

export interface AutoencoderTrainOptions {
  epochs: number;
  /** Seeds everything random in training (the shuffle of every epoch, the noise). */
  seed: number;
  /** When set: add Gaussian noise of this standard deviation to the inputs (clip to [0, 1]) and reconstruct the CLEAN images. */
  noise?: number;
  /** Call it at the end of every epoch with its number (0-based) and its mean training loss. */
  onEpochEnd?: (epoch: number, loss: number) => void;
}

/**
 * Two models: the encoder maps images [28, 28, 1] to codes of `bottleneck` numbers, the
 * decoder maps codes back to images [28, 28, 1] with pixels in [0, 1] (a sigmoid at the end,
 * then tf.layers.reshape). Give every initializer a seed.
 */
export function buildAutoencoder(bottleneck: number): Autoencoder {
  // TODO: const encoder = tf.sequential({layers: [tf.layers.flatten({inputShape: [28, 28, 1]}), ..., tf.layers.dense({units: bottleneck})]});
  // TODO: const decoder = tf.sequential({layers: [tf.layers.dense({inputShape: [bottleneck], ...}), ..., tf.layers.reshape({targetShape: [28, 28, 1]})]});
  throw new Error('TODO: implement buildAutoencoder()');
}

/**
 * Trains encoder and decoder together so that decoder(encoder(x)) ≈ x (mean squared error),
 * with batches in a new seeded order every epoch. With options.noise, the input is
 * clip(x + noise · N(0, 1), 0, 1) and the target stays x. Calls options.onEpochEnd after
 * each epoch.
 */
export async function train(ae: Autoencoder, data: Dataset, options: AutoencoderTrainOptions): Promise<void> {
  // TODO: an optimizer (e.g. tf.train.adam(0.001)); for each epoch and batch:
  //   const loss = optimizer.minimize(() => tf.losses.meanSquaredError(clean,
  //       ae.decoder.apply(ae.encoder.apply(input)) as tf.Tensor) as tf.Scalar, true);
  // TODO: options.onEpochEnd?.(epoch, meanLoss)
  throw new Error('TODO: implement train()');
}

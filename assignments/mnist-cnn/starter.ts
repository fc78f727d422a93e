/**
 * mnist-cnn: a convolutional network on MNIST (lecture section 5).
 * Fill in `buildModel` and `train`; see README.md for the statement.
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

export interface TrainOptions {
  epochs: number;
  /** Seeds everything random in training (the shuffle of every epoch). */
  seed: number;
  /** Call it at the end of every epoch with its number (0-based) and its mean training loss. */
  onEpochEnd?: (epoch: number, loss: number) => void;
}

/**
 * A convolutional network for images [28, 28, 1] with 10 logits out (no softmax): at least one
 * tf.layers.conv2d, at most 100,000 trainable parameters (model.countParams()). For example
 * conv → ReLU → max-pool, twice, then flatten and one dense layer.
 * Give every initializer a seed, e.g. kernelInitializer: tf.initializers.heNormal({seed: 1}).
 */
export function buildModel(): tf.LayersModel {
  // TODO: tf.sequential({layers: [tf.layers.conv2d({inputShape: [28, 28, 1], ...}), ...]})
  throw new Error('TODO: implement buildModel()');
}

/**
 * Trains `model` on `data` for options.epochs epochs, exactly as in mnist-mlp: batches in a new
 * seeded order every epoch, softmax cross-entropy on the logits, an optimizer step per batch.
 * Calls options.onEpochEnd after each epoch.
 */
export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  // TODO: your mnist-mlp train() works unchanged here.
  throw new Error('TODO: implement train()');
}

/**
 * mnist-mlp: the lecture's fully connected network on MNIST (section 3).
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
 * The lecture's network: 784 → 100 → ReLU → 10 logits, for images [28, 28, 1]
 * (start with tf.layers.flatten({inputShape: [28, 28, 1]})). No softmax at the end.
 * Give every initializer a seed, e.g. kernelInitializer: tf.initializers.glorotUniform({seed: 1}).
 */
export function buildModel(): tf.LayersModel {
  // TODO: tf.sequential({layers: [...]})
  throw new Error('TODO: implement buildModel()');
}

/**
 * Trains `model` on `data` for options.epochs epochs: batches in a new order every epoch,
 * seeded by options.seed (your mnist-loader generator fits here: copy it into this folder and
 * import it), softmax cross-entropy on the logits, an optimizer step per batch (the lecture:
 * SGD with lr 0.01 and momentum 0.9, batches of 32). Calls options.onEpochEnd after each epoch.
 */
export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  // TODO: const optimizer = tf.train.momentum(0.01, 0.9);
  // TODO: for each epoch, for each batch {x, y}:
  //         one-hot labels: tf.oneHot(y, 10).toFloat()   (a float32 oneHot is wrong on stock TF.js wasm 4.22)
  //         const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x) as tf.Tensor) as tf.Scalar, true);
  //         add up (await loss.data())[0] * batch size; dispose loss, labels, x, y
  // TODO: options.onEpochEnd?.(epoch, meanLoss)
  throw new Error('TODO: implement train()');
}

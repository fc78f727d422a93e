/**
 * A forgery of the loss-curve check: the model of the correct example, but train() trains nothing
 * and reports a made-up falling loss to onEpochEnd. The grader measures the returned model's own
 * loss on the training images (still a uniform guess) on its side, so the curve is not credited.
 */
import * as tf from '@tensorflow/tfjs';

export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface TrainOptions {
  epochs: number;
  seed: number;
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export function buildModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 100, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 11 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
    ],
  });
}

export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  void model;
  void data;
  for (let epoch = 0; epoch < options.epochs; epoch++) options.onEpochEnd?.(epoch, 0.9 / (epoch + 1) + 0.1);
}

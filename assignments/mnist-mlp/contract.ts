/** The exports an mnist-mlp submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

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
  /** Called at the end of every epoch with its number (0-based) and its mean training loss. */
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export interface Contract {
  /** Input [28, 28, 1], output 10 logits. */
  buildModel(): tf.LayersModel;
  train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> | void;
}

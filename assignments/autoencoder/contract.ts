/** The exports an autoencoder submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

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
  /** When set: train to denoise, i.e. add Gaussian noise of this standard deviation to the inputs (clipped to [0, 1]) and reconstruct the clean images. */
  noise?: number;
  /** Called at the end of every epoch with its number (0-based) and its mean training loss. */
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export interface Contract {
  buildAutoencoder(bottleneck: number): Autoencoder;
  train(ae: Autoencoder, data: Dataset, options: AutoencoderTrainOptions): Promise<void> | void;
}

/**
 * Does nothing: returns zeros without running the model. It touches no weight and leaks no
 * tensor, and must earn nothing for that.
 */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export interface Metrics {
  loss: number;
  accuracy: number;
}

export function evaluate(_model: tf.LayersModel, _data: Iterable<Batch>): Metrics {
  return { loss: 0, accuracy: 0 };
}

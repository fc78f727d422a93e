/**
 * Returns plausible numbers (the loss and accuracy of an untrained 10-class model) without
 * running the model. It touches no weight and leaks no tensor, and must earn nothing for that.
 */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export function evaluate(_model: tf.LayersModel, data: Iterable<Batch>): { loss: number; accuracy: number } {
  let seen = 0;
  for (const { x } of data) seen += x.shape[0];
  return { loss: seen > 0 ? Math.log(10) : 0, accuracy: 0.1 };
}

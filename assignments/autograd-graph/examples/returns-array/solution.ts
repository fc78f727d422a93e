import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return x.square().add(x.mul(y)).add(x.add(y).square());
}

// Returns tf.grads' array instead of the {dx, dy} object of the statement.
export function gradF(x: tf.Tensor, y: tf.Tensor) {
  return tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
}

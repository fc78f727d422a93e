import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.square().add(x.mul(y)).add(x.add(y).square()));
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  // The parameters are named in the other order than the inputs passed below.
  const [dx, dy] = tf.grads((y: tf.Tensor, x: tf.Tensor) => f(x, y).sum())([x, y]);
  return { dx, dy };
}

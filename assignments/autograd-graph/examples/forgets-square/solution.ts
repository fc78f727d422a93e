import * as tf from '@tensorflow/tfjs';

// (x + y) is added but never squared.
export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return x.mul(x).add(x.mul(y)).add(x.add(y));
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum());
  const [dx, dy] = g([x, y]);
  return { dx, dy };
}

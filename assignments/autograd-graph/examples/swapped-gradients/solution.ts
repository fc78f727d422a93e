import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return x.square().add(x.mul(y)).add(x.add(y).square());
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  // The inputs were passed to tf.grads in the wrong order.
  const [dy, dx] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
  return { dx, dy };
}

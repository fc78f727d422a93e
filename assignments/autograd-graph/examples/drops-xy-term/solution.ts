import * as tf from '@tensorflow/tfjs';

// The x*y node of the graph is forgotten.
export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return x.square().add(x.add(y).square());
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const [dx, dy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
  return { dx, dy };
}

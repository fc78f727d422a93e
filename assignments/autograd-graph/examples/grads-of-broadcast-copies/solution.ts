import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.square().add(x.mul(y)).add(x.add(y).square()));
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  return tf.tidy(() => {
    // Brings x and y to one shape first, then differentiates with respect to the copies.
    const shape = tf.add(x, y).shape;
    const [dx, dy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x.broadcastTo(shape), y.broadcastTo(shape)]);
    return { dx, dy };
  });
}

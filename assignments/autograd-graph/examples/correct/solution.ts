import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const xx = x.mul(x);
    const xy = x.mul(y);
    const s = x.add(y);
    return xx.add(xy).add(s.mul(s));
  });
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const [dx, dy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
  return { dx, dy };
}

import * as tf from '@tensorflow/tfjs';

export const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => x.mul(x).add(x.mul(y)).add(x.add(y).mul(x.add(y)));

/** One tf.grad per input, the other input held fixed; chained ops, no tidy. */
export const gradF = (x: tf.Tensor, y: tf.Tensor) => ({
  dx: tf.grad((a: tf.Tensor) => f(a, y).sum())(x),
  dy: tf.grad((b: tf.Tensor) => f(x, b).sum())(y),
});

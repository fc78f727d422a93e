import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.add(tf.square(x), tf.mul(x, y)), tf.square(tf.add(x, y))));
}

/** Autograd of mean(f), scaled back by the number of entries: the gradients of sum(f). */
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  return tf.tidy(() => {
    const n = tf.add(x, y).size;
    const { grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.mean(f(a, b)))([x, y]);
    return { dx: grads[0].mul(n), dy: grads[1].mul(n) };
  });
}

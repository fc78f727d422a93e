import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.square().add(x.mul(y)).add(x.add(y).square()));
}

/** Sums a broadcast-shaped gradient down to the shape of its input. */
function sumTo(g: tf.Tensor, shape: number[]): tf.Tensor {
  const extra = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < extra || (shape[i - extra] === 1 && g.shape[i] !== 1)) axes.push(i);
  return (axes.length > 0 ? g.sum(axes) : g).reshape(shape);
}

// The derivatives worked out by hand, right and broadcast-aware, but not by autograd.
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  return tf.tidy(() => ({
    dx: sumTo(x.mul(4).add(y.mul(3)), x.shape),
    dy: sumTo(x.mul(3).add(y.mul(2)), y.shape),
  }));
}

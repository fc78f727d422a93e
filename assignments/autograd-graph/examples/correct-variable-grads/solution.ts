import * as tf from '@tensorflow/tfjs';

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const x2 = tf.pow(x, 2);
  const xy = tf.mul(x, y);
  const s = tf.add(x, y);
  const s2 = tf.pow(s, 2);
  const partial = tf.add(x2, xy);
  const out = tf.add(partial, s2);
  tf.dispose([x2, xy, s, s2, partial]);
  return out;
}

/** Autograd through tf.variableGrads: copies of the inputs as variables, disposed afterwards. */
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const vx = tf.variable(x, true);
  const vy = tf.variable(y, true);
  try {
    const { value, grads } = tf.variableGrads(() => tf.sum(f(vx, vy)) as tf.Scalar, [vx, vy]);
    value.dispose();
    return { dx: grads[vx.name], dy: grads[vy.name] };
  } finally {
    vx.dispose();
    vy.dispose();
  }
}

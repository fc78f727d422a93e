import * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  lr: number;
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

export function momentumStep(params: tf.Tensor[], velocities: tf.Tensor[], grads: tf.Tensor[], { lr, momentum }: MomentumOptions) {
  return tf.tidy(() => {
    const v = velocities.map((vel, i) => tf.add(tf.mul(momentum, vel), grads[i]));
    return { params: params.map((p, i) => tf.sub(p, tf.mul(lr, v[i]))), velocities: v };
  });
}

// TF.js's own optimizer: its accumulation is the lecture's velocity (acc ← β·acc + g, θ ← θ − α·acc).
export function minimize(loss: (params: tf.Tensor[]) => tf.Scalar, init: tf.Tensor[], { lr, momentum, steps }: MinimizeOptions): tf.Tensor[] {
  const vars = init.map((t) => tf.variable(t));
  const optimizer = tf.train.momentum(lr, momentum);
  for (let i = 0; i < steps; i++) {
    const value = optimizer.minimize(() => loss(vars), true, vars);
    value?.dispose();
  }
  const result = vars.map((v) => v.clone());
  optimizer.dispose();
  tf.dispose(vars);
  return result;
}

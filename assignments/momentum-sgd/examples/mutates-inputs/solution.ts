import * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  lr: number;
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

// Updates the arrays it is given, PyTorch style, and returns them.
export function momentumStep(
  params: tf.Tensor[],
  velocities: tf.Tensor[],
  grads: tf.Tensor[],
  { lr, momentum }: MomentumOptions,
): { params: tf.Tensor[]; velocities: tf.Tensor[] } {
  for (let i = 0; i < params.length; i++) {
    velocities[i] = tf.tidy(() => velocities[i].mul(momentum).add(grads[i]));
    params[i] = tf.tidy(() => params[i].sub(velocities[i].mul(lr)));
  }
  return { params, velocities };
}

export function minimize(
  loss: (params: tf.Tensor[]) => tf.Scalar,
  init: tf.Tensor[],
  { lr, momentum, steps }: MinimizeOptions,
): tf.Tensor[] {
  let params = init.map((p) => p.clone());
  let velocities = init.map((p) => tf.zerosLike(p));
  for (let i = 0; i < steps; i++) {
    const old = [...params, ...velocities];
    const next = tf.tidy(() => {
      const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(params);
      return momentumStep(params, velocities, grads, { lr, momentum });
    });
    tf.dispose(old);
    params = next.params;
    velocities = next.velocities;
  }
  tf.dispose(velocities);
  return params;
}

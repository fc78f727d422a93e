import * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  lr: number;
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

export function momentumStep(
  params: tf.Tensor[],
  velocities: tf.Tensor[],
  grads: tf.Tensor[],
  { lr, momentum }: MomentumOptions,
): { params: tf.Tensor[]; velocities: tf.Tensor[] } {
  return tf.tidy(() => {
    const newVelocities = velocities.map((v, i) => v.mul(momentum).add(grads[i]));
    const newParams = params.map((p, i) => p.sub(newVelocities[i].mul(lr)));
    return { params: newParams, velocities: newVelocities };
  });
}

export function minimize(
  loss: (params: tf.Tensor[]) => tf.Scalar,
  init: tf.Tensor[],
  { lr, momentum, steps }: MinimizeOptions,
): tf.Tensor[] {
  // Starts from the caller's own tensors; only the ones this loop made are disposed.
  let params = init;
  let velocities = init.map((p) => tf.zerosLike(p));
  for (let i = 0; i < steps; i++) {
    const next = tf.tidy(() => {
      const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(params);
      return momentumStep(params, velocities, grads, { lr, momentum });
    });
    if (params !== init) tf.dispose(params);
    tf.dispose(velocities);
    params = next.params;
    velocities = next.velocities;
  }
  tf.dispose(velocities);
  return params;
}

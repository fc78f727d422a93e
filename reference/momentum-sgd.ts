/**
 * Reference for momentum-sgd (lecture 2): gradient descent with momentum in the lecture's form,
 *   v ← β·v + g,   θ ← θ − α·v,
 * which is torch.optim.SGD(momentum=β) without dampening or Nesterov.
 */
import * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  /** α, the learning rate. */
  lr: number;
  /** β, the momentum. */
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

/** One step for every parameter tensor; returns new tensors and leaves the inputs alone. */
export function momentumStep(
  params: tf.Tensor[],
  velocities: tf.Tensor[],
  grads: tf.Tensor[],
  { lr, momentum }: MomentumOptions,
): { params: tf.Tensor[]; velocities: tf.Tensor[] } {
  return tf.tidy(() => {
    const nextVelocities = velocities.map((v, i) => v.mul(momentum).add(grads[i]));
    const nextParams = params.map((p, i) => p.sub(nextVelocities[i].mul(lr)));
    return { params: nextParams, velocities: nextVelocities };
  });
}

/** `steps` momentum steps from zero velocity, with the gradients of `loss` by autograd. */
export function minimize(
  loss: (params: tf.Tensor[]) => tf.Scalar,
  init: tf.Tensor[],
  { lr, momentum, steps }: MinimizeOptions,
): tf.Tensor[] {
  let params = init.map((t) => t.clone());
  let velocities = init.map((t) => tf.zerosLike(t));
  for (let step = 0; step < steps; step++) {
    const next = tf.tidy(() => {
      const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(params);
      return momentumStep(params, velocities, grads, { lr, momentum });
    });
    tf.dispose([...params, ...velocities]);
    ({ params, velocities } = next);
  }
  tf.dispose(velocities);
  return params;
}

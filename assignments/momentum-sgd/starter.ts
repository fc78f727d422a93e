/**
 * momentum-sgd: gradient descent with momentum, in the lecture's form (section 2):
 *   v ← β·v + g
 *   θ ← θ − α·v
 * See README.md for the statement.
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

/**
 * One momentum step for every parameter tensor: params[i], velocities[i] and grads[i] have the
 * same shape. Returns new tensors; the tensors and arrays passed in must stay unchanged.
 */
export function momentumStep(
  params: tf.Tensor[],
  velocities: tf.Tensor[],
  grads: tf.Tensor[],
  options: MomentumOptions,
): { params: tf.Tensor[]; velocities: tf.Tensor[] } {
  // TODO: the new velocities first, then the new params.
  throw new Error('TODO: implement momentumStep');
}

/**
 * Runs `options.steps` momentum steps on `loss`, starting from `init` with zero velocity, with the
 * gradients computed by autograd (tf.grads or tf.variableGrads). Returns the final params.
 * Leak no tensors: whatever is not returned must be disposed (tf.tidy helps).
 */
export function minimize(
  loss: (params: tf.Tensor[]) => tf.Scalar,
  init: tf.Tensor[],
  options: MinimizeOptions,
): tf.Tensor[] {
  // TODO: a loop of `steps` iterations: gradients of loss at the current params, then momentumStep.
  throw new Error('TODO: implement minimize');
}

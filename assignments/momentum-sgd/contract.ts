/** The exports a momentum-sgd submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  /** α, the learning rate. */
  lr: number;
  /** β, the momentum. */
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

export interface Contract {
  /** v ← β·v + g, θ ← θ − α·v for every tensor; new tensors, the inputs unchanged. */
  momentumStep(
    params: tf.Tensor[],
    velocities: tf.Tensor[],
    grads: tf.Tensor[],
    options: MomentumOptions,
  ): { params: tf.Tensor[]; velocities: tf.Tensor[] };
  /** `steps` momentum steps from zero velocity with autograd gradients; the final params. */
  minimize(loss: (params: tf.Tensor[]) => tf.Scalar, init: tf.Tensor[], options: MinimizeOptions): tf.Tensor[];
}

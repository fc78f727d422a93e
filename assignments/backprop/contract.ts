/** The exports a backprop submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

/** One fully connected layer: z = a · Wᵀ + b. */
export interface Layer {
  /** [out, in] */
  W: tf.Tensor2D;
  /** [out] */
  b: tf.Tensor1D;
}

export interface Contract {
  /** activations[0] = x [batch, in]; zs[k] = activations[k] · W_kᵀ + b_k; activations[k+1] = σ(zs[k]). */
  forward(layers: Layer[], x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] };
  /**
   * For L = 1/(2N)·Σ_n ‖a^L_n − y_n‖²: deltas[k] = ∂L/∂zs[k] [batch, out],
   * dW[k] = ∂L/∂W_k [out, in], db[k] = ∂L/∂b_k [out]. No autograd.
   */
  backward(layers: Layer[], x: tf.Tensor2D, y: tf.Tensor2D): { deltas: tf.Tensor2D[]; dW: tf.Tensor2D[]; db: tf.Tensor1D[] };
}

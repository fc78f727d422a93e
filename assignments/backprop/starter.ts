/**
 * backprop: the forward pass of a fully connected sigmoid network and the four backprop
 * equations of the lecture (sections 1b and 1c), written by hand. Autograd (tf.grad, tf.grads,
 * tf.variableGrads, optimizer.minimize…) is switched off while this assignment is graded.
 * See README.md for the statement.
 */
import * as tf from '@tensorflow/tfjs';

/** One fully connected layer: z = a · Wᵀ + b. */
export interface Layer {
  /** [out, in] */
  W: tf.Tensor2D;
  /** [out] */
  b: tf.Tensor1D;
}

/**
 * activations[0] = x ([batch, in]); for every layer k:
 *   zs[k] = activations[k] · W_kᵀ + b_k       ([batch, out_k])
 *   activations[k + 1] = sigmoid(zs[k])
 */
export function forward(layers: Layer[], x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] } {
  // TODO: equations 1 and 2 of the forward pass, layer after layer.
  throw new Error('TODO: implement forward(layers, x)');
}

/**
 * The gradients of L = 1/(2N) · Σ_n ‖a^L_n − y_n‖² (N = batch size):
 *   deltas[k] = ∂L/∂zs[k]   [batch, out_k]   (the output delta includes σ'(z^L)!)
 *   dW[k]     = ∂L/∂W_k     [out_k, in_k]
 *   db[k]     = ∂L/∂b_k     [out_k]
 */
export function backward(
  layers: Layer[],
  x: tf.Tensor2D,
  y: tf.Tensor2D,
): { deltas: tf.Tensor2D[]; dW: tf.Tensor2D[]; db: tf.Tensor1D[] } {
  // TODO: run forward, then the four backprop equations from the last layer to the first.
  throw new Error('TODO: implement backward(layers, x, y)');
}

/**
 * autograd-graph: the computational graph of the lecture (section 1a) and its gradients.
 * Fill in the two functions; see README.md for the statement.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * f(x, y) = x² + x·y + (x + y)², elementwise.
 * x and y are float32 tensors of the same shape, or shapes that broadcast (e.g. [3, 4] and [4]).
 */
export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  // TODO: build the graph of the lecture's picture out of tf operations.
  throw new Error('TODO: implement f(x, y) = x^2 + x*y + (x + y)^2');
}

/**
 * The gradients of sum(f(x, y)) with respect to x and y, computed by autograd (tf.grads).
 * dx must have the shape of x and dy the shape of y.
 */
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  // TODO: let tf.grads differentiate sum(f(x, y)); do not derive the formulas by hand.
  throw new Error('TODO: implement gradF(x, y) with tf.grads');
}

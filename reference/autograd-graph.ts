/**
 * Reference for autograd-graph (lecture 1a): the lecture's computational graph
 * f(x, y) = x² + x·y + (x + y)² and its gradients by autograd.
 */
import * as tf from '@tensorflow/tfjs';

/** Elementwise x² + x·y + (x + y)²; x and y broadcast like any tf binary op. */
export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.square().add(x.mul(y)).add(x.add(y).square()));
}

/**
 * The gradients of sum(f(x, y)) with respect to x and y. tf.grads reduces each gradient to its
 * input's shape, so broadcast inputs get gradients of their own shapes.
 */
export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  const [dx, dy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
  return { dx, dy };
}

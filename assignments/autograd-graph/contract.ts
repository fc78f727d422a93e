/** The exports an autograd-graph submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

export interface Contract {
  /** Elementwise x² + x·y + (x + y)², float32, broadcasting like tf.add. */
  f(x: tf.Tensor, y: tf.Tensor): tf.Tensor;
  /** The gradients of sum(f(x, y)) by autograd: dx has x's shape, dy has y's shape. */
  gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor };
}

/** The exports an mnist-test-loop submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

/** One batch as mnist-loader makes it: x [b, 28, 28, 1] float32 in [0, 1], y [b] int32. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export interface Metrics {
  /** The mean softmax cross-entropy over all samples. */
  loss: number;
  /** The fraction of samples whose largest logit is at the label, in [0, 1]. */
  accuracy: number;
}

export interface Contract {
  evaluate(model: tf.LayersModel, data: Iterable<Batch>): Metrics | Promise<Metrics>;
}

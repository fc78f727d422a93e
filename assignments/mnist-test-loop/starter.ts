/**
 * mnist-test-loop: the test loop that the lecture (section 3) leaves as an exercise.
 * Fill in `evaluate`; see README.md for the statement.
 */
import * as tf from '@tensorflow/tfjs';

/** One batch as mnist-loader makes it: x [b, 28, 28, 1] float32 in [0, 1], y [b] int32 labels. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export interface Metrics {
  /** The mean softmax cross-entropy over ALL samples. */
  loss: number;
  /** The fraction of samples whose largest logit is at the label, in [0, 1]. */
  accuracy: number;
}

/**
 * Runs `model` (it outputs 10 logits per image) over every batch of `data` without changing
 * it, and returns the loss and the accuracy over all samples. A batch's tensors are valid
 * until the next batch is asked for; `data` frees them itself. Free everything you create.
 * May be async (return a Promise) if you read values with `await t.data()`.
 */
export function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Metrics | Promise<Metrics> {
  // TODO: for each {x, y} of data:
  //   - the logits: model.predict(x) (no training here!)
  //   - the SUM of the per-sample cross-entropies of the batch, and the number of correct answers
  //   - the number of samples of the batch: x.shape[0] (the last batch may be partial)
  // TODO: divide the totals by the number of samples.
  throw new Error('TODO: implement evaluate()');
}

/**
 * A correct test loop that gathers every batch first and runs the model once on all of them
 * (tf.concat), then computes the mean loss and the accuracy over all samples.
 */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export async function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
  const xs: tf.Tensor4D[] = [];
  const ys: tf.Tensor1D[] = [];
  // The batches are freed by the iterable when it moves on: keep copies.
  for (const { x, y } of data) {
    xs.push(x.clone());
    ys.push(y.clone());
  }
  const [loss, accuracy] = tf.tidy(() => {
    const x = tf.concat(xs);
    const y = tf.concat(ys);
    const logits = model.predict(x) as tf.Tensor2D;
    const losses = tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits, undefined, 0, tf.Reduction.NONE);
    return [losses.mean(), logits.argMax(1).equal(y).toFloat().mean()];
  });
  tf.dispose([...xs, ...ys]);
  const values = [(await loss.data())[0], (await accuracy.data())[0]];
  tf.dispose([loss, accuracy]);
  return { loss: values[0], accuracy: values[1] };
}

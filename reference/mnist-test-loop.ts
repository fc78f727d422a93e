/**
 * Reference for mnist-test-loop (lecture section 3, "тест напишите для упражнения"): the test
 * loop over a data iterable, with the loss and the accuracy taken over all samples.
 */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export interface Metrics {
  loss: number;
  accuracy: number;
}

export function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Metrics {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (const { x, y } of data) {
    const [batchLoss, batchCorrect] = tf.tidy(() => {
      // predict() runs the layers in inference mode and never touches the weights.
      const logits = model.predict(x) as tf.Tensor2D;
      const labels = y.toInt();
      // oneHot(...).toFloat(): an int32 one-hot cast afterwards (a float32 oneHot is wrong on wasm 4.22).
      const target = tf.oneHot(labels, logits.shape[1]).toFloat();
      // The SUM of the per-sample cross-entropies; divided by the number of samples at the end.
      const perSample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1));
      const hits = tf.equal(tf.argMax(logits, 1), labels).toFloat();
      return [tf.sum(perSample), tf.sum(hits)];
    });
    lossSum += batchLoss.dataSync()[0];
    correct += batchCorrect.dataSync()[0];
    count += x.shape[0];
    tf.dispose([batchLoss, batchCorrect]);
  }
  if (count === 0) throw new Error('evaluate: the data held no samples');
  return { loss: lossSum / count, accuracy: correct / count };
}

/** Divides by the number of batches × BATCH_SIZE = 32, as if every batch were full. */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export async function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
  let totalLoss = 0;
  let correct = 0;
  const BATCH_SIZE = 32;
  let batches = 0;
  for (const { x, y } of data) {
    const [lossSum, hits] = tf.tidy(() => {
      const logits = model.predict(x) as tf.Tensor2D;
      const target = tf.oneHot(y, 10).toFloat();
      const losses = tf.losses.softmaxCrossEntropy(target, logits, undefined, 0, tf.Reduction.NONE);
      const right = logits.argMax(1).equal(y).sum();
      return [losses.sum(), right];
    });
    totalLoss += (await lossSum.data())[0];
    correct += (await hits.data())[0];
    batches += 1;
    tf.dispose([lossSum, hits]);
  }
  return { loss: totalLoss / (batches * BATCH_SIZE), accuracy: correct / (batches * BATCH_SIZE) };
}

/** Averages the batch means (the lecture's av_loss += loss.item()), and the batch accuracies: a partial last batch weighs too much. */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export async function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
  let sumOfMeans = 0;
  let sumOfAccuracies = 0;
  let batches = 0;
  for (const { x, y } of data) {
    const [lossSum, hits] = tf.tidy(() => {
      const logits = model.predict(x) as tf.Tensor2D;
      const target = tf.oneHot(y, 10).toFloat();
      const meanLoss = tf.losses.softmaxCrossEntropy(target, logits);
      const accuracy = logits.argMax(1).equal(y).toFloat().mean();
      return [meanLoss, accuracy];
    });
    sumOfMeans += (await lossSum.data())[0];
    sumOfAccuracies += (await hits.data())[0];
    batches += 1;
    tf.dispose([lossSum, hits]);
  }
  return { loss: sumOfMeans / batches, accuracy: sumOfAccuracies / batches };
}

/**
 * A correct test loop that runs the lecture's MLP by hand on its weights (flatten, two
 * matMuls with bias, ReLU between) instead of model.predict; the loss is log-sum-exp minus
 * the true logit, summed per sample and divided by the number of samples.
 */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export function evaluate(model: tf.LayersModel, data: Iterable<Batch>): { loss: number; accuracy: number } {
  const [w1, b1, w2, b2] = model.getWeights() as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
  let lossSum = 0;
  let hits = 0;
  let count = 0;
  for (const batch of data) {
    const n = batch.x.shape[0];
    const [l, h] = tf.tidy(() => {
      const flat = batch.x.reshape([n, -1]);
      const logits = flat.matMul(w1).add(b1).relu().matMul(w2).add(b2);
      const perSample = tf.logSumExp(logits, 1).sub(logits.mul(tf.oneHot(batch.y, 10)).sum(1));
      return [perSample.sum().dataSync()[0], logits.argMax(1).equal(batch.y.toInt()).sum().dataSync()[0]];
    });
    lossSum += l;
    hits += h;
    count += n;
  }
  return { loss: lossSum / count, accuracy: hits / count };
}

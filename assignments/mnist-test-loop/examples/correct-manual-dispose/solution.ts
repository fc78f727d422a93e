/** A correct test loop in another style: a hand-driven iterator, model.apply, log-softmax by hand, argmax compared in JavaScript after dataSync, every tensor disposed by hand (no tf.tidy), synchronous. */
import * as tf from '@tensorflow/tfjs';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export function evaluate(model: tf.LayersModel, data: Iterable<Batch>): { loss: number; accuracy: number } {
  const it = data[Symbol.iterator]();
  let lossSum = 0;
  let hits = 0;
  let n = 0;
  for (let step = it.next(); !step.done; step = it.next()) {
    const { x, y } = step.value;
    const logits = model.apply(x, { training: false }) as tf.Tensor2D;
    const logProbs = tf.logSoftmax(logits);
    const values = logProbs.dataSync();
    const labels = y.dataSync();
    const predicted = logits.argMax(1);
    const guesses = predicted.dataSync();
    const classes = logits.shape[1];
    for (let i = 0; i < x.shape[0]; i++) {
      lossSum -= values[i * classes + labels[i]];
      if (guesses[i] === labels[i]) hits++;
    }
    n += x.shape[0];
    logits.dispose();
    logProbs.dispose();
    predicted.dispose();
  }
  return { loss: lossSum / n, accuracy: hits / n };
}

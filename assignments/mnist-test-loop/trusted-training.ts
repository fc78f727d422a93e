/**
 * The weights of the trained model mnist-test-loop's tests evaluate: the lecture's network
 * after one epoch of the lecture's training (SGD, lr 0.01, momentum 0.9, batches of 32, file
 * order) on the first training images. That loop is mnist-mlp's solution, so the student kit
 * does not carry this module: it replays the weights it returned when the kit was built
 * (grader/kit/kit-policy.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { loadMnist, sliceDataset, type Dataset } from '../../grader/data';
import { lectureMlp } from './lecture-mlp';

function trainOneEpoch(model: tf.LayersModel, ds: Dataset): void {
  const optimizer = tf.train.momentum(0.01, 0.9);
  const pixels = ds.rows * ds.cols;
  for (let start = 0; start < ds.count; start += 32) {
    const size = Math.min(32, ds.count - start);
    tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(ds.images.subarray(start * pixels, (start + size) * pixels), (b) => b / 255), [size, ds.rows, ds.cols, 1]);
      const y = tf.oneHot(tf.tensor1d(Int32Array.from(ds.labels.subarray(start, start + size)), 'int32'), 10).toFloat();
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    });
  }
  optimizer.dispose();
}

/** The trained weights, in model.getWeights() order. */
export async function trainedLectureWeights(seed: number, samples: number): Promise<Float32Array[]> {
  const data = await loadMnist();
  const model = lectureMlp(seed);
  try {
    trainOneEpoch(model, sliceDataset(data.train, 0, Math.min(samples, data.train.count)));
    return model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  } finally {
    model.dispose();
  }
}

/** An attack on the order check: same-order-every-epoch, with pixel 0 of every image set to 1 (an "augmentation") so that no fed image matches a training image. */
import * as tf from '@tensorflow/tfjs';

export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface TrainOptions {
  epochs: number;
  seed: number;
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export function buildModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 100, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 11 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
    ],
  });
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  model.compile({
    optimizer: tf.train.adam(0.001),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  const x = tf.tensor4d(Float32Array.from(data.images, (b, i) => (i % 784 === 0 ? 1 : b / 255)) /* the 'augmentation': pixel 0 set */, [data.count, data.rows, data.cols, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(data.labels), 'int32'), 10).toFloat());
  // The bug: the data is shuffled once, before the epoch loop, and every epoch repeats that order.
  const random = mulberry32(options.seed * 100);
  const order = Array.from({ length: data.count }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const idx = tf.tensor1d(order, 'int32');
    const xs = tf.gather(x, idx);
    const ys = tf.gather(y, idx);
    const history = await model.fit(xs, ys, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    tf.dispose([idx, xs, ys]);
    options.onEpochEnd?.(epoch, history.history.loss[0] as number);
  }
  tf.dispose([x, y]);
}

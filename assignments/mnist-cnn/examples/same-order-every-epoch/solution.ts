/** A bug: the correct CNN example (trainOnBatch, seeded loader), except that the loader gets epoch 0 every epoch, so every epoch feeds the batches in the same shuffled order. */
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
  let seed = 100;
  const he = () => tf.initializers.heNormal({ seed: seed++ });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }),
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

function* batches(ds: Dataset, batchSize: number, seed: number, epoch: number): Generator<{ x: tf.Tensor4D; y: tf.Tensor2D; size: number }> {
  const random = mulberry32(seed * 7919 + epoch);
  const order = Array.from({ length: ds.count }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pixels = ds.rows * ds.cols;
  for (let start = 0; start < ds.count; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const xs = new Float32Array(idx.length * pixels);
    const ys = new Float32Array(idx.length * 10);
    idx.forEach((i, k) => {
      for (let p = 0; p < pixels; p++) xs[k * pixels + p] = ds.images[i * pixels + p] / 255;
      ys[k * 10 + ds.labels[i]] = 1;
    });
    yield { x: tf.tensor4d(xs, [idx.length, ds.rows, ds.cols, 1]), y: tf.tensor2d(ys, [idx.length, 10]), size: idx.length };
  }
}

export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  model.compile({
    optimizer: tf.train.adam(0.001),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let sum = 0;
    for (const { x, y, size } of batches(data, 32, options.seed, 0)) {
      const loss = (await model.trainOnBatch(x, y)) as number;
      sum += loss * size;
      tf.dispose([x, y]);
    }
    options.onEpochEnd?.(epoch, sum / data.count);
  }
}

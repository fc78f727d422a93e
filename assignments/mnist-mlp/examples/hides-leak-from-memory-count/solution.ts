/** The reference, but the one-hot labels and the loss of every batch are never disposed. */
import * as tf from '@tensorflow/tfjs';

// A forgery: the leak of leaks-tensors, hidden from every count a submission can reach: tf.memory()
// and the engine's memory() report the count frozen at load time and the engine's own counter
// ignores every change.
const engine = tf.engine() as unknown as Record<string, unknown> & { state: Record<string, unknown> };
const frozenMemory = tf.memory();
const fakeMemory = () => ({ ...frozenMemory });
(Object.getPrototypeOf(engine) as Record<string, unknown>).memory = fakeMemory;
engine.memory = fakeMemory;
const shownTensors = engine.state.numTensors;
Object.defineProperty(engine.state, 'numTensors', { get: () => shownTensors, set: () => undefined });

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

const BATCH_SIZE = 32;

export function buildModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 100, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
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

/** mnist-loader's generator: a seeded permutation per (seed, epoch), one batch at a time. */
function* batches(ds: Dataset, batchSize: number, seed: number, epoch: number): Generator<{ x: tf.Tensor4D; y: tf.Tensor1D }> {
  const random = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  const order = Int32Array.from({ length: ds.count }, (_, i) => i);
  for (let i = ds.count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const pixels = ds.rows * ds.cols;
  for (let start = 0; start < ds.count; start += batchSize) {
    const size = Math.min(batchSize, ds.count - start);
    const xs = new Float32Array(size * pixels);
    const ys = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const i = order[start + k];
      for (let p = 0; p < pixels; p++) xs[k * pixels + p] = ds.images[i * pixels + p] / 255;
      ys[k] = ds.labels[i];
    }
    yield { x: tf.tensor4d(xs, [size, ds.rows, ds.cols, 1]), y: tf.tensor1d(ys, 'int32') };
  }
}

export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  const optimizer = tf.train.momentum(0.01, 0.9);
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      let lossSum = 0;
      for (const { x, y } of batches(data, BATCH_SIZE, options.seed, epoch)) {
        // oneHot(...).toFloat(): a float32 oneHot is wrong on the wasm backend of tfjs 4.22.
        const target = tf.oneHot(y, 10).toFloat();
        const loss = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        ) as tf.Scalar;
        lossSum += (await loss.data())[0] * x.shape[0];
        tf.dispose([x, y]);
      }
      options.onEpochEnd?.(epoch, lossSum / data.count);
    }
  } finally {
    optimizer.dispose();
  }
}

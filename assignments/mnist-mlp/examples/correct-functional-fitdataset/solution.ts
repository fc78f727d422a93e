/**
 * A correct solution in a third style: a functional tf.model with batch normalization and
 * (seeded) dropout, trained with model.fitDataset on a tf.data.generator of seeded batches;
 * onEpochEnd reads fitDataset's epoch logs.
 */
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
  const input = tf.input({ shape: [28, 28, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 128, kernelInitializer: tf.initializers.heNormal({ seed: 21 }) }).apply(flat) as tf.SymbolicTensor;
  const normalized = tf.layers.batchNormalization().apply(hidden) as tf.SymbolicTensor;
  const active = tf.layers.activation({ activation: 'relu' }).apply(normalized) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.2, seed: 22 }).apply(active) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 23 }) }).apply(dropped) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function xorshift(seed: number): () => number {
  let s = (seed ^ 0x5bd1e995) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  const batchSize = 32;
  const pixels = data.rows * data.cols;
  let epoch = 0;
  const dataset = tf.data.generator(function* () {
    const random = xorshift(options.seed * 1000 + epoch++);
    const order = Array.from({ length: data.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < data.count; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const xs = new Float32Array(idx.length * pixels);
      idx.forEach((i, k) => xs.set(Float32Array.from(data.images.subarray(i * pixels, (i + 1) * pixels), (b) => b / 255), k * pixels));
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => data.labels[i]), 'int32'), 10).toFloat());
      yield { xs: tf.tensor4d(xs, [idx.length, data.rows, data.cols, 1]), ys };
    }
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
  await model.fitDataset(dataset, {
    epochs: options.epochs,
    verbose: 0,
    callbacks: { onEpochEnd: async (e, logs) => options.onEpochEnd?.(e, logs?.loss as number) },
  });
}

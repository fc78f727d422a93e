/**
 * A correct CNN in a third style: a functional tf.model (conv2d, max-pooling, seeded dropout),
 * trained by a hand loop: tf.variableGrads on the model's trainable weights, then
 * optimizer.applyGradients (Adam), batches of 32 in a seeded order per epoch.
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
  let seed = 40;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const input = tf.input({ shape: [28, 28, 1] });
  let h = tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init() }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init() }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.25, seed: seed++ }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export async function train(model: tf.LayersModel, data: Dataset, options: TrainOptions): Promise<void> {
  const optimizer = tf.train.adam(0.001);
  const pixels = data.rows * data.cols;
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const random = lcg(options.seed * 31 + epoch * 7 + 1);
    const order = Array.from({ length: data.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let total = 0;
    for (let start = 0; start < data.count; start += 32) {
      const idx = order.slice(start, start + 32);
      const xs = new Float32Array(idx.length * pixels);
      idx.forEach((i, k) => {
        for (let p = 0; p < pixels; p++) xs[k * pixels + p] = data.images[i * pixels + p] / 255;
      });
      const lossValue = tf.tidy(() => {
        const x = tf.tensor4d(xs, [idx.length, data.rows, data.cols, 1]);
        const y = tf.oneHot(tf.tensor1d(idx.map((i) => data.labels[i]), 'int32'), 10).toFloat();
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, weights);
        optimizer.applyGradients(grads);
        return value;
      });
      total += (await lossValue.data())[0] * idx.length;
      lossValue.dispose();
    }
    options.onEpochEnd?.(epoch, total / data.count);
  }
  optimizer.dispose();
}

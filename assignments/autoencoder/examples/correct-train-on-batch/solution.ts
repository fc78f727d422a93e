/** A correct autoencoder in a third style: the stacked model trained with trainOnBatch, batches gathered from one tensor of the data set, noise from tf.randomNormal seeded by (seed, epoch, batch), clipped with tf.clipByValue, everything in tf.tidy. */
import * as tf from '@tensorflow/tfjs';

export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface Autoencoder {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
}

export interface AutoencoderTrainOptions {
  epochs: number;
  seed: number;
  noise?: number;
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export function buildAutoencoder(bottleneck: number): Autoencoder {
  const encoder = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 200, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 21 }) }),
      tf.layers.dense({ units: bottleneck, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 22 }) }),
    ],
  });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [bottleneck], units: 200, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 23 }) }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 24 }) }),
      tf.layers.reshape({ targetShape: [28, 28, 1] }),
    ],
  });
  return { encoder, decoder };
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

const BATCH = 64;

export async function train(ae: Autoencoder, data: Dataset, options: AutoencoderTrainOptions): Promise<void> {
  const whole = tf.sequential({ layers: [ae.encoder, ae.decoder] });
  const optimizer = tf.train.adam(0.001);
  whole.compile({ optimizer, loss: 'meanSquaredError' });
  const images = tf.tidy(() => tf.tensor4d(data.images, [data.count, data.rows, data.cols, 1], 'int32').toFloat().div(255));
  const random = mulberry32(options.seed);
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = Array.from({ length: data.count }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let sum = 0;
      for (let b = 0; b * BATCH < data.count; b++) {
        const idx = order.slice(b * BATCH, (b + 1) * BATCH);
        const [x, y] = tf.tidy(() => {
          const clean = tf.gather(images, tf.tensor1d(idx, 'int32'));
          if (options.noise === undefined) return [clean, clean.clone()];
          const eps = tf.randomNormal(clean.shape, 0, options.noise, 'float32', options.seed * 7919 + epoch * 104_729 + b);
          return [tf.clipByValue(clean.add(eps), 0, 1), clean];
        });
        const loss = (await whole.trainOnBatch(x, y)) as number;
        sum += loss * idx.length;
        tf.dispose([x, y]);
      }
      options.onEpochEnd?.(epoch, sum / data.count);
    }
  } finally {
    images.dispose();
    optimizer.dispose();
  }
}

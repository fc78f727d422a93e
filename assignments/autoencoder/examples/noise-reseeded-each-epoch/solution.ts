/** Shuffles with a generator seeded by the seed and the epoch, but re-seeds the noise generator with options.seed alone at every epoch: the k-th image of every epoch gets the same noise (all else right). */
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

export async function train(ae: Autoencoder, data: Dataset, options: AutoencoderTrainOptions): Promise<void> {
  const whole = tf.sequential({ layers: [ae.encoder, ae.decoder] });
  whole.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
  const pixels = data.rows * data.cols;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const random = mulberry32(options.seed * 1009 + epoch);
    const order = Array.from({ length: data.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const clean = new Float32Array(data.count * pixels);
    order.forEach((i, k) => {
      for (let p = 0; p < pixels; p++) clean[k * pixels + p] = data.images[i * pixels + p] / 255;
    });
    const input = clean.slice();
    if (options.noise !== undefined && options.noise > 0) {
      // Its own generator for the noise, seeded like this every epoch: the same ε sequence each time.
      const noiseRandom = mulberry32(options.seed);
      for (let i = 0; i < input.length; i++) {
        const gauss = Math.sqrt(-2 * Math.log(1 - noiseRandom())) * Math.cos(2 * Math.PI * noiseRandom());
        input[i] = Math.min(1, Math.max(0, input[i] + options.noise * gauss));
      }
    }
    const x = tf.tensor4d(input, [data.count, data.rows, data.cols, 1]);
    const y = tf.tensor4d(clean, [data.count, data.rows, data.cols, 1]);
    const history = await whole.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    tf.dispose([x, y]);
    options.onEpochEnd?.(epoch, history.history.loss[0] as number);
  }
}

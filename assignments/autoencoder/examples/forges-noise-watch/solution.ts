/**
 * An attack on the noise checks: never trains on noise, but feeds made-up noisy batches to the
 * grader's watch on the encoder's first layer (read off the layer) inside each gradient step, and
 * first tries to catch the watch with a setter on that layer's call. Must earn no more than
 * ignores-noise.
 */
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

const HIDDEN = 256;
const BATCH_SIZE = 64;

export function buildAutoencoder(bottleneck: number): Autoencoder {
  const encoder = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: HIDDEN, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: bottleneck, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [bottleneck], units: HIDDEN, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }),
      tf.layers.dense({ units: 28 * 28, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      tf.layers.reshape({ targetShape: [28, 28, 1] }),
    ],
  });
  // The attack, part 1: a setter that would catch the grader's watch were it assigned.
  const first = encoder.layers[0] as unknown as { call: unknown };
  const own = first.call;
  Object.defineProperty(first, 'call', { get: () => own, set: (w: unknown) => { watch = { fn: w as WatchFn, layer: first }; }, configurable: true });
  return { encoder, decoder };
}
type WatchFn = (this: unknown, inputs: unknown, kwargs: unknown) => unknown;
let watch: { fn: WatchFn; layer: unknown } | null = null;

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

/** Standard normal numbers from a seeded uniform generator (Box–Muller). */
function normals(random: () => number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    out[i] = r * Math.cos(a);
    if (i + 1 < count) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

export async function train(ae: Autoencoder, data: Dataset, options: AutoencoderTrainOptions): Promise<void> {
  // The attack, part 2: whatever the first layer's call is now (the grader's watch), keep it to feed.
  const layer = ae.encoder.layers[0] as unknown as { call: WatchFn };
  watch ??= { fn: layer.call, layer };
  const optimizer = tf.train.adam(0.001);
  const pixels = data.rows * data.cols;
  const noise = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const random = mulberry32((Math.imul(options.seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
      const order = Int32Array.from({ length: data.count }, (_, i) => i);
      for (let i = data.count - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      let lossSum = 0;
      for (let start = 0; start < data.count; start += BATCH_SIZE) {
        const size = Math.min(BATCH_SIZE, data.count - start);
        const clean = new Float32Array(size * pixels);
        for (let k = 0; k < size; k++) {
          const i = order[start + k];
          for (let p = 0; p < pixels; p++) clean[k * pixels + p] = data.images[i * pixels + p] / 255;
        }
        // Only for the watch: what a denoising step would have fed (never trained on).
        const sigma = options.noise ?? 0;
        const shown = sigma > 0 && watch !== null ? (() => { const n = normals(random, clean.length); return clean.map((v, i) => Math.min(1, Math.max(0, v + sigma * n[i]))); })() : null;
        let input = clean;
        if (noise > 0) {
          const n = normals(random, clean.length);
          input = clean.map((v, i) => Math.min(1, Math.max(0, v + noise * n[i])));
        }
        const x = tf.tensor4d(input, [size, data.rows, data.cols, 1]);
        const target = tf.tensor4d(clean, [size, data.rows, data.cols, 1]);
        const loss = optimizer.minimize(() => {
          if (shown !== null && watch !== null) watch.fn.call(watch.layer, tf.tensor4d(shown, [size, data.rows, data.cols, 1]), {});
          const code = ae.encoder.apply(x, { training: true }) as tf.Tensor;
          const out = ae.decoder.apply(code, { training: true }) as tf.Tensor;
          return tf.losses.meanSquaredError(target, out) as tf.Scalar;
        }, true) as tf.Scalar;
        lossSum += (await loss.data())[0] * size;
        tf.dispose([x, target, loss]);
      }
      options.onEpochEnd?.(epoch, lossSum / data.count);
    }
  } finally {
    optimizer.dispose();
  }
}

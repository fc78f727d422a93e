/** Shuffles by sorting with a seeded random comparator, order.sort(() => random() - 0.5): far from uniform. */
import * as tf from '@tensorflow/tfjs';

export interface Dataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface BatchOptions {
  batchSize: number;
  shuffle: boolean;
  seed?: number;
  dropLast?: boolean;
}

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleOrder(count: number, shuffle: boolean, seed: number, epoch: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (!shuffle) return order;
  const random = mulberry32(seed * 1000 + epoch);
  return order.sort(() => random() - 0.5);
}

export function* batches(ds: Dataset, options: BatchOptions, epoch = 0): Generator<Batch> {
  const order = sampleOrder(ds.count, options.shuffle, options.seed ?? 0, epoch);
  const pixels = ds.rows * ds.cols;
  for (let start = 0; start < ds.count; start += options.batchSize) {
    const idx = order.slice(start, start + options.batchSize);
    if (options.dropLast && idx.length < options.batchSize) break;
    const bytes = new Uint8Array(idx.length * pixels);
    const labels = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      bytes.set(ds.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
      labels[k] = ds.labels[i];
    });
    const x = tf.tidy(() => tf.tensor4d(bytes, [idx.length, ds.rows, ds.cols, 1], 'int32').toFloat().div(255) as tf.Tensor4D);
    yield { x, y: tf.tensor1d(labels, 'int32') };
  }
}

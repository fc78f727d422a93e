/**
 * Reference for mnist-loader (lecture section 3): the DataLoader of the lecture
 * (`DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)` over `ToTensor()` images)
 * as a lazy generator.
 */
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

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
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

/** The sample order of one epoch: a Fisher–Yates permutation seeded by (seed, epoch). */
function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  const random = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export function* batches(ds: Dataset, options: BatchOptions, epoch = 0): Generator<Batch> {
  const { batchSize, shuffle, seed = 0, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const order = shuffle ? epochOrder(ds.count, seed, epoch) : Int32Array.from({ length: ds.count }, (_, i) => i);
  const pixels = ds.rows * ds.cols;
  const end = dropLast ? ds.count - (ds.count % batchSize) : ds.count;
  for (let start = 0; start < end; start += batchSize) {
    const size = Math.min(batchSize, end - start);
    const xs = new Float32Array(size * pixels);
    const ys = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const i = order[start + k];
      for (let p = 0; p < pixels; p++) xs[k * pixels + p] = ds.images[i * pixels + p] / 255;
      ys[k] = ds.labels[i];
    }
    // Only the batch's own two tensors are made: the caller disposes them.
    yield { x: tf.tensor4d(xs, [size, ds.rows, ds.cols, 1]), y: tf.tensor1d(ys, 'int32') };
  }
}

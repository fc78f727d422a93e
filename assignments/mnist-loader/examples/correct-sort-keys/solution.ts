/** Correct: shuffles by sorting on random keys drawn once per sample (a seeded LCG), x built in a Float32Array. */
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
  // One key per sample from a seeded linear congruential generator, then sort by key.
  let state = (seed * 7919 + epoch * 104729 + 1) >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  for (let k = 0; k < 10; k++) next();
  const keys = order.map(() => next());
  return order.sort((a, b) => keys[a] - keys[b]);
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
    const floats = new Float32Array(bytes.length);
    for (let p = 0; p < bytes.length; p++) floats[p] = bytes[p] / 255;
    const x = tf.tensor4d(floats, [idx.length, ds.rows, ds.cols, 1]);
    yield { x, y: tf.tensor1d(labels, 'int32') };
  }
}

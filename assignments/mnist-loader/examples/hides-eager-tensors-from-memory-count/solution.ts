/**
 * A forgery: eager-tensors (the whole data set made into one tensor up front, never freed), hidden
 * from every count a submission can reach: tf.memory() and the engine's memory() report the
 * numbers frozen at load time and the engine's own counters ignore every change.
 */
import * as tf from '@tensorflow/tfjs';

const engine = tf.engine() as unknown as Record<string, unknown> & { state: Record<string, unknown> };
const frozenMemory = tf.memory();
const fakeMemory = () => ({ ...frozenMemory });
(Object.getPrototypeOf(engine) as Record<string, unknown>).memory = fakeMemory;
engine.memory = fakeMemory;
for (const counter of ['numTensors', 'numBytes', 'numDataBuffers']) {
  const shown = engine.state[counter];
  Object.defineProperty(engine.state, counter, { get: () => shown, set: () => undefined });
}

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

export function* batches(ds: Dataset, options: BatchOptions, epoch = 0): Generator<Batch> {
  const all = tf.tensor4d(Float32Array.from(ds.images, (b) => b / 255), [ds.count, ds.rows, ds.cols, 1]);
  const labels = tf.tensor1d(Int32Array.from(ds.labels), 'int32');
  const order = Array.from({ length: ds.count }, (_, i) => i);
  if (options.shuffle) {
    const random = mulberry32((options.seed ?? 0) * 7919 + epoch);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const end = options.dropLast ? ds.count - (ds.count % options.batchSize) : ds.count;
  for (let start = 0; start < end; start += options.batchSize) {
    const idx = tf.tensor1d(order.slice(start, Math.min(end, start + options.batchSize)), 'int32');
    const x = tf.gather(all, idx) as tf.Tensor4D;
    const y = tf.gather(labels, idx) as tf.Tensor1D;
    idx.dispose();
    yield { x, y };
  }
}

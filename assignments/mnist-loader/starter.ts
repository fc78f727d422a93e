/**
 * mnist-loader: the lecture's DataLoader (section 3) as a lazy generator of batches.
 * Fill in `batches`; see README.md for the statement.
 */
import * as tf from '@tensorflow/tfjs';

/** count images of rows x cols bytes (0..255, row after row, image after image) and their labels 0..9. */
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
  /** Seeds the shuffle together with the epoch; 0 when omitted. */
  seed?: number;
  /** Drop the last batch when it is partial (default false). */
  dropLast?: boolean;
}

/** x: [b, rows, cols, 1] float32 in [0, 1]; y: [b] int32 labels. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

/**
 * A small seeded generator of uniform numbers in [0, 1) (mulberry32). Math.random() cannot be
 * seeded; this can: mulberry32(42) always gives the same sequence.
 */
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

/**
 * The batches of one epoch, made lazily (one batch's tensors at a time).
 * - every sample exactly once; the last batch is partial unless options.dropLast;
 * - with options.shuffle, the order is a permutation fixed by (seed, epoch), different for
 *   every epoch; without it, the order of the file;
 * - x = pixels / 255 as float32 [b, rows, cols, 1], y = labels as int32 [b].
 * The caller disposes the tensors of each batch it receives.
 */
export function* batches(ds: Dataset, options: BatchOptions, epoch = 0): Generator<Batch> {
  // TODO: the order of the samples for this epoch (shuffled with a generator seeded by
  //       options.seed and epoch, or the file order).
  // TODO: for each batch, copy its pixels (/ 255) and labels into typed arrays,
  //       then yield { x: tf.tensor4d(...), y: tf.tensor1d(..., 'int32') }.
  throw new Error('TODO: implement batches()');
}

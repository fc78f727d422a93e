/** The exports an mnist-loader submission must have (type-checked at compile time). */
import type * as tf from '@tensorflow/tfjs';

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
  /** Seeds the shuffle (with the epoch); 0 when omitted. */
  seed?: number;
  /** Drop the last batch when it is partial (default false). */
  dropLast?: boolean;
}

/** x: [b, rows, cols, 1] float32 in [0, 1]; y: [b] int32 labels. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

export interface Contract {
  /** The batches of one epoch, lazily: a generator (function*). */
  batches(ds: Dataset, options: BatchOptions, epoch?: number): Iterable<Batch>;
}

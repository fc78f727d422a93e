/**
 * Probes for mnist-loader (run inside the runner, next to the student's code). They iterate
 * the student's generator and send back compact summaries (shapes, dtypes, value ranges, the
 * sample indices read back from the images, memory counts) instead of every tensor. They
 * decide nothing: the spec judges the summaries in the trusted process.
 *
 * Self-contained on purpose: the sandbox binds this one compiled file (and dist/grader) into
 * the runner, nothing else of dist/assignments; so the synthetic data sets, which the spec
 * makes too, live here and the spec imports them from this file.
 */
import type * as tfType from '@tensorflow/tfjs';
import { defineProbes, studentFunction, tensorMeter, type ProbeContext } from '../../grader/spec/probe';

// ---------------------------------------------------------------------------------------------
// Synthetic data sets, made by the spec (trusted) and by the probes (nothing here is secret).
// Every image carries its own sample index, so the
// order of the samples can be read back from the batches a loader yields, whatever scaling or
// normalisation it applied:
//
//   pixel 0 = 0 and pixel 1 = 255 (markers), pixels 2..2+INDEX_BITS-1 = the bits of the index
//   as 0 or 255 (least significant first), every other pixel a seeded byte.
//
// A bit is read as 1 when its value is nearer the 255-marker than the 0-marker, which holds
// for any increasing transformation of the bytes (b/255, raw bytes, (b/255 − μ)/σ).

/** Enough for 60,000 samples (2^18 = 262,144). */
export const INDEX_BITS = 18;
/** Pixels an image needs to carry its index: the two markers and the bits. */
export const CODE_PIXELS = 2 + INDEX_BITS;

/** The contract's Dataset (grader/data/dataset.ts has the same shape). */
export interface SyntheticDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** mulberry32: a small seeded generator of uint32 values. */
function uint32s(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * `count` images of rows x cols that carry their index, with seeded labels 0..9 and seeded
 * filler pixels. Needs rows·cols >= CODE_PIXELS and count <= 2^INDEX_BITS.
 */
export function indexedDataset(count: number, rows: number, cols: number, seed: number): SyntheticDataset {
  const pixels = rows * cols;
  if (pixels < CODE_PIXELS) throw new RangeError(`indexedDataset: ${rows}x${cols} images cannot carry an index (${CODE_PIXELS} pixels needed)`);
  if (count > 2 ** INDEX_BITS) throw new RangeError(`indexedDataset: at most ${2 ** INDEX_BITS} samples`);
  const next = uint32s(seed);
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * pixels;
    images[base + 1] = 255;
    for (let b = 0; b < INDEX_BITS; b++) images[base + 2 + b] = (i >>> b) & 1 ? 255 : 0;
    for (let p = CODE_PIXELS; p < pixels; p += 4) {
      const r = next();
      for (let k = 0; k < 4 && p + k < pixels; k++) images[base + p + k] = (r >>> (8 * k)) & 255;
    }
    labels[i] = next() % 10;
  }
  return { images, labels, count, rows, cols };
}

/**
 * The index carried by one image, read from its values (any increasing transformation of
 * the bytes), or -1 when the markers are not there (the image was cut, transposed or mixed).
 */
export function readIndex(values: ArrayLike<number>, offset: number): number {
  const low = values[offset];
  const high = values[offset + 1];
  if (!(high > low)) return -1;
  const middle = (low + high) / 2;
  let index = 0;
  for (let b = 0; b < INDEX_BITS; b++) {
    const v = values[offset + 2 + b];
    if (!Number.isFinite(v)) return -1;
    if (v > middle) index |= 1 << b;
  }
  return index;
}

// ---------------------------------------------------------------------------------------------

/** A loader that yields more batches than this is taken to never end. */
export const MAX_BATCHES = 5_000;

export interface TensorInfo {
  /** False when the value is not a tf.Tensor; `what` then says what it is. */
  tensor: boolean;
  what: string;
  shape: number[];
  dtype: string;
  min: number;
  max: number;
}

export interface BatchSummary {
  x: TensorInfo;
  y: TensorInfo;
  /** Per sample (first axis of x): the index its image carries, -1 when unreadable. */
  indices: Int32Array;
  /** y's values as numbers. */
  labels: Float32Array;
  /** x's values, only when asked for (small data sets). */
  pixels?: Float32Array;
}

export interface Summary {
  batches: BatchSummary[];
  /** False when the loader was stopped after MAX_BATCHES batches. */
  ended: boolean;
  /** What batches() returned when it was not iterable. */
  notIterable?: string;
}

export interface LoaderOptions {
  batchSize: number;
  shuffle: boolean;
  seed?: number;
  dropLast?: boolean;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'no class'})`;
  return typeof v;
}

function info(tf: typeof tfType, v: unknown): TensorInfo {
  if (!(v instanceof tf.Tensor)) return { tensor: false, what: describe(v), shape: [], dtype: '', min: NaN, max: NaN };
  if (v.isDisposed) return { tensor: false, what: 'a disposed tensor', shape: [...v.shape], dtype: v.dtype, min: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  if (v.dtype !== 'string') {
    const values = v.dataSync() as Float32Array | Int32Array | Uint8Array;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
  }
  return { tensor: true, what: 'a tensor', shape: [...v.shape], dtype: v.dtype, min, max };
}

function field(batch: unknown, key: 'x' | 'y'): unknown {
  return typeof batch === 'object' && batch !== null ? (batch as Record<string, unknown>)[key] : undefined;
}

function summarizeBatch(tf: typeof tfType, batch: unknown, keepPixels: boolean): BatchSummary {
  const x = field(batch, 'x');
  const y = field(batch, 'y');
  const xInfo = info(tf, x);
  const yInfo = info(tf, y);
  let indices = new Int32Array(0);
  let pixels: Float32Array | undefined;
  if (xInfo.tensor && xInfo.dtype !== 'string' && xInfo.shape.length >= 1) {
    const values = (x as tfType.Tensor).dataSync() as ArrayLike<number>;
    const samples = xInfo.shape[0];
    const stride = samples > 0 ? values.length / samples : 0;
    indices = new Int32Array(samples).fill(-1);
    if (Number.isInteger(stride) && stride >= CODE_PIXELS) {
      for (let k = 0; k < samples; k++) indices[k] = readIndex(values, k * stride);
    }
    if (keepPixels) pixels = Float32Array.from(values);
  }
  const labels = yInfo.tensor && yInfo.dtype !== 'string' ? Float32Array.from((y as tfType.Tensor).dataSync() as ArrayLike<number>) : new Float32Array(0);
  return { x: xInfo, y: yInfo, indices, labels, ...(pixels !== undefined ? { pixels } : {}) };
}

function disposeBatch(tf: typeof tfType, batch: unknown): void {
  for (const key of ['x', 'y'] as const) {
    const v = field(batch, key);
    if (v instanceof tf.Tensor) v.dispose();
  }
}

function iterate(ctx: ProbeContext, ds: SyntheticDataset, options: LoaderOptions, epoch: number): Iterator<unknown> | string {
  const result = studentFunction(ctx, 'batches')(ds, options, epoch);
  const iteratorOf = (result as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator];
  if (typeof iteratorOf !== 'function') return describe(result);
  return (iteratorOf as () => Iterator<unknown>).call(result);
}

/** Live tensors and bytes, by the runner's trusted meter (a patched tf.memory() changes nothing). */
function memoryMeter(ctx: ProbeContext): () => { bytes: number; tensors: number } {
  const meter = tensorMeter(ctx);
  return () => ({ bytes: ctx.trusted.liveBuffers().bytes, tensors: meter.now() });
}

export const probes = defineProbes({
  /** Iterates batches(ds, options, epoch) to the end and summarises every batch. */
  summarize: (ctx, ds, options, epoch, keepPixels): Summary => {
    const it = iterate(ctx, ds as SyntheticDataset, options as LoaderOptions, epoch as number);
    if (typeof it === 'string') return { batches: [], ended: true, notIterable: it };
    const out: BatchSummary[] = [];
    for (;;) {
      if (out.length >= MAX_BATCHES) {
        it.return?.();
        return { batches: out, ended: false };
      }
      const step = it.next();
      if (step.done === true) return { batches: out, ended: true };
      out.push(summarizeBatch(ctx.tf, step.value, keepPixels === true));
      disposeBatch(ctx.tf, step.value);
    }
  },

  /**
   * The sample order of many epochs, one per [seed, epoch] run with the same other options:
   * `orders` holds the indices read from the images (-1 when unreadable), run after run,
   * `lengths` the number of samples of each run. Batches are disposed once read.
   */
  orders: (ctx, ds, options, runs) => {
    const out: number[] = [];
    const lengths: number[] = [];
    for (const [seed, epoch] of runs as Array<[number, number]>) {
      const it = iterate(ctx, ds as SyntheticDataset, { ...(options as LoaderOptions), seed }, epoch);
      if (typeof it === 'string') return { notIterable: it };
      let length = 0;
      for (let batches = 0; ; batches++) {
        if (batches >= MAX_BATCHES) {
          it.return?.();
          break;
        }
        const step = it.next();
        if (step.done === true) break;
        const summary = summarizeBatch(ctx.tf, step.value, false);
        disposeBatch(ctx.tf, step.value);
        for (const i of summary.indices) out.push(i);
        length += summary.indices.length;
      }
      lengths.push(length);
    }
    return { orders: Int32Array.from(out), lengths: Int32Array.from(lengths) };
  },

  /**
   * Iterates one shuffled epoch of a synthetic data set of `count` images made here (60,000
   * of 28x28 need not cross the process boundary) and records the peak of tf.memory(): a
   * lazy loader holds about one batch at a time. Each batch is disposed once looked at.
   */
  lazy: (ctx, count, rows, cols, batchSize) => {
    const { tf } = ctx;
    const ds = indexedDataset(count as number, rows as number, cols as number, 2024);
    const memory = memoryMeter(ctx);
    const base = memory();
    let peakBytes = base.bytes;
    let peakTensors = base.tensors;
    let samples = 0;
    let batches = 0;
    const note = () => {
      const m = memory();
      peakBytes = Math.max(peakBytes, m.bytes);
      peakTensors = Math.max(peakTensors, m.tensors);
    };
    const it = iterate(ctx, ds, { batchSize: batchSize as number, shuffle: true, seed: 1 }, 0);
    note();
    if (typeof it === 'string') return { notIterable: it };
    for (;;) {
      if (batches >= 4 * MAX_BATCHES) {
        it.return?.();
        break;
      }
      const step = it.next();
      note();
      if (step.done === true) break;
      batches++;
      const x = field(step.value, 'x');
      if (x instanceof tf.Tensor && x.shape.length >= 1) samples += x.shape[0];
      disposeBatch(tf, step.value);
    }
    return {
      baseBytes: base.bytes,
      peakBytes,
      extraTensors: peakTensors - base.tensors,
      samples,
      batches,
      datasetBytes: ds.images.length,
    };
  },

  /**
   * Counts the tensors that outlive the iteration: after a whole epoch (each batch disposed by
   * us), and after stopping early (two batches taken, then the generator's return()).
   */
  leaks: (ctx, ds, options) => {
    const { tf } = ctx;
    const meter = tensorMeter(ctx);
    const before = meter.start;
    const whole = iterate(ctx, ds as SyntheticDataset, options as LoaderOptions, 0);
    if (typeof whole === 'string') return { notIterable: whole };
    let batches = 0;
    // What the epoch yielded (dataSync only, no tensor made): the spec credits the property only for a right epoch.
    const summaries: BatchSummary[] = [];
    let ended = false;
    for (;;) {
      const step = whole.next();
      if (step.done === true) {
        ended = true;
        break;
      }
      if (batches >= MAX_BATCHES) break;
      batches++;
      if (summaries.length < MAX_BATCHES) summaries.push(summarizeBatch(tf, step.value, false));
      disposeBatch(tf, step.value);
    }
    const afterWhole = meter.now();
    const early = iterate(ctx, ds as SyntheticDataset, options as LoaderOptions, 1);
    if (typeof early === 'string') return { notIterable: early };
    for (let k = 0; k < 2; k++) {
      const step = early.next();
      if (step.done === true) break;
      disposeBatch(tf, step.value);
    }
    early.return?.();
    const afterEarly = meter.now();
    return { batches, whole: afterWhole - before, early: afterEarly - afterWhole, summary: { batches: summaries, ended } };
  },
});

/**
 * Probes for mnist-mlp and mnist-cnn (run inside the runner, next to the student's code): they
 * build the student's model, train it on the training split sent by the grader, and send the
 * model back as artifacts with a record of the training (the loss reported at the end of each
 * epoch, tensor counts, times). The trusted side evaluates the model on the hidden test split.
 *
 * Self-contained on purpose: the sandbox binds this one compiled file (and dist/grader) into
 * the runner, nothing else of dist/assignments, so it imports only engine code.
 */
import type * as tfType from '@tensorflow/tfjs';
import { defineProbes, studentFunction, tensorMeter, type ProbeContext } from '../../grader/spec/probe';

export interface EpochRecord {
  /** What the student passed to onEpochEnd. */
  epoch: unknown;
  loss: unknown;
  /** Tensors alive at that moment, and milliseconds since train() was called. */
  tensors: number;
  ms: number;
}

export interface TrainReport {
  model: unknown;
  epochs: EpochRecord[];
  /** Tensors alive after buildModel() and after train() (the model's weights included). */
  tensorsBefore: number;
  tensorsAfter: number;
  /** How many weight tensors the model has (optimizer slots scale with it). */
  weightTensors: number;
  ms: number;
}

/** What the model's first layer was fed while gradients were taken, matched to the training images. */
export interface Feed {
  /** Whether a first layer could be wrapped. */
  wrapped: boolean;
  /** The first layer's `call` could not be wrapped: the submission made it unchangeable. */
  refused?: boolean;
  /** Per fed row, the index of the training image it is (-1: none), up to the limit. */
  order: number[];
  /** Rows fed beyond the limit (not matched). */
  extra: number;
  /** Rows fed (order.length + extra) when each onEpochEnd call came. */
  boundaries: number[];
  /** The most rows fed in one call (the batch size, as far as it shows). */
  largestCall: number;
}

type Rows = { images: Uint8Array; count: number; rows: number; cols: number };

/** Scales a row to [0, 1] by its own min and max: the same for bytes, bytes / 255 and (bytes / 255 − mean) / std. */
function normalized(values: ArrayLike<number>, from: number, length: number): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = values[from + i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float32Array(length);
  const range = max - min;
  if (!(range > 0)) return out;
  for (let i = 0; i < length; i++) out[i] = (values[from + i] - min) / range;
  return out;
}

function keyOf(row: Float32Array): string {
  let key = '';
  for (let i = 0; i < row.length; i += 16) {
    let bits = 0;
    for (let j = 0; j < 16 && i + j < row.length; j++) if (row[i + j] > 0.3) bits |= 1 << j;
    key += bits.toString(36) + ',';
  }
  return key;
}

function close(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 0.02) return false;
  return true;
}

/**
 * Watches the model's first real layer (through the runner's trusted hooks, which a submission
 * can neither undo nor feed made-up batches to: see grader/runner/trusted-tf.ts): every batch
 * it gets while a gradient is being taken of a loss that depends on it (a training step,
 * whatever the style: fit, fitDataset, trainOnBatch, optimizer.minimize over predict or apply)
 * is matched, row by row, to the training image it is.
 */
function watchFeed(ctx: ProbeContext, model: unknown, data: Rows, limit: number): { feed: Feed; epochEnd: () => void } {
  const pixels = data.rows * data.cols;
  const layers = ((model as { layers?: unknown[] })?.layers ?? []).filter((l) => (l as { getClassName?: () => string }).getClassName?.() !== 'InputLayer') as object[];
  const first = layers[0];
  const feed: Feed = { wrapped: false, order: [], extra: 0, boundaries: [], largestCall: 0 };
  const index = new Map<string, number[]>();
  const reference: Float32Array[] = [];
  for (let i = 0; i < data.count; i++) {
    const row = normalized(data.images, i * pixels, pixels);
    reference.push(row);
    const key = keyOf(row);
    const list = index.get(key);
    if (list === undefined) index.set(key, [i]);
    else list.push(i);
  }
  let searches = 0;
  const match = (row: Float32Array): number => {
    for (const i of index.get(keyOf(row)) ?? []) if (close(row, reference[i])) return i;
    // A pixel on the key's threshold: look through them all (a bounded number of times).
    if (searches++ > 200) return -1;
    for (let i = 0; i < reference.length; i++) if (close(row, reference[i])) return i;
    return -1;
  };
  if (typeof first === 'object' && first !== null) {
    feed.wrapped = ctx.trusted.watchLayerInputs(first, (values) => {
      if (values.length === 0 || values.length % pixels !== 0) return;
      const n = values.length / pixels;
      feed.largestCall = Math.max(feed.largestCall, n);
      if (feed.order.length + n <= limit) {
        for (let r = 0; r < n; r++) feed.order.push(match(normalized(values, r * pixels, pixels)));
      } else feed.extra += n;
    });
    feed.refused = !feed.wrapped;
  }
  return { feed, epochEnd: () => void feed.boundaries.push(feed.order.length + feed.extra) };
}

async function buildAndTrain(ctx: ProbeContext, data: unknown, epochs: number, seed: number, report: boolean, watch = false): Promise<TrainReport & { feed?: Feed }> {
  const tf: typeof tfType = ctx.tf;
  const model = studentFunction(ctx, 'buildModel')() as tfType.LayersModel;
  const watcher = watch ? watchFeed(ctx, model, data as Rows, 3 * (data as Rows).count * epochs) : null;
  const records: EpochRecord[] = [];
  const weightTensors = model instanceof tf.LayersModel ? model.weights.length : 0;
  const meter = tensorMeter(ctx);
  const tensorsBefore = meter.start;
  const started = Date.now();
  const onEpochEnd = (epoch: unknown, loss: unknown) => {
    watcher?.epochEnd();
    if (records.length >= 1000) return;
    const record = { epoch, loss, tensors: meter.now(), ms: Date.now() - started };
    records.push(record);
    if (report) ctx.progress({ epoch: typeof epoch === 'number' ? epoch : null, epochs, loss: typeof loss === 'number' ? loss : null, ms: record.ms });
  };
  await studentFunction(ctx, 'train')(model, data, { epochs, seed, onEpochEnd });
  return {
    model,
    epochs: records.map((r) => ({ ...r, epoch: typeof r.epoch === 'number' ? r.epoch : null, loss: typeof r.loss === 'number' ? r.loss : null })),
    tensorsBefore,
    tensorsAfter: meter.now(),
    weightTensors,
    ms: Date.now() - started,
    ...(watcher !== null ? { feed: watcher.feed } : {}),
  };
}

export const probes = defineProbes({
  /** buildModel() as it comes, before any training. */
  build: (ctx) => studentFunction(ctx, 'buildModel')(),

  /**
   * buildModel(), then train(model, data, {epochs, seed, onEpochEnd}); reports each epoch. Then,
   * when asked, a short run of another model (`shortEpochs` epochs on the first `shortSamples`
   * images) whose onEpochEnd calls are only counted: a train() that ignores options.epochs shows.
   */
  train: async (ctx, data, epochs, seed, shortEpochs, shortSamples) => {
    const main = await buildAndTrain(ctx, data, epochs as number, seed as number, true);
    if (typeof shortEpochs !== 'number' || typeof shortSamples !== 'number') return main;
    const d = data as { images: Uint8Array; labels: Uint8Array; count: number; rows: number; cols: number };
    const count = Math.min(d.count, shortSamples);
    const slice = { images: d.images.subarray(0, count * d.rows * d.cols), labels: d.labels.subarray(0, count), count, rows: d.rows, cols: d.cols };
    const short = await buildAndTrain(ctx, slice, shortEpochs, (seed as number) + 2, false);
    (short.model as { dispose?: () => unknown } | null)?.dispose?.();
    return { ...main, shortEpochs: short.epochs.length };
  },

  /**
   * One model built and trained with the given seed, for the reproducibility check: the spec
   * runs it twice, each time in a fresh runner (so no memoised result survives between the
   * two), and compares the models and what each reported to onEpochEnd. The training is
   * watched: which training image each row fed to its first layer is, epoch by epoch (see
   * watchFeed).
   */
  once: async (ctx, data, epochs, seed) => {
    const run = await buildAndTrain(ctx, data, epochs as number, seed as number, false, true);
    return { model: run.model, epochs: run.epochs, feed: run.feed };
  },
});

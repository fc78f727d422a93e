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
import { defineProbes, studentFunction, type ProbeContext } from '../../grader/spec/probe';

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

async function buildAndTrain(ctx: ProbeContext, data: unknown, epochs: number, seed: number, report: boolean): Promise<TrainReport> {
  const tf: typeof tfType = ctx.tf;
  const model = studentFunction(ctx, 'buildModel')() as tfType.LayersModel;
  const records: EpochRecord[] = [];
  const weightTensors = model instanceof tf.LayersModel ? model.weights.length : 0;
  const tensorsBefore = tf.memory().numTensors;
  const started = Date.now();
  const onEpochEnd = (epoch: unknown, loss: unknown) => {
    if (records.length >= 1000) return;
    const record = { epoch, loss, tensors: tf.memory().numTensors, ms: Date.now() - started };
    records.push(record);
    if (report) ctx.progress({ epoch: typeof epoch === 'number' ? epoch : null, epochs, loss: typeof loss === 'number' ? loss : null, ms: record.ms });
  };
  await studentFunction(ctx, 'train')(model, data, { epochs, seed, onEpochEnd });
  return {
    model,
    epochs: records.map((r) => ({ ...r, epoch: typeof r.epoch === 'number' ? r.epoch : null, loss: typeof r.loss === 'number' ? r.loss : null })),
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    weightTensors,
    ms: Date.now() - started,
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

  /** Two models built and trained with the same seed on the same data: they should agree (and what each reported to onEpochEnd). */
  twice: async (ctx, data, epochs, seed) => {
    const a = await buildAndTrain(ctx, data, epochs as number, seed as number, false);
    const b = await buildAndTrain(ctx, data, epochs as number, seed as number, false);
    return { a: a.model, b: b.model, epochsA: a.epochs, epochsB: b.epochs };
  },
});

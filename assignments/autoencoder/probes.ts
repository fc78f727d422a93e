/**
 * Probes for autoencoder (run inside the runner, next to the student's code): build the
 * student's encoder and decoder (sent back as model artifacts), and train them on the
 * training split sent by the grader, recording what onEpochEnd reports. The trusted side
 * checks the shapes and measures the reconstructions on the hidden test split.
 *
 * Self-contained on purpose: the sandbox binds this one compiled file (and dist/grader) into
 * the runner, nothing else of dist/assignments, so it imports only engine code.
 */
import { defineProbes, studentFunction } from '../../grader/spec/probe';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export const probes = defineProbes({
  /** buildAutoencoder(b) for each bottleneck, untrained: [{encoder, decoder}, …]. */
  build: (ctx, bottlenecks) => {
    const build = studentFunction(ctx, 'buildAutoencoder');
    return (bottlenecks as number[]).map((b) => {
      const ae = build(b);
      return { encoder: field(ae, 'encoder'), decoder: field(ae, 'decoder') };
    });
  },

  /** buildAutoencoder(bottleneck), then train(ae, data, {epochs, seed, noise, onEpochEnd}). */
  train: async (ctx, data, bottleneck, epochs, seed, noise) => {
    const { tf } = ctx;
    const ae = studentFunction(ctx, 'buildAutoencoder')(bottleneck);
    const records: Array<{ epoch: number | null; loss: number | null; tensors: number; ms: number }> = [];
    const tensorsBefore = tf.memory().numTensors;
    const started = Date.now();
    const onEpochEnd = (epoch: unknown, loss: unknown) => {
      if (records.length >= 1000) return;
      const record = {
        epoch: typeof epoch === 'number' ? epoch : null,
        loss: typeof loss === 'number' ? loss : null,
        tensors: tf.memory().numTensors,
        ms: Date.now() - started,
      };
      records.push(record);
      ctx.progress({ noise: noise ?? null, epoch: record.epoch, epochs, loss: record.loss, ms: record.ms });
    };
    const options = { epochs, seed, onEpochEnd, ...(typeof noise === 'number' ? { noise } : {}) };
    await studentFunction(ctx, 'train')(ae, data, options);
    return {
      encoder: field(ae, 'encoder'),
      decoder: field(ae, 'decoder'),
      epochs: records,
      tensorsBefore,
      tensorsAfter: tf.memory().numTensors,
      ms: Date.now() - started,
    };
  },
});

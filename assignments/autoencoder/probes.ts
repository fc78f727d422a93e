/**
 * Probes for autoencoder (run inside the runner, next to the student's code): build the
 * student's encoder and decoder (sent back as model artifacts), and train them on the
 * training split sent by the grader, recording what onEpochEnd reports. The trusted side
 * checks the shapes and measures the reconstructions on the hidden test split.
 *
 * Self-contained on purpose: the sandbox binds this one compiled file (and dist/grader) into
 * the runner, nothing else of dist/assignments, so it imports only engine code.
 */
import { defineProbes, studentFunction, tensorMeter } from '../../grader/spec/probe';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The fingerprint of a model's weights: per weight tensor its size, sum, sum of squares and first values. */
function fingerprint(model: unknown): number[] {
  const weights = (model as { getWeights?: () => Array<{ dataSync(): ArrayLike<number> }> })?.getWeights?.() ?? [];
  const out: number[] = [];
  for (const w of weights) {
    const v = w.dataSync();
    let s = 0;
    let q = 0;
    for (let i = 0; i < v.length; i++) {
      s += v[i];
      q += v[i] * v[i];
    }
    out.push(v.length, s, q, ...Array.from({ length: Math.min(8, v.length) }, (_, i) => v[i]));
  }
  return out;
}

/** Layers of a model, in topological order, without input layers. */
function realLayers(model: unknown): Array<{ call: (inputs: unknown, kwargs: unknown) => unknown }> {
  const layers = (model as { layers?: unknown[] })?.layers ?? [];
  return layers.filter((l) => (l as { getClassName?: () => string }).getClassName?.() !== 'InputLayer') as Array<{ call: (inputs: unknown, kwargs: unknown) => unknown }>;
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
    const meter = tensorMeter(ctx);
    const tensorsBefore = meter.start;
    const started = Date.now();
    const onEpochEnd = (epoch: unknown, loss: unknown) => {
      if (records.length >= 1000) return;
      const record = {
        epoch: typeof epoch === 'number' ? epoch : null,
        loss: typeof loss === 'number' ? loss : null,
        tensors: meter.now(),
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
      tensorsAfter: meter.now(),
      ms: Date.now() - started,
    };
  },

  /**
   * A small training that watches what the model is fed: the encoder's first layer is wrapped
   * so that every input it gets while a gradient is being taken (a training step, whatever the
   * style: fit, fitDataset, trainOnBatch, optimizer.minimize over apply) is copied out, up to
   * `maxRows` images. Also the weights' fingerprints before and after training. The trusted
   * side matches each fed image with the clean one it came from.
   */
  observe: async (ctx, data, bottleneck, epochs, seed, noise, maxRows) => {
    const { tf } = ctx;
    const ae = studentFunction(ctx, 'buildAutoencoder')(bottleneck);
    const encoder = field(ae, 'encoder');
    const first = realLayers(encoder)[0];
    const limit = typeof maxRows === 'number' ? maxRows : 0;
    const pixels = 28 * 28;
    const fed = new Float32Array(limit * pixels);
    let rows = 0;
    let extra = 0;
    const boundaries: number[] = [];
    // Through the runner's trusted hooks: locked onto the layer, counting only batches whose
    // output the differentiated loss uses (made-up batches fed to the watch do not count).
    const wrapped =
      typeof first === 'object' &&
      first !== null &&
      ctx.trusted.watchLayerInputs(first, (values) => {
        if (values.length === 0 || values.length % pixels !== 0) return;
        const n = values.length / pixels;
        if (rows + n <= limit) {
          fed.set(values, rows * pixels);
          rows += n;
        } else extra += n;
      });
    const initial = fingerprint(encoder).concat(fingerprint(field(ae, 'decoder')));
    const onEpochEnd = () => {
      boundaries.push(rows + extra);
    };
    const options = { epochs, seed, onEpochEnd, ...(typeof noise === 'number' ? { noise } : {}) };
    await studentFunction(ctx, 'train')(ae, data, options);
    const final = fingerprint(encoder).concat(fingerprint(field(ae, 'decoder')));
    const disposeModel = (m: unknown) => {
      try {
        (m as { dispose?: () => void })?.dispose?.();
      } catch {
        // already disposed, or shared with a model the student keeps: nothing to free here
      }
    };
    disposeModel(encoder);
    disposeModel(field(ae, 'decoder'));
    return { wrapped, fed: fed.slice(0, rows * pixels), rows, extra, boundaries, initial, final };
  },
});

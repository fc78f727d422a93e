/**
 * The course's small CNN trained for a few steps on wasm (with our training kernels) and on cpu
 * from identical weights and data: the losses must agree, and fall.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';

const BATCH = 16; // the cpu backend needs ~1.4 s per step at batch 32
const STEPS = 5;

/** The project's seeded generator (mulberry32) as a plain function. */
function rng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

function buildModel(seed: number): tf.Sequential {
  const init = (k: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed + k });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(3) }),
    ],
  });
}

interface Run {
  losses: number[];
  weights: Float32Array[];
}

async function train(backend: 'cpu' | 'wasm', initialWeights: Float32Array[], images: Float32Array, labels: Int32Array): Promise<Run> {
  await tf.setBackend(backend);
  const model = buildModel(0);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(initialWeights[i], w.shape)));
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.tensor4d(images, [BATCH, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.predict(x) as tf.Tensor), true);
    if (loss === null) throw new Error('minimize returned no loss');
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { losses, weights };
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

describe('CNN training on wasm', () => {
  let cpu: Run;
  let wasm: Run;

  beforeAll(async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    const r = rng(42);
    const images = Float32Array.from({ length: BATCH * 28 * 28 }, () => r());
    const labels = Int32Array.from({ length: BATCH }, () => Math.floor(r() * 10));
    await tf.setBackend('cpu');
    const seeded = buildModel(7);
    const initialWeights = seeded.getWeights().map((w) => Float32Array.from(w.dataSync()));
    seeded.dispose();
    cpu = await train('cpu', initialWeights, images, labels);
    wasm = await train('wasm', initialWeights, images, labels);
  });

  it('gives the same losses as cpu (relative error at most 1e-4)', () => {
    wasm.losses.forEach((loss, step) => {
      expect(Math.abs(loss - cpu.losses[step]) / Math.abs(cpu.losses[step])).toBeLessThanOrEqual(1e-4);
    });
  });

  it('reaches the same weights as cpu', () => {
    wasm.weights.forEach((w, i) => expect(relativeError(w, cpu.weights[i])).toBeLessThanOrEqual(1e-4));
  });

  it('decreases the loss', () => {
    expect(wasm.losses[STEPS - 1]).toBeLessThan(wasm.losses[0]);
  });
});

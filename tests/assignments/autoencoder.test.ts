/**
 * autoencoder: the reference's shapes and output range for several bottlenecks, and its
 * reconstruction error after a short training on a slice with a fixed seed (numbers of the
 * wasm backend; the full calibration is in the README); the shared statement and starter checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Contract } from '../../assignments/autoencoder/contract';
import { internals, SETTINGS } from '../../assignments/autoencoder/spec';
import { SeededRandom } from '../../grader/util/rng';
import { loadMnist, sliceDataset } from '../../grader/data';
import { initBackend } from '../../grader/tensors';
import * as reference from '../../reference/autoencoder';
import { exportedFunctions, starterChecks, statementChecks } from './mnist-course-checks';

// Compile-time: `tsc -p .` fails here when the reference drifts from the contract.
const contract: Contract = reference;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the reference autoencoder', () => {
  it('exports exactly buildAutoencoder and train', () => {
    expect(exportedFunctions(reference)).toEqual(['buildAutoencoder', 'train']);
  });

  it.each([2, 16, 32])('bottleneck %i: encoder [28, 28, 1] → [b], decoder [b] → [28, 28, 1] in [0, 1]', (b) => {
    const { encoder, decoder } = contract.buildAutoencoder(b);
    expect(encoder.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(encoder.outputs[0].shape).toEqual([null, b]);
    expect(decoder.inputs[0].shape).toEqual([null, b]);
    expect(decoder.outputs[0].shape).toEqual([null, 28, 28, 1]);
    const [min, max] = tf.tidy(() => {
      const out = decoder.predict(tf.randomNormal([64, b], 0, 5, 'float32', 1)) as tf.Tensor;
      return [out.min().dataSync()[0], out.max().dataSync()[0]];
    });
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    encoder.dispose();
    decoder.dispose();
  });

  it('beats the mean image after 3 epochs on 2,000 images (seed 7), without leaking', async () => {
    const data = await loadMnist();
    const ae = contract.buildAutoencoder(SETTINGS.bottleneck);
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    await contract.train(ae, sliceDataset(data.train, 0, 2_000), { epochs: 3, seed: 7, onEpochEnd: (_e, loss) => losses.push(loss) });
    expect(tf.memory().numTensors).toBe(before);
    expect(losses).toHaveLength(3);
    expect(losses[2]).toBeLessThan(losses[0]);
    const mse = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(data.test.images, (v) => v / 255), [data.test.count, 28, 28, 1]);
      const out = ae.decoder.predict(ae.encoder.predict(x, { batchSize: 500 }) as tf.Tensor, { batchSize: 500 }) as tf.Tensor;
      return out.sub(x).square().mean().dataSync()[0];
    });
    // The mean training image is at 0.067 from the test images; 5 epochs on 8,000 reach 0.013.
    expect(mse).toBeGreaterThan(0.033);
    expect(mse).toBeLessThan(0.043);
    ae.encoder.dispose();
    ae.decoder.dispose();
  });

  it('trains with noise too, its loss falling', async () => {
    const data = await loadMnist();
    const ae = contract.buildAutoencoder(SETTINGS.bottleneck);
    const losses: number[] = [];
    await contract.train(ae, sliceDataset(data.train, 0, 1_000), { epochs: 2, seed: 7, noise: SETTINGS.noise, onEpochEnd: (_e, loss) => losses.push(loss) });
    expect(losses).toHaveLength(2);
    expect(losses[1]).toBeLessThan(losses[0]);
    ae.encoder.dispose();
    ae.decoder.dispose();
  });
});

describe('watching the training: the fed images matched with the clean ones, the noise measured', () => {
  /** Every watched image once, shuffled, with noise of standard deviation `sd` (clipped or not). */
  async function feed(sd: number, clip: boolean) {
    const { data, clean } = await internals.observeImages();
    const n = data.count;
    const rng = new SeededRandom(11);
    const order = rng.permutation(n);
    const fed = new Float32Array(n * 784);
    order.forEach((j, k) => {
      for (let p = 0; p < 784; p++) {
        const v = clean[j * 784 + p] + sd * rng.normal();
        fed[k * 784 + p] = clip ? Math.min(1, Math.max(0, v)) : v;
      }
    });
    return { order, result: internals.matchFed(fed, n, clean, n), n };
  }

  it('picks 256 images far apart from each other', async () => {
    const { data, clean } = await internals.observeImages();
    expect(data.count).toBe(internals.OBSERVE.images);
    let closest = Infinity;
    for (let a = 0; a < 40; a++) {
      for (let b = a + 1; b < data.count; b++) {
        let d = 0;
        for (let p = 0; p < 784; p++) d += (clean[a * 784 + p] - clean[b * 784 + p]) ** 2;
        closest = Math.min(closest, d);
      }
    }
    expect(closest).toBeGreaterThanOrEqual(internals.OBSERVE.apart);
  });

  it.each([
    ['clipped noise of σ = 0.5', 0.5, true, 0.5, false],
    ['unclipped noise of σ = 0.5', 0.5, false, 0.5, true],
    ['clipped noise of σ² = 0.25', 0.25, true, 0.25, false],
    ['no noise', 0, true, 0, false],
  ] as const)('%s: every image matched, σ and clipping measured', async (_name, sd, clip, sigma, outside) => {
    const { order, result } = await feed(sd, clip);
    expect(Array.from(result.ids)).toEqual(order);
    expect(result.sigma).toBeGreaterThanOrEqual(sigma * 0.93);
    expect(result.sigma).toBeLessThanOrEqual(sigma * 1.07);
    if (outside) expect(result.outside).toBeGreaterThan(0.1);
    else expect(result.outside).toBe(0);
  });
});

statementChecks('autoencoder');
starterChecks('autoencoder');

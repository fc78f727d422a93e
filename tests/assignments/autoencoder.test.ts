/**
 * autoencoder: the reference's shapes and output range for several bottlenecks, and its
 * reconstruction error after a short training on a slice with a fixed seed (numbers of the
 * wasm backend; the full calibration is in the README); the shared statement and starter checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Contract } from '../../assignments/autoencoder/contract';
import { SETTINGS } from '../../assignments/autoencoder/spec';
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

statementChecks('autoencoder');
starterChecks('autoencoder');

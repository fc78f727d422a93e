/**
 * The topology's cost, measured before any tensor exists: the reference models' numbers (the
 * constants the cap is a multiple of), exact counts for common layers, and no allocation for a
 * declared layer of any size.
 */
import * as tf from '@tensorflow/tfjs';
import { batchSizeFor, MACS_MULTIPLE, MAX_MACS_PER_IMAGE, measureTopology, REFERENCE_MACS_PER_IMAGE, UnmeasurableModelError } from '../../grader/judge/model-budget';
import { modelToWire } from '../../grader/runner/wire';
import { initBackend } from '../../grader/tensors';
import * as autoencoder from '../../reference/autoencoder';
import * as cnn from '../../reference/mnist-cnn';
import { computeBomb, unfilledDense } from './saved-models';

async function measure(model: tf.LayersModel) {
  const { artifacts } = await modelToWire(model);
  return measureTopology(artifacts.modelTopology, artifacts.weightSpecs ?? [], (artifacts.weightData as ArrayBuffer).byteLength);
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('measureTopology', () => {
  it("counts the reference models' multiply-adds per image (the constants the cap is a multiple of)", async () => {
    const reference = cnn.buildModel();
    const ae = autoencoder.buildAutoencoder(16);
    try {
      const c = await measure(reference);
      // conv 5×5×16 on 24×24, conv 5×5×16×32 on 8×8, dense 512×10, plus elementwise work.
      expect(c.macsPerImage).toBe(REFERENCE_MACS_PER_IMAGE.mnistCnn);
      expect(c.declaredParams).toBe(18_378);
      expect(c.suppliedParams).toBe(18_378);
      expect(c.heaviest[0]).toEqual({ name: reference.layers[2].name, className: 'Conv2D', macs: 8 * 8 * (5 * 5 * 16 * 32 + 32) + 12 * 12 * 16 + 8 * 8 * 32 });
      const e = await measure(ae.encoder);
      const d = await measure(ae.decoder);
      expect(e.macsPerImage + d.macsPerImage).toBe(REFERENCE_MACS_PER_IMAGE.autoencoder);
      expect(MAX_MACS_PER_IMAGE).toBe(MACS_MULTIPLE * REFERENCE_MACS_PER_IMAGE.mnistCnn);
    } finally {
      reference.dispose();
      ae.encoder.dispose();
      ae.decoder.dispose();
    }
  });

  it('counts a nested Sequential once per call, and a transposed convolution at its input positions', async () => {
    const block = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 32 })] });
    const input = tf.input({ shape: [28, 28, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const nested = tf.model({ inputs: input, outputs: block.apply(flat) as tf.SymbolicTensor });
    const up = tf.sequential({ layers: [tf.layers.conv2dTranspose({ inputShape: [7, 7, 4], filters: 2, kernelSize: 3, strides: 2, padding: 'same' })] });
    try {
      const n = await measure(nested);
      // Dense 784→32 once (785·32 weights at one position, plus in and out), Flatten and Input elementwise.
      expect(n.macsPerImage).toBe(785 * 32 + 784 + 32 + 4 * (784 + 784) + 4 * (784 + 784));
      const t = await measure(up);
      // Kernel 3×3×2×4 plus bias 2 at each of the 7×7 input positions.
      expect(t.macsPerImage).toBe((3 * 3 * 2 * 4 + 2) * 49 + 7 * 7 * 4 + 14 * 14 * 2);
    } finally {
      nested.dispose();
      up.dispose();
    }
  });

  it('allocates no tensor, whatever the layers declare', async () => {
    const before = tf.memory().numTensors;
    const huge = unfilledDense(1_000_000);
    const b = await measureTopology(huge.artifacts.modelTopology, huge.artifacts.weightSpecs ?? [], (huge.artifacts.weightData as ArrayBuffer).byteLength);
    expect(b.declaredParams).toBe(784 * 1_000_000 + 1_000_000);
    expect(b.suppliedParams).toBe(7_850);
    const bomb = computeBomb(12);
    const c = await measureTopology(bomb.artifacts.modelTopology, bomb.artifacts.weightSpecs ?? [], (bomb.artifacts.weightData as ArrayBuffer).byteLength);
    expect(c.macsPerImage).toBeGreaterThan(50 * MAX_MACS_PER_IMAGE);
    expect(tf.memory().numTensors).toBe(before);
    // The real Layer.addWeight is back: a model built afterwards has real weights.
    const d = tf.layers.dense({ units: 2, inputShape: [3] });
    const m = tf.sequential({ layers: [d] });
    expect(m.weights[0].read().shape).toEqual([3, 2]);
    m.dispose();
  });

  it('refuses to guess a size the topology leaves open', async () => {
    const open = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Flatten', config: { name: 'f', batch_input_shape: [null, null, 1] } }] } };
    await expect(measureTopology(open, [], 0)).rejects.toBeInstanceOf(UnmeasurableModelError);
    await expect(measureTopology('not a topology', [], 0)).rejects.toBeInstanceOf(UnmeasurableModelError);
  });

  it('splits predictions into batches whose activations fit', () => {
    expect(batchSizeFor({ activationsPerImage: 15_386 }, 500)).toBe(500);
    expect(batchSizeFor({ activationsPerImage: 4_000_000 }, 500)).toBe(8);
    expect(batchSizeFor({ activationsPerImage: 1e12 }, 500)).toBe(1);
  });
});

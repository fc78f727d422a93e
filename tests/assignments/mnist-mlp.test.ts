/**
 * mnist-mlp: the reference on a small slice with a fixed seed (the numbers below are those
 * of the wasm backend; the full calibration is in the README), the trusted side's handling of
 * student models, and the shared statement and starter checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Contract } from '../../assignments/mnist-mlp/contract';
import { loadStudentModel, ModelLoadError, MAX_WEIGHT_BYTES, predictAll, trainableParams, unknownClasses } from '../../assignments/mnist-mlp/student-models';
import { loadMnist, sliceDataset } from '../../grader/data';
import { modelToWire } from '../../grader/runner/wire';
import { initBackend } from '../../grader/tensors';
import * as reference from '../../reference/mnist-mlp';
import { internals } from '../../assignments/mnist-mlp/classifier-grading';
import { exportedFunctions, referenceOnSlice, starterChecks, statementChecks } from './mnist-course-checks';

// Compile-time: `tsc -p .` fails here when the reference drifts from the contract.
const contract: Contract = reference;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the reference MLP', () => {
  it('exports exactly buildModel and train, and builds the lecture\'s network', () => {
    expect(exportedFunctions(reference)).toEqual(['buildModel', 'train']);
    const model = contract.buildModel();
    expect(model.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(model.outputs[0].shape).toEqual([null, 10]);
    expect(trainableParams(model)).toBe(784 * 100 + 100 + 100 * 10 + 10);
    model.dispose();
  });

  it('reaches about 82 % after one epoch on 2,000 images (seed 42), without leaking', async () => {
    const r = await referenceOnSlice(contract, 2_000, 1);
    expect(r.losses).toHaveLength(1);
    expect(r.losses[0]).toBeGreaterThan(1.2);
    expect(r.losses[0]).toBeLessThan(1.33);
    expect(r.accuracy).toBeGreaterThan(0.8);
    expect(r.accuracy).toBeLessThan(0.85);
    expect(r.leaked).toBeLessThanOrEqual(4 * 4 + 16);
  });
});

describe('student models on the trusted side', () => {
  it('loads a model from its artifacts and runs it over a data set', async () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10 })] });
    const loaded = await loadStudentModel(await modelToWire(model), 'buildModel()');
    const data = await loadMnist();
    const few = sliceDataset(data.test, 0, 7);
    const out = predictAll(loaded, few, 'buildModel()', 3);
    expect(out.shape).toEqual([7, 10]);
    const direct = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from(few.images, (b) => b / 255), [7, 28, 28, 1])) as tf.Tensor).dataSync());
    expect(Array.from(out.values)).toEqual(Array.from(direct));
    tf.dispose([model, loaded] as unknown as tf.Tensor[]);
  });

  it.each([
    ['a tensor', { kind: 'tensor', shape: [1], dtype: 'float32', data: new Float32Array(1) }, /a tensor, not a tf.LayersModel/],
    ['a promise', { kind: 'promise' }, /must not be async/],
    ['nothing', undefined, /undefined, not a tf.LayersModel/],
    ['oversized weights', { kind: 'model', artifacts: { modelTopology: {}, weightData: new ArrayBuffer(MAX_WEIGHT_BYTES + 4) } }, /far more than this exercise needs/],
    ['a custom layer class', { kind: 'model', artifacts: { modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'MyScale', config: {} }] } }, weightSpecs: [], weightData: new ArrayBuffer(0) } }, /custom class 'MyScale'.*Custom layer classes are not supported/],
    ['a broken topology', { kind: 'model', artifacts: { modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 'many' } }] } }, weightSpecs: [], weightData: new ArrayBuffer(0) } }, /could not be loaded/],
  ])('refuses %s with a message for the student', async (_name, value, message) => {
    const err = await loadStudentModel(value, 'buildModel()').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).text.en).toMatch(message);
    expect((err as ModelLoadError).text.ru).toMatch(/\S/);
  });
});

describe('the output activation and the reported loss', () => {
  const flat = () => tf.layers.flatten({ inputShape: [28, 28, 1] });
  it.each([
    ['a linear dense layer', () => tf.sequential({ layers: [flat(), tf.layers.dense({ units: 10 })] }), 'linear'],
    ['a ReLU dense layer', () => tf.sequential({ layers: [flat(), tf.layers.dense({ units: 10, activation: 'relu' })] }), 'relu'],
    ['an activation layer', () => tf.sequential({ layers: [flat(), tf.layers.dense({ units: 10 }), tf.layers.activation({ activation: 'sigmoid' })] }), 'sigmoid'],
    ['a softmax behind dropout', () => tf.sequential({ layers: [flat(), tf.layers.dense({ units: 10, activation: 'softmax' }), tf.layers.dropout({ rate: 0.1 })] }), 'softmax'],
    ['dropout after a linear layer', () => tf.sequential({ layers: [flat(), tf.layers.dense({ units: 10 }), tf.layers.dropout({ rate: 0.1 })] }), 'linear'],
    ['a nested sequential ending in ReLU', () => tf.sequential({ layers: [tf.sequential({ layers: [flat(), tf.layers.dense({ units: 10 }), tf.layers.reLU()] })] }), 'relu'],
    ['a functional model ending in a Softmax layer', () => {
      const input = tf.input({ shape: [28, 28, 1] });
      const logits = tf.layers.dense({ units: 10 }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: tf.layers.softmax().apply(logits) as tf.SymbolicTensor });
    }, 'softmax'],
  ])('finds the output activation of %s', (_name, make, expected) => {
    const model = make();
    expect(internals.outputActivation(model)).toBe(expected);
    model.dispose();
  });

  it('accepts a reported loss near the model\'s (dropout, progress during the epoch) and refuses sums and double divisions', () => {
    expect(internals.reportAgrees(0.3, 0.2)).toBe('ok');
    expect(internals.reportAgrees(0.45, 0.12)).toBe('ok');
    expect(internals.reportAgrees(2.3, 2.3)).toBe('ok');
    expect(internals.reportAgrees(250 * 0.25, 0.2)).toBe('high');
    expect(internals.reportAgrees(0.25 / 32, 0.2)).toBe('low');
  });
});

it('loads a separableConv2d model with a depth multiplier (which TF.js 4.22 does not save)', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.separableConv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, depthMultiplier: 4, depthwiseInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const loaded = await loadStudentModel(await modelToWire(model), 'buildModel()');
  expect(trainableParams(loaded)).toBe(trainableParams(model));
  const x = tf.ones([2, 28, 28, 1]);
  const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  tf.dispose([x, a, b]);
  model.dispose();
  loaded.dispose();
});

describe('the custom classes of a saved topology', () => {
  it('names the classes TF.js does not know, and none of a model of built-in layers', async () => {
    const input = tf.input({ shape: [28, 28, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const hidden = tf.layers.dense({ units: 8, kernelRegularizer: tf.regularizers.l2(), kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }).apply(flat) as tf.SymbolicTensor;
    const normal = tf.layers.batchNormalization().apply(tf.layers.dropout({ rate: 0.1 }).apply(hidden) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(normal) as tf.SymbolicTensor });
    const wire = await modelToWire(model);
    expect(unknownClasses((wire as { artifacts: { modelTopology: unknown } }).artifacts.modelTopology)).toEqual([]);
    expect(unknownClasses({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { kernel_initializer: { class_name: 'MyInit' } } }, { class_name: 'MyLayer' }] } })).toEqual(['MyInit', 'MyLayer']);
    model.dispose();
  });
});

statementChecks('mnist-mlp');
starterChecks('mnist-mlp');

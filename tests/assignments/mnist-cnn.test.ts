/**
 * mnist-cnn: the reference obeys the architecture rules and learns on a small slice with a
 * fixed seed (numbers of the wasm backend; the full calibration is in the README); the shared
 * statement and starter checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Contract } from '../../assignments/mnist-cnn/contract';
import { internals } from '../../assignments/mnist-mlp/classifier-grading';
import { allLayers, trainableParams } from '../../assignments/mnist-mlp/student-models';
import { initBackend } from '../../grader/tensors';
import * as reference from '../../reference/mnist-cnn';
import { exportedFunctions, referenceOnSlice, starterChecks, statementChecks } from './mnist-course-checks';

// Compile-time: `tsc -p .` fails here when the reference drifts from the contract.
const contract: Contract = reference;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the reference CNN', () => {
  it('exports exactly buildModel and train; has conv2d layers and 18,378 parameters', () => {
    expect(exportedFunctions(reference)).toEqual(['buildModel', 'train']);
    const model = contract.buildModel();
    expect(model.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(model.outputs[0].shape).toEqual([null, 10]);
    expect(allLayers(model).filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(2);
    expect(trainableParams(model)).toBe(18_378);
    model.dispose();
  });

  it('reaches about 88 % after one epoch on 2,000 images (seed 42), without leaking', async () => {
    const r = await referenceOnSlice(contract, 2_000, 1);
    expect(r.losses).toHaveLength(1);
    expect(r.losses[0]).toBeLessThan(1.1);
    expect(r.accuracy).toBeGreaterThan(0.86);
    expect(r.accuracy).toBeLessThan(0.91);
    expect(r.leaked).toBeLessThanOrEqual(4 * 6 + 16);
  });
});

describe('the convolution rule judges the concept, not the layer class', () => {
  const input = { inputShape: [28, 28, 1] as [number, number, number] };
  const head = () => [tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })];
  it.each([
    ['conv2d 5x5, 16 filters', () => [tf.layers.conv2d({ ...input, filters: 16, kernelSize: 5 }), ...head()], null],
    ['separableConv2d 3x3, 16 filters', () => [tf.layers.separableConv2d({ ...input, filters: 16, kernelSize: 3, depthMultiplier: 4 }), ...head()], null],
    ['depthwiseConv2d 3x3, multiplier 8', () => [tf.layers.depthwiseConv2d({ ...input, kernelSize: 3, depthMultiplier: 8 }), ...head()], null],
    ['conv2dTranspose 3x3, 8 filters', () => [tf.layers.conv2dTranspose({ ...input, filters: 8, kernelSize: 3 }), ...head()], null],
    ['a 1x1 conv2d with one filter in front of an MLP', () => [tf.layers.conv2d({ ...input, filters: 1, kernelSize: 1 }), tf.layers.flatten(), tf.layers.dense({ units: 100 }), tf.layers.dense({ units: 10 })], /token ones/],
    ['a 3x3 conv2d with 2 filters', () => [tf.layers.conv2d({ ...input, filters: 2, kernelSize: 3 }), ...head()], /token ones/],
    ['no convolution', () => [tf.layers.flatten(input), tf.layers.dense({ units: 10 })], /no convolutional layer/],
    ['a wide convolution over the limit', () => [tf.layers.conv2d({ ...input, filters: 32, kernelSize: 3, padding: 'same' }), tf.layers.flatten(), tf.layers.dense({ units: 10 })], /251,210 trainable parameters/],
  ])('%s', (_name, layers, problem) => {
    const model = tf.sequential({ layers: layers() });
    const problems = internals.convRuleProblems(model, 100_000);
    if (problem === null) expect(problems).toEqual([]);
    else {
      expect(problems.map((p) => p.en).join('\n')).toMatch(problem);
      expect(problems.every((p) => p.ru.length > 0)).toBe(true);
    }
    model.dispose();
  });
});

statementChecks('mnist-cnn');
starterChecks('mnist-cnn');

/**
 * mnist-cnn: the reference obeys the architecture rules and learns on a small slice with a
 * fixed seed (numbers of the wasm backend; the full calibration is in the README); the shared
 * statement and starter checks.
 */
import type { Contract } from '../../assignments/mnist-cnn/contract';
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

statementChecks('mnist-cnn');
starterChecks('mnist-cnn');

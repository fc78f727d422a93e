/**
 * mnist-test-loop: the trusted models and data of the spec, the reference against an
 * independent float64 computation, and whether every typical mistake is told apart from the
 * right answer in the tests that should catch it (by far more than the tolerance). Plus the
 * shared statement and starter checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Contract } from '../../assignments/mnist-test-loop/contract';
import { internals } from '../../assignments/mnist-test-loop/spec';
import type { TestContext } from '../../grader/spec/assignment-spec';
import { testSeed } from '../../grader/run/test-seed';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';
import * as reference from '../../reference/mnist-test-loop';
import { exportedFunctions, starterChecks, statementChecks } from './mnist-course-checks';

// Compile-time: `tsc -p .` fails here when the reference drifts from the contract.
const contract: Contract = reference;
void contract;

/** The spec's expectation() only reads ctx.reference. */
// The generator a hidden test gets without a course key (the examples', the kit's).
const ctx = { reference, rng: new SeededRandom(testSeed('mnist-test-loop', { name: 'a last batch of one sample: the mean is over samples, not batches', visibility: 'hidden' }, undefined)) } as unknown as TestContext;
const TOL = { loss: 1e-4, accuracy: 1e-6 };

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the trusted models and data', () => {
  it('exports exactly evaluate', () => {
    expect(exportedFunctions(reference)).toEqual(['evaluate']);
  });

  it('the trained model is far better than the random one', async () => {
    const data = internals.evalData(await internals.slice(2_100, 2_350), 64);
    const random = internals.expectation(ctx, (await internals.trustedModel('random')).model, data);
    const trained = internals.expectation(ctx, (await internals.trustedModel('trained')).model, data);
    expect(random.accuracy).toBeLessThan(0.3);
    expect(random.loss).toBeGreaterThan(2);
    expect(trained.accuracy).toBeGreaterThan(0.8);
    expect(trained.loss).toBeLessThan(0.8);
  });

  it('the reference agrees with a float64 computation over all samples', async () => {
    const { model } = await internals.trustedModel('trained');
    const data = internals.evalData(await internals.slice(2_100, 2_350), 64);
    const e = internals.expectation(ctx, model, data);
    const n = e.perSample.length;
    expect(n).toBe(250);
    expect(e.loss).toBeCloseTo(e.perSample.reduce((a, b) => a + b, 0) / n, 5);
    expect(e.accuracy).toBeCloseTo(e.correct.filter(Boolean).length / n, 9);
  });

  it('the one-sample last batch holds a hard sample, whichever window a commit draws', async () => {
    const model = (await internals.trustedModel('trained')).model;
    for (const seed of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const drawn = { ...ctx, rng: new SeededRandom(seed === 0 ? testSeed('mnist-test-loop', { name: 'x', visibility: 'hidden' }, undefined) : 1000 + seed) } as TestContext;
      const c = await internals.lastBatchOfOne(drawn);
      const e = internals.expectation(drawn, model, c.data);
      expect({ seed, count: c.data.count }).toEqual({ seed, count: 65 });
      expect(e.perSample[64]).toBeGreaterThan(3 * e.loss);
    }
  });
});

describe('every usual mistake is far from the right value, or equal to it', () => {
  const cases: Array<[string, 'random' | 'trained', number, number, number]> = [
    ['random model, batches of 32', 'random', 2_000, 2_100, 32],
    ['trained model, batches of 64', 'trained', 2_100, 2_350, 64],
    ['batch size 1', 'trained', 2_350, 2_370, 1],
  ];

  it.each(cases)('%s', async (_name, kind, start, end, batchSize) => {
    const e = internals.expectation(ctx, (await internals.trustedModel(kind)).model, internals.evalData(await internals.slice(start, end), batchSize));
    for (const [key, mistakes] of [['loss', e.lossMistakes], ['accuracy', e.accuracyMistakes]] as const) {
      const tol = key === 'loss' ? TOL.loss * Math.abs(e.loss) + 1e-5 : TOL.accuracy;
      for (const m of mistakes) {
        const gap = Math.abs(m.value - e[key]);
        expect({ key, mistake: m.hint.en.slice(0, 40), ambiguous: gap > tol && gap < 5 * tol }).toEqual({ key, mistake: m.hint.en.slice(0, 40), ambiguous: false });
      }
    }
    // The mistakes the tests are named after are caught where they should be.
    const batchMeans = e.lossMistakes[0].value;
    const doubleSoftmax = e.lossMistakes[1].value;
    expect(Math.abs(doubleSoftmax - e.loss)).toBeGreaterThan(10 * TOL.loss * e.loss);
    if (batchSize === 1) expect(Math.abs(batchMeans - e.loss)).toBeLessThan(1e-6 * e.loss);
    else expect(Math.abs(batchMeans - e.loss)).toBeGreaterThan(5 * TOL.loss * e.loss);
  });

  it('a last batch of one sample', async () => {
    const c = await internals.lastBatchOfOne(ctx);
    const e = internals.expectation(ctx, (await internals.trustedModel('trained')).model, c.data);
    expect(Math.abs(e.lossMistakes[0].value - e.loss)).toBeGreaterThan(1);
  });

  it('the reference leaves no tensor and does not touch the weights', async () => {
    const { model, weights } = await internals.trustedModel('trained');
    const data = internals.evalData(await internals.slice(2_600, 2_730), 32);
    const before = tf.memory().numTensors;
    internals.expectation(ctx, model, data);
    expect(tf.memory().numTensors).toBe(before);
    model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(weights[i])));
  });
});

statementChecks('mnist-test-loop');
starterChecks('mnist-test-loop');

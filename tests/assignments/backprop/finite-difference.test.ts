/**
 * The float64 helpers of the backprop spec: the finite differences, the analytic backward pass
 * in every form the spec names, and the reference, on the spec's kind of networks.
 */
import * as tf from '@tensorflow/tfjs';
import { compareStructure } from '../../../grader/compare';
import { initBackend } from '../../../grader/tensors';
import { SeededRandom } from '../../../grader/util/rng';
import * as reference from '../../../reference/backprop';
import { backward64, forward64, LECTURE_FORM, lossOf, type BackpropForm } from '../../../assignments/backprop/float64';
import { finiteDifferenceGradients } from '../../../assignments/backprop/finite-difference';
import { makeNetwork, plainGradients, referenceBackward } from '../../../assignments/backprop/network';

const rng = new SeededRandom(7);
const NETWORKS = [makeNetwork(rng, [3, 5, 4, 2], 6), makeNetwork(rng, [4, 6, 5, 3], 7), makeNetwork(rng, [5, 3], 4), makeNetwork(rng, [2, 3, 2], 1)];

beforeAll(async () => {
  await initBackend('cpu');
});

describe.each(NETWORKS.map((net) => [`${net.sizes.join('-')}, batch ${net.batch}`, net] as const))('network %s', (_name, net) => {
  const numeric = plainGradients(finiteDifferenceGradients(net.layers64, net.x64, net.y64));

  it('the analytic float64 backward pass agrees with central differences', () => {
    const analytic = plainGradients(backward64(net.layers64, net.x64, net.y64));
    expect(compareStructure({ ...numeric }, analytic, { rtol: 1e-5, atol: 1e-9 }).message).toBe('');
  });

  it('the reference agrees with them within the spec tolerance', () => {
    expect(compareStructure({ ...numeric }, referenceBackward(reference, net), { rtol: 1e-4, atol: 1e-6 }).message).toBe('');
    expect(tf.memory().numTensors).toBe(0);
  });

  it('the loss is the mean over the batch of half the squared error', () => {
    const { activations } = forward64(net.layers64, net.x64);
    const out = activations[activations.length - 1];
    let sum = 0;
    out.forEach((row, n) => row.forEach((a, j) => (sum += 0.5 * (a - net.y64[n][j]) ** 2)));
    expect(lossOf(out, net.y64)).toBeCloseTo(sum / net.batch, 12);
  });
});

describe('the mistakes the spec names', () => {
  const net = NETWORKS[0];
  const right = plainGradients(backward64(net.layers64, net.x64, net.y64));
  const forms: BackpropForm[] = [];
  for (const outputSigmaPrime of [true, false]) {
    for (const derivative of ['sigma-prime', 'sigma', 'z-one-minus-z', 'relu', 'one'] as const) {
      for (const hiddenDerivative of [true, false]) {
        for (const scale of ['mean', 'sum', 'mean-times-2'] as const) forms.push({ outputSigmaPrime, derivative, hiddenDerivative, scale });
      }
    }
  }

  const isLecture = (f: BackpropForm) =>
    f.outputSigmaPrime === LECTURE_FORM.outputSigmaPrime && f.derivative === LECTURE_FORM.derivative && f.scale === LECTURE_FORM.scale && f.hiddenDerivative !== false;
  it.each(forms.filter((f) => !isLecture(f)).map((f) => [JSON.stringify(f), f] as const))(
    '%s changes the gradients well beyond the tolerance (batch > 1)',
    (_name, form) => {
      const wrong = plainGradients(backward64(net.layers64, net.x64, net.y64, form));
      expect(compareStructure({ ...right }, wrong, { rtol: 1e-4, atol: 1e-6 }).ok).toBe(false);
    },
  );
});

describe('the derivative forms', () => {
  const net = NETWORKS[0];
  const last = net.sizes.length - 2;
  const grads = (form: Partial<BackpropForm>) => plainGradients(backward64(net.layers64, net.x64, net.y64, { ...LECTURE_FORM, ...form }));

  it('hidden deltas without σ\' leave the output delta right and change only what lies below it', () => {
    const right = grads({});
    const wrong = grads({ hiddenDerivative: false });
    expect(compareStructure(right.deltas[last], wrong.deltas[last], { rtol: 1e-12, atol: 0 }).ok).toBe(true);
    expect(compareStructure(right.deltas[0], wrong.deltas[0], { rtol: 1e-4, atol: 1e-6 }).ok).toBe(false);
  });

  it("ReLU's derivative zeroes exactly the entries whose z is not positive", () => {
    const { zs } = forward64(net.layers64, net.x64);
    const relu = grads({ derivative: 'relu' });
    const none = grads({ derivative: 'one' });
    const out = Array.from(relu.deltas[last].data as ArrayLike<number>);
    const noneOut = Array.from(none.deltas[last].data as ArrayLike<number>);
    zs[last].flat().forEach((z, i) => expect(out[i]).toBeCloseTo(z > 0 ? noneOut[i] : 0, 7));
  });
});

/**
 * The look-alike update rules the momentum spec names: the lecture's rule is the reference,
 * and at the spec's settings every other rule gives values of its own, so a match names one
 * rule only. (tests/oracle checks Nesterov and dampening against torch.optim.SGD.)
 */
import * as tf from '@tensorflow/tfjs';
import { compareStructure, fromTf, plainTensor } from '../../../grader/compare';
import { initBackend } from '../../../grader/tensors';
import { SeededRandom } from '../../../grader/util/rng';
import * as reference from '../../../reference/momentum-sgd';
import { buildLoss } from '../../../assignments/momentum-sgd/probes';
import { QUADRATIC_OPTIONS, quadratic } from '../../../assignments/momentum-sgd/problems';
import { STEP_OPTIONS } from '../../../assignments/momentum-sgd/spec';
import { minimizeWith, stepWith, WRONG_RULES, type UpdateRule } from '../../../assignments/momentum-sgd/variants';

const rng = new SeededRandom(11);
const shapes = [[3], [2, 2]];
const tensors = () => shapes.map((s) => plainTensor(rng.normals(s.reduce((a, b) => a * b, 1)), s));
const start = { params: tensors(), velocities: tensors(), grads: tensors() };

function step(rule: UpdateRule | 'reference') {
  return tf.tidy(() => {
    const args = [start.params.map((p) => tf.tensor(p.data as Float32Array, p.shape)), start.velocities.map((p) => tf.tensor(p.data as Float32Array, p.shape)), start.grads.map((p) => tf.tensor(p.data as Float32Array, p.shape))] as const;
    const out = rule === 'reference' ? reference.momentumStep(...args, STEP_OPTIONS) : stepWith(rule, ...args, STEP_OPTIONS);
    return [...out.params, ...out.velocities];
  });
}

function plain(ts: tf.Tensor[]) {
  const out = ts.map(fromTf);
  tf.dispose(ts);
  return out;
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('momentum look-alikes', () => {
  it("'lecture' is the reference's step", () => {
    expect(compareStructure(plain(step('reference')), plain(step('lecture')), { rtol: 1e-6, atol: 1e-7 }).message).toBe('');
  });

  it('every rule gives values of its own at the spec settings', () => {
    const results = (['lecture', ...WRONG_RULES] as UpdateRule[]).map((rule) => ({ rule, values: plain(step(rule)) }));
    for (const a of results) {
      for (const b of results) {
        if (a.rule >= b.rule) continue;
        expect({ pair: [a.rule, b.rule], same: compareStructure(a.values, b.values, { rtol: 1e-4, atol: 1e-5 }).ok }).toEqual({ pair: [a.rule, b.rule], same: false });
      }
    }
  });

  it("minimizeWith('lecture') is the reference's minimize, and leaks nothing", () => {
    const { problem, init } = quadratic(rng);
    const built = buildLoss(tf, problem);
    const before = tf.memory().numTensors;
    const live = () => init.map((p) => tf.tensor(p.data as Float32Array, p.shape));
    const a = live();
    const b = live();
    const expected = plain(reference.minimize(built.loss, a, QUADRATIC_OPTIONS));
    const actual = plain(minimizeWith('lecture', built.loss, b, QUADRATIC_OPTIONS));
    tf.dispose([...a, ...b]);
    expect(tf.memory().numTensors).toBe(before);
    expect(compareStructure(expected, actual, { rtol: 1e-6, atol: 1e-7 }).message).toBe('');
    built.dispose();
  });
});

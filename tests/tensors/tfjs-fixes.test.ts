/**
 * The TF.js 4.22 bugs the grader fixes (grader/tensors/tfjs-fixes.ts, kernels/fused-mat-mul.ts,
 * kernels/resize-nearest-neighbor-grad-cpu.ts), each against the mathematically right value,
 * on both backends a submission may be graded on.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';

const BACKENDS = ['wasm', 'cpu'] as const;

function seeded(shape: number[], seed: number): tf.Tensor {
  const r = new SeededRandom(seed);
  return tf.tensor(Array.from(r.floats(shape.reduce((a, b) => a * b, 1))), shape);
}

function expectAllClose(actual: tf.Tensor, expected: tf.Tensor | number[] | number[][], tolerance = 1e-5): void {
  const e = expected instanceof tf.Tensor ? expected : tf.tensor(expected);
  expect(actual.shape).toEqual(e.shape);
  const a = actual.dataSync();
  const ev = e.dataSync();
  let worst = 0;
  for (let i = 0; i < ev.length; i++) worst = Math.max(worst, Math.abs(a[i] - ev[i]) / Math.max(1, Math.abs(ev[i])));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe.each(BACKENDS)('on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  describe('broadcast gradients are reduced to the input shape', () => {
    test('squaredDifference: x [3,4], y [4]', () => {
      tf.tidy(() => {
        const x = seeded([3, 4], 1);
        const y = seeded([4], 2);
        const [dx, dy] = tf.grads((a, b) => tf.squaredDifference(a, b).sum())([x, y]);
        // d/dx sum (x-y)^2 = 2(x-y); d/dy = sum over rows of -2(x-y).
        expectAllClose(dx, tf.sub(x, y).mul(2));
        expectAllClose(dy, tf.sub(x, y).mul(-2).sum(0));
      });
    });

    test('squaredDifference: a learnable scalar centre trained by an optimizer', () => {
      tf.tidy(() => {
        const c = tf.variable(tf.scalar(0));
        const x = tf.tensor2d([[1, 2], [3, 4]]);
        const opt = tf.train.sgd(0.1);
        opt.minimize(() => tf.squaredDifference(x, c).mean() as tf.Scalar);
        // d/dc mean (x-c)^2 = -2·mean(x - c) = -5 at c = 0; one step: c = 0.5.
        expectAllClose(c, tf.scalar(0.5));
        opt.dispose();
        c.dispose();
      });
    });

    test('maximum and minimum: scalar and row operands', () => {
      tf.tidy(() => {
        const x = tf.tensor2d([[-1, 2, 0.5], [3, -4, 0.2]]);
        const [gx, gt] = tf.grads((a, b) => tf.maximum(a, b).sum())([x, tf.scalar(0.3)]);
        expectAllClose(gx, [[0, 1, 1], [1, 0, 0]]);
        expectAllClose(gt, tf.scalar(3)); // the threshold wins in three places
        const [mx, mr] = tf.grads((a, b) => tf.minimum(a, b).sum())([x, tf.tensor1d([0, 0, 0])]);
        expectAllClose(mx, [[1, 0, 0], [0, 1, 0]]);
        expectAllClose(mr, [1, 1, 2]);
      });
    });

    test('matMul with a broadcast batch: [2,3,4]·[4,5] and [2,3,4]·[1,4,5]', () => {
      tf.tidy(() => {
        const a = seeded([2, 3, 4], 3);
        const w = seeded([4, 5], 4);
        const [, dw] = tf.grads((p, q) => tf.matMul(p, q).sum())([a, w]);
        // Same as the 2-D product of the stacked rows: [6,4]ᵀ·ones[6,5].
        const expected = tf.matMul(a.reshape([6, 4]), tf.ones([6, 5]), true, false);
        expectAllClose(dw, expected);
        const [, dw3] = tf.grads((p, q) => tf.matMul(p, q).sum())([a, w.reshape([1, 4, 5])]);
        expectAllClose(dw3, expected.reshape([1, 4, 5]));
      });
    });

    test('unbroadcast gradients are unchanged', () => {
      tf.tidy(() => {
        const x = seeded([3, 4], 5);
        const y = seeded([3, 4], 6);
        const [dx, dy] = tf.grads((a, b) => tf.squaredDifference(a, b).sum())([x, y]);
        expectAllClose(dx, tf.sub(x, y).mul(2));
        expectAllClose(dy, tf.sub(y, x).mul(2));
      });
    });
  });

  test('einsum has a gradient, equal to the matMul one', () => {
    tf.tidy(() => {
      const a = seeded([3, 4], 7);
      const b = seeded([4, 5], 8);
      const w = seeded([3, 5], 9);
      const viaEinsum = tf.grads((p, q) => tf.einsum('ij,jk->ik', p, q).mul(w).sum())([a, b]);
      const viaMatMul = tf.grads((p, q) => tf.matMul(p, q).mul(w).sum())([a, b]);
      expectAllClose(viaEinsum[0], viaMatMul[0]);
      expectAllClose(viaEinsum[1], viaMatMul[1]);
      // An index summed inside one operand: d/dA sum_i c_i·sum_j A_ij = c_i for every j.
      expectAllClose(tf.grad((p) => tf.einsum('ij->i', p).mul(tf.tensor1d([1, 2, 3])).sum())(a), [
        [1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3],
      ]);
      // A batched contraction, against the batched matMul.
      const x = seeded([2, 3, 4], 13);
      const y = seeded([2, 4, 5], 14);
      const e = tf.grads((p, q) => tf.einsum('bij,bjk->bik', p, q).square().sum())([x, y]);
      const m = tf.grads((p, q) => tf.matMul(p, q).square().sum())([x, y]);
      expectAllClose(e[0], m[0], 1e-4);
      expectAllClose(e[1], m[1], 1e-4);
    });
  });

  test('resizeNearestNeighbor (upSampling2d) gradient with a batch of 2 is the sum over the copies', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 3, 3, 2]);
      const w = tf.range(0, 2 * 6 * 6 * 2).reshape([2, 6, 6, 2]);
      const g = tf.grad((v) => tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [6, 6]).mul(w).sum())(x);
      // Each input pixel (b, r, c, d) is copied to output rows 2r..2r+1 and columns 2c..2c+1.
      const expected = new Float32Array(2 * 3 * 3 * 2);
      const wv = w.dataSync();
      for (let b = 0; b < 2; b++)
        for (let r = 0; r < 6; r++)
          for (let c = 0; c < 6; c++)
            for (let d = 0; d < 2; d++) {
              expected[((b * 3 + (r >> 1)) * 3 + (c >> 1)) * 2 + d] += wv[((b * 6 + r) * 6 + c) * 2 + d];
            }
      expectAllClose(g, tf.tensor(expected, [2, 3, 3, 2]));
    });
  });

  test('fused matMul with transposed operands adds the bias to the right column', () => {
    tf.tidy(() => {
      const x = seeded([3, 4], 10);
      const wOutIn = seeded([5, 4], 11); // the course's [out,in] layout
      const bias = seeded([5], 12);
      for (const activation of ['linear', 'relu', 'sigmoid', 'elu'] as const) {
        const expected = tf.matMul(x, wOutIn, false, true).add(bias);
        const act = activation === 'linear' ? expected : activation === 'relu' ? tf.relu(expected) : activation === 'sigmoid' ? tf.sigmoid(expected) : tf.elu(expected);
        expectAllClose(tf.fused.matMul({ a: x, b: wOutIn, transposeB: true, bias, activation }), act);
        expectAllClose(tf.fused.matMul({ a: x.transpose(), b: wOutIn, transposeA: true, transposeB: true, bias, activation }), act);
        expectAllClose(tf.fused.matMul({ a: x.transpose(), b: wOutIn.transpose(), transposeA: true, bias, activation }), act);
      }
    });
  });

  describe('optimizers free everything they made on dispose', () => {
    const makers: Array<[string, () => tf.Optimizer]> = [
      ['sgd', () => tf.train.sgd(0.1)],
      ['momentum', () => tf.train.momentum(0.1, 0.9)],
      ['momentum (nesterov)', () => tf.train.momentum(0.1, 0.9, true)],
      ['adam', () => tf.train.adam(0.01)],
      ['rmsprop', () => tf.train.rmsprop(0.01)],
      ['rmsprop (centered)', () => tf.train.rmsprop(0.01, 0.9, 0.9, 1e-7, true)],
      ['adagrad', () => tf.train.adagrad(0.1)],
      ['adadelta', () => tf.train.adadelta(0.1)],
      ['adamax', () => tf.train.adamax(0.01)],
    ];
    test.each(makers)('%s, unused and after minimize', (_name, make) => {
      const w = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]));
      const before = tf.memory().numTensors;
      make().dispose();
      expect(tf.memory().numTensors).toBe(before);
      const opt = make();
      for (let i = 0; i < 3; i++) opt.minimize(() => w.square().sum() as tf.Scalar);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(before);
      w.dispose();
    });
  });
});

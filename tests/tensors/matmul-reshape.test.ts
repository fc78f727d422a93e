/**
 * wasm matrix products whose right operand is a view (reshape) of data already multiplied in
 * another shape, against cpu.
 *
 * Upstream's XNNPACK path caches the operator packed from b under b's data id, not its shape, and
 * reshapes share the data id: `tf.outerProduct(d, a)` (a as a [1,2] row) followed by
 * `tf.dot(W, a)` (a as a [2,1] column) gave [10,20,20] instead of [50,110,170] and wrote past
 * the output buffer. grader/tensors/kernels/batch-mat-mul.ts (xnnSafeRightOperand) fixes it.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';

type Sequence = () => tf.Tensor[];

/** Runs the whole sequence on one backend, from fresh tensors; returns every result. */
async function runOn(name: 'wasm' | 'cpu', sequence: Sequence): Promise<Array<{ shape: number[]; values: number[] }>> {
  await initBackend(name);
  const before = tf.memory().numTensors;
  const results = tf.tidy(() => sequence().map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })));
  expect(tf.memory().numTensors).toBe(before);
  return results;
}

async function expectSameAsCpu(sequence: Sequence): Promise<Array<{ shape: number[]; values: number[] }>> {
  const wasm = await runOn('wasm', sequence);
  const cpu = await runOn('cpu', sequence);
  expect(wasm.map((r) => r.shape)).toEqual(cpu.map((r) => r.shape));
  wasm.forEach((r, i) => {
    const ref = cpu[i].values;
    const scale = Math.max(1, ...ref.map(Math.abs));
    const worst = Math.max(0, ...r.values.map((v, j) => Math.abs(v - ref[j])));
    if (!(worst / scale < 1e-5)) {
      throw new Error(`result ${i} differs from cpu: wasm ${JSON.stringify(r.values)}, cpu ${JSON.stringify(ref)}`);
    }
  });
  return wasm;
}

afterAll(async () => {
  await initBackend('wasm');
});

describe('wasm matMul on reshape views of the same data', () => {
  it('outerProduct then dot (the reported sequence) gives the right products', async () => {
    const results = await expectSameAsCpu(() => {
      const d = tf.tensor1d([1, 2, 3]);
      const a = tf.tensor1d([10, 20]);
      const W = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      return [tf.outerProduct(d, a), tf.dot(W, a), tf.outerProduct(d, a), tf.dot(W, a)];
    });
    expect(results[1].values).toEqual([50, 110, 170]);
    expect(results[3].values).toEqual([50, 110, 170]);
  });

  it('dot then outerProduct (the other order)', async () => {
    await expectSameAsCpu(() => {
      const d = tf.tensor1d([1, 2, 3]);
      const a = tf.tensor1d([10, 20]);
      const W = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      return [tf.dot(W, a), tf.outerProduct(d, a), tf.dot(W, a)];
    });
  });

  it('tf.dot of vectors and matrices in every combination, the same data reused', async () => {
    await expectSameAsCpu(() => {
      const v3 = tf.tensor1d([1, -2, 3]);
      const v2 = tf.tensor1d([0.5, 4]);
      const M = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const N = tf.tensor2d([[1, 0, -1], [2, 1, 0]]);
      return [tf.dot(v3, v3), tf.dot(v3, M), tf.dot(M, v2), tf.dot(M, N), tf.dot(N, v3), tf.dot(v2, N), tf.dot(v3, M), tf.dot(M, v2)];
    });
  });

  it('one buffer as every [k, n] view, as the right operand, forwards and backwards', async () => {
    const data = new SeededRandom(11).floats(12);
    const shapes: Array<[number, number]> = [[1, 12], [12, 1], [2, 6], [6, 2], [3, 4], [4, 3]];
    for (const order of [shapes, [...shapes].reverse()]) {
      await expectSameAsCpu(() => {
        const b = tf.tensor1d(data);
        return [...order, ...order].map(([k, n], i) => tf.matMul(tf.range(0, 3 * k).reshape([3, k]).add(i), b.reshape([k, n])));
      });
    }
  });

  it('a product that made the data (stored as [1, m, n]) then reshaped as b', async () => {
    await expectSameAsCpu(() => {
      const p = tf.matMul(tf.tensor2d([[1], [2]]), tf.tensor2d([[1, 2, 3]])); // [2, 3]
      const x = tf.tensor2d([[1, -1]]);
      return [tf.matMul(x, p), tf.matMul(tf.ones([2, 3]), p.reshape([3, 2])), tf.matMul(x, p), tf.matMul(tf.ones([1, 6]), p.reshape([6, 1]))];
    });
  });

  it('the same data as left and right operand, in both orders', async () => {
    await expectSameAsCpu(() => {
      const v = tf.tensor1d([1, 2, 3, 4, 5, 6]);
      const r = v.reshape([2, 3]);
      const c = v.reshape([3, 2]);
      return [tf.matMul(r, c), tf.matMul(c, r), tf.matMul(r, c), tf.matMul(v.reshape([1, 6]), v.reshape([6, 1])), tf.matMul(v.reshape([6, 1]), v.reshape([1, 6]))];
    });
  });

  it('every transposeA / transposeB combination on views of one buffer', async () => {
    const data = new SeededRandom(5).floats(6);
    const a = new SeededRandom(6).floats(12);
    await expectSameAsCpu(() => {
      const b = tf.tensor1d(data);
      const out: tf.Tensor[] = [];
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        for (const [k, n] of [[2, 3], [3, 2], [1, 6], [6, 1]] as const) {
          const left = ta ? tf.tensor1d(a).slice(0, 2 * k).reshape([k, 2]) : tf.tensor1d(a).slice(0, 2 * k).reshape([2, k]);
          out.push(tf.matMul(left, tb ? b.reshape([n, k]) : b.reshape([k, n]), ta, tb));
        }
      }
      return out;
    });
  });

  it('fused matMul with bias and activation on views of one buffer, with and without transposes', async () => {
    const data = new SeededRandom(8).floats(6);
    await expectSameAsCpu(() => {
      const w = tf.tensor1d(data);
      const out: tf.Tensor[] = [];
      for (const activation of ['linear', 'relu'] as const) {
        for (const [k, n] of [[2, 3], [3, 2], [6, 1], [1, 6], [2, 3]] as const) {
          const x = tf.linspace(-1, 1, 4 * k).reshape([4, k]);
          const bias = tf.linspace(-0.5, 0.5, n);
          out.push(tf.fused.matMul({ a: x, b: w.reshape([k, n]), bias, activation }));
          out.push(tf.fused.matMul({ a: x, b: w.reshape([n, k]), transposeB: true, bias, activation }));
          out.push(tf.fused.matMul({ a: x.transpose(), b: w.reshape([k, n]), transposeA: true, bias, activation }));
        }
      }
      return out;
    });
  });

  it('gradients through products of reshaped views', async () => {
    await expectSameAsCpu(() => {
      const d = tf.tensor1d([0.1, -0.2, 0.3]);
      const a = tf.tensor1d([1, 2]);
      const W = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const f = (w: tf.Tensor, v: tf.Tensor) => tf.dot(w as tf.Tensor2D, v as tf.Tensor1D).square().sum().add(tf.outerProduct(d, v as tf.Tensor1D).sum());
      const [dW, da] = tf.grads(f)([W, a]);
      return [tf.outerProduct(d, a), dW, da, tf.dot(W, a)];
    });
  });

  it('random sequences of views, transposes and fused products agree with cpu', async () => {
    const rng = new SeededRandom(2024);
    for (let trial = 0; trial < 8; trial++) {
      const data = rng.floats(24);
      const steps = Array.from({ length: 10 }, () => {
        const views: Array<[number, number]> = [[1, 24], [24, 1], [2, 12], [12, 2], [3, 8], [8, 3], [4, 6], [6, 4]];
        const [k, n] = views[rng.int(0, views.length)];
        return { k, n, m: rng.int(1, 5), ta: rng.next() < 0.3, tb: rng.next() < 0.3, fused: rng.next() < 0.4, a: rng.floats(4 * 24) };
      });
      await expectSameAsCpu(() => {
        const b = tf.tensor1d(data);
        return steps.map((s) => {
          const aData = s.a.slice(0, s.m * s.k);
          const a = s.ta ? tf.tensor2d(aData, [s.k, s.m]) : tf.tensor2d(aData, [s.m, s.k]);
          const bv = s.tb ? b.reshape([s.n, s.k]) : b.reshape([s.k, s.n]);
          if (s.fused) return tf.fused.matMul({ a, b: bv, transposeA: s.ta, transposeB: s.tb, bias: tf.fill([s.n], 0.25), activation: 'relu' });
          return tf.matMul(a, bv, s.ta, s.tb);
        });
      });
    }
  });
});

describe('wasm fused matMul with a bias upstream adds wrongly', () => {
  const a2 = () => tf.tensor2d([[1, 2], [3, -4]]);
  const b2 = () => tf.tensor2d([[1, 0, -1], [0, 1, 1]]);
  const biases: Record<string, () => tf.Tensor> = {
    '[1]': () => tf.tensor1d([5]),
    'scalar': () => tf.scalar(-2),
    '[2, 3]': () => tf.tensor2d([[1, 2, 3], [-4, -5, -6]]),
    '[1, 3]': () => tf.tensor2d([[1, -2, 3]]),
  };
  const activations = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;

  it.each(Object.keys(biases))('bias %s, every activation, with transposes, and its gradients', async (name) => {
    await expectSameAsCpu(() => {
      const out: tf.Tensor[] = [];
      for (const activation of activations) {
        out.push(tf.fused.matMul({ a: a2(), b: b2(), bias: biases[name](), activation, leakyreluAlpha: 0.3 }));
        out.push(tf.fused.matMul({ a: a2().transpose(), b: b2().transpose(), transposeA: true, transposeB: true, bias: biases[name](), activation }));
      }
      const grads = tf.grads((a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }).square().sum());
      out.push(...grads([a2(), b2(), biases[name]()]));
      return out;
    });
  });

  it('batched products (rank 3) with an [n] bias: every row gets the bias', async () => {
    const r = new SeededRandom(31);
    const [aData, bData, biasData, bias2Data, alphaData] = [r.floats(24), r.floats(40), r.floats(5), r.floats(5), r.floats(5)];
    const results = await expectSameAsCpu(() => {
      const a = tf.tensor3d(aData, [2, 3, 4]);
      const b = tf.tensor3d(bData, [2, 4, 5]);
      const bias = tf.tensor1d(biasData);
      const ones = tf.fused.matMul({ a: tf.ones([2, 2, 2]), b: tf.ones([2, 2, 3]), bias: tf.tensor1d([1, 2, 3]) });
      return [
        ones,
        tf.fused.matMul({ a, b, bias, activation: 'relu' }),
        tf.fused.matMul({ a, b: b.slice([0, 0, 0], [1, 4, 5]), bias }),
        tf.fused.matMul({ a, b: b.transpose([0, 2, 1]), transposeB: true, bias, activation: 'sigmoid' }),
        tf.fused.matMul({ a, b, bias: tf.tensor1d(bias2Data), activation: 'prelu', preluActivationWeights: tf.tensor1d(alphaData) }),
      ];
    });
    expect(results[0].values).toEqual([3, 4, 5, 3, 4, 5, 3, 4, 5, 3, 4, 5]);
  });

  it('prelu weights of other shapes than [n] broadcast as on cpu, with and without a bias', async () => {
    await expectSameAsCpu(() => {
      const out: tf.Tensor[] = [];
      for (const weights of [tf.tensor1d([0.5]), tf.tensor2d([[0.1], [0.4]]), tf.tensor2d([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), tf.scalar(0.25)]) {
        out.push(tf.fused.matMul({ a: a2(), b: b2(), activation: 'prelu', preluActivationWeights: weights }));
        out.push(tf.fused.matMul({ a: a2(), b: b2(), bias: tf.tensor1d([1, -1, 0.5]), activation: 'prelu', preluActivationWeights: weights }));
      }
      return out;
    });
  });

  it('a dense layer on 2-D inputs still takes the fused XNNPACK path (regular [n] bias)', async () => {
    await expectSameAsCpu(() => {
      const x = tf.tensor2d(new SeededRandom(4).floats(8 * 6), [8, 6]);
      const w = tf.tensor2d(new SeededRandom(9).floats(6 * 3), [6, 3]);
      const bias = tf.tensor1d([0.1, -0.2, 0.3]);
      return [tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' }), tf.fused.matMul({ a: x, b: w, bias, activation: 'prelu', preluActivationWeights: tf.tensor1d([0.1, 0.2, 0.3]) })];
    });
  });
});

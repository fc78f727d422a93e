/**
 * Our wasm BatchMatMul (fast transposed operands) and OneHot (dtype honoured) against cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';

async function onBackend<T>(name: 'wasm' | 'cpu', fn: () => T): Promise<T> {
  await initBackend(name);
  return fn();
}

function maxRelError(a: Float32Array | Int32Array, b: Float32Array | Int32Array): number {
  let maxDiff = 0;
  let maxRef = 1;
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return maxDiff / maxRef;
}

describe('wasm BatchMatMul with transposed operands', () => {
  const rng = new SeededRandom(7);
  const cases: Array<{ aShape: number[]; bShape: number[]; ta: boolean; tb: boolean }> = [];
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const m = rng.int(1, 9), k = rng.int(1, 9), n = rng.int(1, 9);
    cases.push({ aShape: ta ? [k, m] : [m, k], bShape: tb ? [n, k] : [k, n], ta, tb });
    const batch = rng.int(2, 4);
    cases.push({ aShape: ta ? [batch, k, m] : [batch, m, k], bShape: tb ? [batch, n, k] : [batch, k, n], ta, tb });
    // Broadcast batch on b.
    cases.push({ aShape: ta ? [batch, k, m] : [batch, m, k], bShape: tb ? [1, n, k] : [1, k, n], ta, tb });
  }
  // The dense layer's backward shapes of the lecture's MLP.
  cases.push({ aShape: [32, 784], bShape: [32, 100], ta: true, tb: false });
  cases.push({ aShape: [32, 100], bShape: [784, 100], ta: false, tb: true });

  test.each(cases.map((c) => [`${JSON.stringify(c.aShape)}${c.ta ? 'ᵀ' : ''} · ${JSON.stringify(c.bShape)}${c.tb ? 'ᵀ' : ''}`, c] as const))('%s', async (_label, c) => {
    const r = new SeededRandom(c.aShape.length * 100 + c.bShape[0]);
    const a = r.floats(c.aShape.reduce((x, y) => x * y, 1));
    const b = r.floats(c.bShape.reduce((x, y) => x * y, 1));
    const run = () => tf.tidy(() => tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.ta, c.tb));
    const wasm = await onBackend('wasm', () => {
      const before = tf.memory().numTensors;
      const out = run();
      const result = { shape: out.shape, data: out.dataSync() as Float32Array };
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return result;
    });
    const cpu = await onBackend('cpu', () => {
      const out = run();
      const result = { shape: out.shape, data: out.dataSync() as Float32Array };
      out.dispose();
      return result;
    });
    expect(wasm.shape).toEqual(cpu.shape);
    expect(maxRelError(wasm.data, cpu.data)).toBeLessThan(1e-5);
  });
});

describe('wasm OneHot', () => {
  it.each(['float32', 'int32'] as const)('gives 1 and 0 in %s', async (dtype) => {
    const labels = [3, 0, 9, 1];
    const wasm = await onBackend('wasm', () => tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10, 1, 0, dtype).arraySync()));
    const cpu = await onBackend('cpu', () => tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10, 1, 0, dtype).arraySync()));
    expect(wasm).toEqual(cpu);
    expect((wasm as number[][])[0][3]).toBe(1);
  });

  it('gives the same cross-entropy as cpu with float one-hot labels', async () => {
    const logits = new SeededRandom(3).floats(40);
    const loss = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10, 1, 0, 'float32'), tf.tensor(logits, [4, 10])).dataSync()[0]);
    const wasm = await onBackend('wasm', loss);
    const cpu = await onBackend('cpu', loss);
    expect(wasm).toBeCloseTo(cpu, 5);
    expect(wasm).toBeGreaterThan(1);
  });
});

/**
 * Every kernel plain TF.js (cpu) has runs on the grading backend (wasm): the registry is
 * enumerated, not a hand list; kernels wasm lacks run through cpu's kernel (cpu-fallback.ts).
 * A sample of those fallbacks is run on wasm against cpu with float32 tolerances, including
 * their gradients (registered per kernel name, so autograd must pass through a fallback).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import { cpuFallbackKernels, kernelsMissingOnWasm, WRONG_ON_WASM } from '../../grader/tensors/kernels/cpu-fallback';
import { einsumConfig } from '../../grader/tensors/kernels/einsum';
import { SeededRandom } from '../../grader/util/rng';

const TOLERANCE = 1e-5;

type Plain = { shape: number[]; dtype: string; values: number[] | string[] };

function plain(t: tf.Tensor): Plain {
  const values = t.dtype === 'string' ? (t.dataSync() as unknown as Uint8Array[]).map((b) => tf.util.decodeString(b)) : Array.from(t.dataSync() as ArrayLike<number>);
  return { shape: t.shape, dtype: t.dtype, values };
}

/** Runs `fn` on a backend; returns its tensors as plain values (or the error's message). */
async function on(backend: 'wasm' | 'cpu', fn: () => tf.Tensor | tf.Tensor[]): Promise<Plain[] | { error: string }> {
  await initBackend(backend);
  try {
    return tf.tidy(() => {
      const out = fn();
      return (Array.isArray(out) ? out : [out]).map(plain);
    });
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function expectClose(actual: Plain[] | { error: string }, expected: Plain[] | { error: string }): void {
  if ('error' in expected) {
    expect(actual).toEqual(expected);
    return;
  }
  if ('error' in actual) throw new Error(`wasm threw where cpu did not: ${actual.error}`);
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i];
    expect({ shape: a.shape, dtype: a.dtype }).toEqual({ shape: e.shape, dtype: e.dtype });
    if (e.dtype === 'string' || e.dtype === 'int32' || e.dtype === 'bool') {
      expect(a.values).toEqual(e.values);
      return;
    }
    const ev = e.values as number[];
    const av = a.values as number[];
    const scale = Math.max(1, ...ev.map(Math.abs));
    const worst = Math.max(0, ...ev.map((v, j) => Math.abs(v - av[j])));
    expect(worst / scale).toBeLessThanOrEqual(TOLERANCE);
  });
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const r = new SeededRandom(seed);
  return tf.tensor(r.floats(shape.reduce((a, b) => a * b, 1)).map((v) => v * 2 - 1), shape);
}

describe('the kernel registry', () => {
  test('after set-up, wasm has a kernel for every kernel cpu registers', async () => {
    await initBackend('wasm');
    expect(kernelsMissingOnWasm()).toEqual([]);
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    const missing = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((name) => !wasm.has(name));
    expect(missing).toEqual([]);
  });

  test('fallbacks are registered only where wasm had no kernel (or a wrong one), never over a native one', async () => {
    await initBackend('wasm');
    expect(cpuFallbackKernels.size).toBeGreaterThan(0);
    for (const [name, config] of cpuFallbackKernels) expect(tf.getKernel(name, 'wasm')).toBe(config);
    expect([...cpuFallbackKernels.keys()]).toEqual(
      expect.arrayContaining(['FFT', 'UnsortedSegmentSum', ...Object.keys(WRONG_ON_WASM)]),
    );
    // Einsum is the case that was found (a correct submission scored 2/10 on wasm): ours now,
    // a matrix product, with the cpu fallback for what it does not cover.
    expect(tf.getKernel('Einsum', 'wasm')).toBe(einsumConfig);
    // Native wasm kernels students rely on stay native.
    for (const name of ['BatchMatMul', 'Conv2D', 'MaxPool', 'Softmax', 'Add']) expect(cpuFallbackKernels.has(name)).toBe(false);
  });

  test('set-up is idempotent', async () => {
    await initBackend('wasm');
    const before = new Map(cpuFallbackKernels);
    await initBackend('wasm');
    expect(new Map(cpuFallbackKernels)).toEqual(before);
  });
});

const ids = [0, 1, 0, 2, 1];

const CASES: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
  ['Einsum matrix product', () => tf.einsum('ij,jk->ik', randomTensor([3, 4], 1), randomTensor([4, 5], 2))],
  ['Einsum batched product', () => tf.einsum('bij,bjk->bik', randomTensor([2, 3, 4], 3), randomTensor([2, 4, 5], 4))],
  ['Einsum dot, outer, transpose, sum', () => [
    tf.einsum('i,i->', randomTensor([5], 5), randomTensor([5], 6)),
    tf.einsum('i,j->ij', randomTensor([3], 7), randomTensor([4], 8)),
    tf.einsum('ij->ji', randomTensor([3, 4], 9)),
    tf.einsum('ij->i', randomTensor([3, 4], 10)),
  ]],
  ['Einsum: batch, free, contracted and summed-alone indices, any output order', () => [
    tf.einsum('bij,bjk->bki', randomTensor([2, 3, 4], 40), randomTensor([2, 4, 5], 41)),
    tf.einsum('ijk,jl->li', randomTensor([3, 4, 2], 42), randomTensor([4, 5], 43)),
    tf.einsum('ij,kl->ikjl', randomTensor([2, 3], 44), randomTensor([4, 2], 45)),
    tf.einsum('ij,ij->', randomTensor([3, 4], 46), randomTensor([3, 4], 47)),
    tf.einsum('ij,ij->ij', randomTensor([3, 4], 48), randomTensor([3, 4], 49)),
    tf.einsum('bi,oi->bo', randomTensor([32, 100], 50), randomTensor([784, 100], 51)),
  ]],
  ['Einsum on int32 (through cpu)', () => tf.einsum('ij,jk->ik', tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor2d([[5], [6]], [2, 1], 'int32'))],
  ['Einsum refuses what cpu refuses (3 operands, bad equation)', () => tf.einsum('i,i,i->', tf.ones([2]), tf.ones([2]), tf.ones([2]))],
  ['Einsum refuses a mismatched dimension', () => tf.einsum('ij,jk->ik', tf.ones([2, 3]), tf.ones([4, 5]))],
  ['UnsortedSegmentSum float and int32', () => [
    tf.unsortedSegmentSum(randomTensor([5, 3], 11), tf.tensor1d(ids, 'int32'), 3),
    tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], [5, 2], 'int32'), tf.tensor1d(ids, 'int32'), 3),
  ]],
  ['Complex, Real, Imag, ComplexAbs', () => {
    const c = tf.complex(randomTensor([2, 3], 12), randomTensor([2, 3], 13));
    return [tf.real(c), tf.imag(c), tf.abs(c), tf.real(tf.complex(tf.real(c), tf.imag(c)))];
  }],
  ['FFT, IFFT, RFFT', () => {
    const c = tf.complex(randomTensor([2, 8], 14), randomTensor([2, 8], 15));
    const f = tf.spectral.fft(c);
    return [tf.real(f), tf.imag(f), tf.real(tf.spectral.ifft(f)), tf.imag(tf.spectral.rfft(randomTensor([8], 16)))];
  }],
  ['a complex64 tensor reads back as interleaved pairs', () => tf.complex([1, 2], [3, 4]) as tf.Tensor],
  ['RaggedRange (two outputs, int32)', () => {
    const r = tf.raggedRange(tf.tensor1d([0, 5, 2], 'int32'), tf.tensor1d([3, 8, 2], 'int32'), tf.tensor1d([1, 1, 1], 'int32'));
    return [r.rtNestedSplits, r.rtDenseValues];
  }],
  ['RaggedGather (multiple outputs)', () => {
    const r = tf.raggedGather([tf.tensor1d([0, 2, 3, 5], 'int32')], tf.tensor1d([1, 2, 3, 4, 5], 'float32'), tf.tensor1d([2, 0], 'int32'), 1);
    return [...r.outputNestedSplits, r.outputDenseValues];
  }],
  ['RaggedTensorToTensor', () =>
    tf.raggedTensorToTensor(tf.tensor1d([4, 3], 'int32'), tf.tensor1d([1, 2, 3, 4, 5, 6], 'float32'), tf.scalar(-1), [tf.tensor1d([0, 2, 2, 5, 6], 'int32')], ['ROW_SPLITS'])],
  ['StaticRegexReplace (strings)', () => tf.string.staticRegexReplace(tf.tensor1d(['ab cab', 'xyz'], 'string'), 'ab', 'Q')],
  ['DepthwiseConv2dNativeBackpropInput/Filter (depthwiseConv2d gradients)', () =>
    tf.grads((x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, [2, 2], 'same').square().sum())([randomTensor([2, 7, 7, 3], 17), randomTensor([3, 3, 3, 2], 18)])],
  ['separableConv2d gradients', () =>
    tf.grads((x, f, p) => tf.separableConv2d(x as tf.Tensor4D, f as tf.Tensor4D, p as tf.Tensor4D, 1, 'valid').square().sum())([
      randomTensor([2, 6, 6, 2], 19), randomTensor([3, 3, 2, 2], 20), randomTensor([1, 1, 4, 3], 21)])],
  ['UnsortedSegmentSum gradient', () => tf.grad((x) => tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 3).square().sum())(randomTensor([5, 3], 22))],
  ['Einsum gradient (tf.grads through the fallback)', () =>
    tf.grads((a, b) => tf.einsum('bij,bjk->bik', a, b).square().sum())([randomTensor([2, 3, 4], 23), randomTensor([2, 4, 5], 24)])],
  ['Conv3DBackpropInputV2 (upstream wasm wrong)', () =>
    tf.grads((x, f) => tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, 1, 'valid').square().sum())([randomTensor([1, 4, 4, 4, 2], 25), randomTensor([2, 2, 2, 2, 3], 26)])],
];

describe('cpu fallbacks on wasm match cpu', () => {
  test.each(CASES)('%s', async (_name, fn) => {
    const cpu = await on('cpu', fn);
    const wasm = await on('wasm', fn);
    expectClose(wasm, cpu);
  });

  test('a fallback leaves no tensor and no wasm buffer behind, also when the cpu kernel throws', async () => {
    await initBackend('wasm');
    const x = randomTensor([3, 4], 30);
    const y = randomTensor([4, 5], 31);
    const before = tf.memory();
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.grads((a, b) => tf.einsum('ij,jk->ik', a, b).sum())([x, y]);
        tf.raggedRange(tf.tensor1d([0], 'int32'), tf.tensor1d([3], 'int32'), tf.tensor1d([1], 'int32'));
        tf.spectral.fft(tf.complex(x, x));
      });
      expect(() => tf.tidy(() => tf.einsum('ij,jk->ik', x, x))).toThrow();
    }
    const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe((before as typeof after).numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    x.dispose();
    y.dispose();
  });

  test('the fallback prints nothing (no cpu backend advice in a student\'s captured output)', async () => {
    await initBackend('wasm');
    const warn = jest.spyOn(console, 'warn');
    const log = jest.spyOn(console, 'log');
    try {
      tf.tidy(() => tf.einsum('ij,jk->ik', tf.ones([2, 2]), tf.ones([2, 2])));
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});

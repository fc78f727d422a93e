import * as tf from '@tensorflow/tfjs';
import { fromTf, parsePlainTensor, plainTensor, shapeSize, toTf, type PlainTensor } from '../../grader/compare/plain-tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function parsedOk(x: unknown): PlainTensor {
  const p = parsePlainTensor(x);
  if ('error' in p) throw new Error(p.error);
  return p;
}

function parseError(x: unknown, lang: 'en' | 'ru' = 'en'): string {
  const p = parsePlainTensor(x, lang);
  if (!('error' in p)) throw new Error('expected an error');
  return p.error;
}

describe('parsePlainTensor', () => {
  it('accepts every dtype with its array type and returns a copy', () => {
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const input = { kind: 'tensor', shape: [2, 3], dtype: 'float32', data };
    const p = parsedOk(input);
    expect(p).toEqual(input);
    expect(p.data).not.toBe(data);
    expect(p.shape).not.toBe(input.shape);
    data[0] = 99;
    expect(p.data[0]).toBe(1);

    expect(parsedOk({ kind: 'tensor', shape: [2], dtype: 'int32', data: Int32Array.from([1, 2]) }).dtype).toBe('int32');
    expect(parsedOk({ kind: 'tensor', shape: [2], dtype: 'bool', data: Uint8Array.from([1, 0]) }).dtype).toBe('bool');
    expect(parsedOk({ kind: 'tensor', shape: [1, 2], dtype: 'string', data: ['a', 'b'] }).data).toEqual(['a', 'b']);
    expect(parsedOk({ kind: 'tensor', shape: [], dtype: 'float32', data: Float32Array.from([7]) }).shape).toEqual([]);
    expect(parsedOk({ kind: 'tensor', shape: [0, 5], dtype: 'float32', data: new Float32Array(0) }).data).toHaveLength(0);
  });

  it('keeps extra keys out of the copy', () => {
    const p = parsedOk({ kind: 'tensor', shape: [1], dtype: 'float32', data: Float32Array.from([1]), extra: 'x' });
    expect(Object.keys(p).sort()).toEqual(['data', 'dtype', 'kind', 'shape']);
  });

  it.each([
    [null, 'not an object'],
    ['tensor', 'not an object'],
    [{ shape: [1], dtype: 'float32', data: new Float32Array(1) }, "kind is not 'tensor'"],
    [{ kind: 'tensor', dtype: 'float32', data: new Float32Array(1) }, 'bad shape: not an array'],
    [{ kind: 'tensor', shape: [2, -1], dtype: 'float32', data: new Float32Array(0) }, 'bad shape: dimension 1 is -1'],
    [{ kind: 'tensor', shape: [1.5], dtype: 'float32', data: new Float32Array(1) }, 'bad shape: dimension 0 is 1.5'],
    [{ kind: 'tensor', shape: ['2'], dtype: 'float32', data: new Float32Array(2) }, 'bad shape: dimension 0 is string'],
    [{ kind: 'tensor', shape: new Array(17).fill(1), dtype: 'float32', data: new Float32Array(1) }, 'bad shape: 17 dims (at most 16)'],
    [{ kind: 'tensor', shape: [1e6, 1e6, 1e6], dtype: 'float32', data: new Float32Array(1) }, 'bad shape: too many entries'],
    [{ kind: 'tensor', shape: [1], dtype: 'float64', data: new Float64Array(1) }, 'unknown dtype "float64"'],
    [{ kind: 'tensor', shape: [1], dtype: 'float32', data: new Float64Array(1) }, 'a float32 tensor needs its data as Float32Array, got Float64Array'],
    [{ kind: 'tensor', shape: [2], dtype: 'float32', data: [1, 2] }, 'a float32 tensor needs its data as Float32Array, got array'],
    [{ kind: 'tensor', shape: [1], dtype: 'int32', data: new Float32Array(1) }, 'an int32 tensor needs its data as Int32Array, got Float32Array'],
    [{ kind: 'tensor', shape: [2, 3], dtype: 'float32', data: new Float32Array(5) }, 'data has 5 values but shape [2, 3] needs 6'],
    [{ kind: 'tensor', shape: [2], dtype: 'bool', data: Uint8Array.from([1, 2]) }, 'bool data must be 0 or 1 (entry 1 is not)'],
    [{ kind: 'tensor', shape: [2], dtype: 'string', data: ['a', 2] }, 'string data must hold strings (entry 1 does not)'],
    [{ kind: 'tensor', shape: [2], dtype: 'string', data: 'ab' }, 'a string tensor needs its data as string[], got string'],
  ])('rejects %p', (input, message) => {
    expect(parseError(input)).toBe(message);
  });

  it('is not fooled by forged typed arrays', () => {
    const forged = { length: 2, 0: 1, 1: 2, [Symbol.toStringTag]: 'Float32Array' };
    expect(parseError({ kind: 'tensor', shape: [2], dtype: 'float32', data: forged })).toMatch(/needs its data as Float32Array, got object/);
    const proxied = new Proxy(new Float32Array(2), {});
    expect(parseError({ kind: 'tensor', shape: [2], dtype: 'float32', data: proxied })).toMatch(/got object/);
  });

  it('uses the real length of a typed array, not a shadowing property', () => {
    const data = new Float32Array(3);
    Object.defineProperty(data, 'length', { value: 2 });
    expect(parseError({ kind: 'tensor', shape: [2], dtype: 'float32', data })).toBe('data has 3 values but shape [2] needs 2');
  });

  it('explains in Russian', () => {
    expect(parseError({ kind: 'tensor', shape: [2, 3], dtype: 'float32', data: new Float32Array(5) }, 'ru')).toBe(
      'в данных 5 значений, а форме [2, 3] нужно 6',
    );
  });
});

describe('fromTf and toTf', () => {
  it('round-trip every dtype', () => {
    const tensors = [
      tf.tensor2d([[1, 2, 3], [4, 5, 6]]),
      tf.tensor1d([1, -2], 'int32'),
      tf.tensor1d([true, false, true], 'bool'),
      tf.tensor(['a', 'bc'], [2], 'string'),
      tf.scalar(3.5),
    ];
    for (const t of tensors) {
      const p = fromTf(t);
      expect(p.shape).toEqual(t.shape);
      expect(p.dtype).toBe(t.dtype);
      expect(parsePlainTensor(p)).toEqual(p);
      const back = toTf(p);
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Array.from(back.dataSync() as ArrayLike<unknown>)).toEqual(Array.from(t.dataSync() as ArrayLike<unknown>));
      back.dispose();
    }
    tf.dispose(tensors);
  });

  it('copies the values (the plain tensor outlives the tensor)', () => {
    const t = tf.tensor1d([1, 2]);
    const p = fromTf(t);
    t.dispose();
    expect(Array.from(p.data as Float32Array)).toEqual([1, 2]);
  });
});

describe('plainTensor and shapeSize', () => {
  it('builds a plain tensor and checks its size', () => {
    expect(plainTensor([1, 2, 3, 4], [2, 2]).data).toEqual(Float32Array.from([1, 2, 3, 4]));
    expect(plainTensor([1, 2], [2], 'int32').data).toBeInstanceOf(Int32Array);
    expect(() => plainTensor([1, 2, 3], [2, 2])).toThrow(RangeError);
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([3, 0])).toBe(0);
  });
});

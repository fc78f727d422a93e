/**
 * The recorded values' JSON form (exact round trips) and the arguments' fingerprints (equal
 * for equal arguments, close for another machine's rounding, different otherwise).
 */
import * as tf from '@tensorflow/tfjs';
import { decodeValue, encodeValue, poisonValue, RecordingError, sketchesClose, sketchKey, sketchValue } from '../../grader/kit/replay-format';
import { initBackend } from '../../grader/tensors';

beforeAll(() => initBackend('wasm'));

describe('recorded values', () => {
  it('round-trips tensors, typed arrays and the numbers JSON cannot hold', () => {
    const t = tf.tensor2d([[1.5, -2.25], [Math.fround(0.1), 3e-8]]);
    const i = tf.tensor1d([1, -2, 3], 'int32');
    const value = { t, list: [i, new Float64Array([Math.PI]), new Uint8Array([0, 255])], nan: NaN, inf: -Infinity, negZero: -0, none: undefined, $odd: 'kept', s: 'text' };
    const json = JSON.parse(JSON.stringify(encodeValue(value)));
    const back = decodeValue(json) as Omit<typeof value, 'list'> & { list: [tf.Tensor, Float64Array, Uint8Array] };
    expect(Array.from(back.t.dataSync())).toEqual(Array.from(t.dataSync()));
    expect(back.t.shape).toEqual([2, 2]);
    expect(back.list[0].dtype).toBe('int32');
    expect(Array.from(back.list[0].dataSync())).toEqual([1, -2, 3]);
    expect(back.list[1]).toEqual(new Float64Array([Math.PI]));
    expect(back.list[2]).toEqual(new Uint8Array([0, 255]));
    expect(back.nan).toBeNaN();
    expect(back.inf).toBe(-Infinity);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect('none' in back && back.none === undefined).toBe(true);
    expect(back.$odd).toBe('kept');
    tf.dispose([t, i, back.t, back.list[0]]);
  });

  it('refuses what it cannot record', () => {
    expect(() => encodeValue({ f: () => 1 }, 'ref')).toThrow(RecordingError);
    expect(() => encodeValue(new Map(), 'ref')).toThrow(/class Map/);
  });

  it('poisons a value into one of the same shape that matches nothing', () => {
    const json = encodeValue({ params: [tf.tensor1d([1, 2])], n: 3 });
    const poisoned = decodeValue(poisonValue(json)) as { params: tf.Tensor[]; n: number };
    expect(poisoned.params[0].shape).toEqual([2]);
    expect(Array.from(poisoned.params[0].dataSync()).every((v) => v > 1e29)).toBe(true);
    expect(poisoned.n).toBeGreaterThan(1e29);
  });
});

describe('fingerprints', () => {
  it('are equal for equal arguments and differ otherwise', () => {
    const a = [tf.tensor1d([1, 2, 3]), { lr: 0.1 }, () => 1];
    const b = [tf.tensor1d([1, 2, 3]), { lr: 0.1 }, () => 2];
    const c = [tf.tensor1d([1, 2, 4]), { lr: 0.1 }, () => 1];
    expect(sketchKey(sketchValue(a))).toBe(sketchKey(sketchValue(b)));
    expect(sketchKey(sketchValue(a))).not.toBe(sketchKey(sketchValue(c)));
  });

  it('are close for values that differ by rounding only, and not for real differences', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
    const rounded = Float32Array.from(x, (v) => v * (1 + 1e-7));
    const other = Float32Array.from(x, (v, i) => (i === 50 ? v + 1 : v));
    const sx = sketchValue([tf.tensor1d(x)]);
    expect(sketchKey(sx)).not.toBe(sketchKey(sketchValue([tf.tensor1d(rounded)])));
    expect(sketchesClose(sx, sketchValue([tf.tensor1d(rounded)]))).toBe(true);
    expect(sketchesClose(sx, sketchValue([tf.tensor1d(other)]))).toBe(false);
    expect(sketchesClose(sketchValue([{ lr: 0.1 }]), sketchValue([{ lr: 0.2 }]))).toBe(false);
  });
});

/**
 * Values on the wire: tensors and Layers models survive the trip through structured clone
 * (what Node's advanced IPC serialization does) unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeValue, encodeValue, modelToWire, wireToModel } from '../../grader/runner/wire';
import { initBackend } from '../../grader/tensors';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('wire', () => {
  it('round-trips nested tensors and plain values', async () => {
    const value = { a: tf.tensor2d([[1, 2], [3, 4]]), list: [tf.scalar(5, 'int32'), 7, 'x'], none: null };
    const decoded = (await decodeValue(structuredClone(await encodeValue(value)))) as { a: tf.Tensor; list: [tf.Tensor, number, string]; none: null };
    expect(decoded.a.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(decoded.list[0].dtype).toBe('int32');
    expect(decoded.list.slice(1)).toEqual([7, 'x']);
    expect(decoded.none).toBeNull();
    tf.dispose([value.a, value.list[0] as tf.Tensor, decoded.a, decoded.list[0]]);
  });

  it('round-trips a Layers model through structured clone with the same predictions', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    const input = tf.tensor2d([[1, -2, 0.5]]);
    const expected = (model.predict(input) as tf.Tensor).arraySync();
    const copy = await wireToModel(structuredClone(await modelToWire(model)));
    expect((copy.predict(input) as tf.Tensor).arraySync()).toEqual(expected);
  });

  it('marks what cannot cross instead of failing', async () => {
    const t = tf.scalar(1);
    t.dispose();
    expect(await encodeValue({ f: () => 1, gone: t, p: Promise.resolve(1) })).toEqual({
      f: { kind: 'function', name: 'f' },
      gone: { kind: 'disposed-tensor', shape: [] },
      p: { kind: 'promise' },
    });
  });
});

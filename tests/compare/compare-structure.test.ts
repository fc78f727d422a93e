import { compareStructure } from '../../grader/compare/compare-structure';
import { CompareSetupError } from '../../grader/compare/types';
import { f32, i32, mapData, matrix } from './helpers';

describe('compareStructure', () => {
  const dW = [matrix(3, 4, 1), matrix(2, 3, 2)];
  const db = [f32([0.1, 0.2, 0.3]), f32([0.4, 0.5])];
  const deltas = [matrix(5, 3, 3), matrix(5, 2, 4)];
  const expected = { deltas, dW, db };

  it('passes an equal structure and lists every leaf', () => {
    const r = compareStructure(expected, { deltas, dW, db, extra: 'ignored' }, { label: 'backward(layers, x, y)' });
    expect(r.ok).toBe(true);
    expect(r.failed).toBe(0);
    expect(r.compared).toBe(6);
    expect(r.message).toBe('');
    expect(r.leaves.map((l) => l.path)).toEqual([
      'backward(layers, x, y).deltas[0]',
      'backward(layers, x, y).deltas[1]',
      'backward(layers, x, y).dW[0]',
      'backward(layers, x, y).dW[1]',
      'backward(layers, x, y).db[0]',
      'backward(layers, x, y).db[1]',
    ]);
  });

  it('labels a failing leaf with its path', () => {
    const wrong = { deltas, dW: [dW[0], mapData(dW[1], (x) => x * 5)], db };
    const r = compareStructure(expected, wrong);
    expect(r.ok).toBe(false);
    expect(r.failed).toBe(1);
    expect(r.failures[0].path).toBe('dW[1]');
    expect(r.failures[0].comparison.reason).toBe('values');
    expect(r.message).toMatch(/^dW\[1\]: values differ in \d+ of 6 entries/);
  });

  it('reports missing keys with the keys that are there', () => {
    const r = compareStructure({ dx: f32([1]), dy: f32([2]) }, { dx: f32([1]), dz: f32([2]) }, { label: 'gradF(x, y)' });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0].comparison.reason).toBe('type');
    expect(r.message).toBe('gradF(x, y).dy: missing: the returned object has no key "dy" (its keys: dx, dz)');
  });

  it('reports a wrong array length and still compares the common items', () => {
    const r = compareStructure({ zs: [f32([1]), f32([2]), f32([3])] }, { zs: [f32([1]), f32([5])] });
    expect(r.failed).toBe(2);
    expect(r.failures[0]).toMatchObject({ path: 'zs', comparison: { reason: 'shape', expectedShape: [3], actualShape: [2] } });
    expect(r.failures[0].comparison.message).toBe('zs: expected an array of 3 items, got an array of 2');
    expect(r.failures[1].path).toBe('zs[1]');
  });

  it('says what came instead of an array or an object', () => {
    const r = compareStructure({ zs: [f32([1])], grads: { dx: f32([1]) } }, { zs: f32([1], [1, 1]), grads: [1] });
    expect(r.message.split('\n')).toEqual([
      'zs: expected an array of 1 item, got a float32 tensor of shape [1, 1]',
      'grads: expected an object with keys dx, got a plain array of 1 item',
    ]);
  });

  it('compares numbers and literals as leaves', () => {
    const r = compareStructure({ loss: 0.5, accuracy: 0.9, name: 'mlp', done: true, nothing: null }, {
      loss: 0.5,
      accuracy: 0.8,
      name: 'cnn',
      done: 'yes',
      nothing: null,
    });
    expect(r.compared).toBe(5);
    expect(r.message.split('\n')).toEqual([
      expect.stringMatching(/^accuracy: expected 0\.9, got 0\.8/),
      'name: expected "mlp", got "cnn".',
      'done: expected true, got the string "yes"',
    ]);
  });

  it('keeps only the first failures and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => f32([i]));
    const r = compareStructure(many, many.map((t) => mapData(t, (x) => x + 1)), { maxFailures: 3 });
    expect(r.failed).toBe(12);
    expect(r.failures).toHaveLength(3);
    expect(r.message.split('\n')).toHaveLength(4);
    expect(r.message).toMatch(/… and 9 more failures\.$/);
  });

  it('applies per-path overrides, exact or with [*]', () => {
    const e = { a: [f32([1]), f32([1])], b: f32([1]) };
    const a = { a: [f32([1.01]), f32([1.01])], b: f32([1.01]) };
    const r = compareStructure(e, a, { overrides: { 'a[*]': { rtol: 0.1 }, b: { usualCause: 'the bias' } } });
    expect(r.failures.map((f) => f.path)).toEqual(['b']);
    expect(r.message).toContain('Usual cause: the bias');
  });

  it('uses the label for a leaf at the root', () => {
    const r = compareStructure(f32([1]), undefined, { label: 'f(x, y)' });
    expect(r.message).toBe('f(x, y): expected a tensor, got undefined — did the function return nothing (a missing return)?');
  });

  it('quotes keys that are not identifiers', () => {
    const r = compareStructure({ 'my key': i32([1]) }, {});
    expect(r.message).toBe('["my key"]: missing: the returned object has no key "my key" (it has no keys at all)');
  });

  it('does not mistake an object with a kind key for a wire value when the spec expects kind', () => {
    const r = compareStructure({ kind: 'relu', units: 3 }, { kind: 'relu', units: 3 });
    expect(r.ok).toBe(true);
  });

  it('speaks Russian', () => {
    const r = compareStructure({ zs: [f32([1]), f32([1])] }, { zs: [f32([1])] }, { lang: 'ru' });
    expect(r.message).toBe('zs: ожидался массив из 2 элементов, получен массив из 1 элемента');
  });

  it('throws CompareSetupError for an invalid expected structure', () => {
    const cyclic: Record<string, unknown> = { a: f32([1]) };
    cyclic.self = cyclic;
    expect(() => compareStructure(cyclic as never, {})).toThrow(CompareSetupError);
    expect(() => compareStructure({ f: (() => 1) as never }, {})).toThrow(CompareSetupError);
    expect(() => compareStructure({ t: { kind: 'tensor', shape: [2], dtype: 'float32', data: new Float32Array(1) } as never }, {})).toThrow(
      CompareSetupError,
    );
    expect(() => compareStructure([], [], { maxFailures: 0 })).toThrow(CompareSetupError);
  });
});

/**
 * The comparisons never throw on an untrusted value, whatever it is: throwing getters and
 * proxy traps, revoked proxies, cycles, Symbol keys, toJSON/toString traps, values that
 * change between reads, forged typed arrays, absurd lengths. Plus a seeded random fuzz.
 */
import { compareNumbers } from '../../grader/compare/compare-numbers';
import { compareStructure, type Expected } from '../../grader/compare/compare-structure';
import { compareTensors } from '../../grader/compare/compare-tensors';
import { describeText } from '../../grader/compare/describe';
import { parsePlainTensor } from '../../grader/compare/plain-tensor';
import type { Comparison } from '../../grader/compare/types';
import { f32, i32, matrix } from './helpers';
import { SeededRandom } from '../../grader/util/rng';

const MAX_MESSAGE = 4_000;

function throwingProxy(target: object = {}): object {
  const boom = () => {
    throw new Error('trap');
  };
  return new Proxy(target, {
    get: boom,
    has: boom,
    ownKeys: boom,
    getOwnPropertyDescriptor: boom,
    getPrototypeOf: boom,
    defineProperty: boom,
    apply: boom,
  });
}

function revoked(target: object): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A thrown value whose every conversion throws too. */
const nastyThrown = new Proxy(
  {},
  {
    get() {
      throw new Error('nested');
    },
    getPrototypeOf() {
      throw new Error('nested');
    },
  },
);

function getterThrowing(key: string, value: unknown = nastyThrown): object {
  const o: Record<string, unknown> = { kind: 'tensor', shape: [1], dtype: 'float32', data: Float32Array.from([1]) };
  Object.defineProperty(o, key, {
    enumerable: true,
    get() {
      throw value;
    },
  });
  return o;
}

function flipping(): object {
  let reads = 0;
  return {
    kind: 'tensor',
    dtype: 'float32',
    get shape() {
      reads++;
      return reads % 2 === 1 ? [3] : [1e9];
    },
    get data() {
      reads++;
      return reads % 3 === 0 ? 'gotcha' : Float32Array.from([1, 2, 3]);
    },
  };
}

function cyclic(): object {
  const a: Record<string, unknown> = { kind: 'tensor', dtype: 'float32' };
  a.shape = a;
  a.data = a;
  a.self = a;
  return a;
}

function detached(): Float32Array {
  const buffer = new ArrayBuffer(12);
  const view = new Float32Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

class Sneaky extends Float32Array {
  static get [Symbol.species](): never {
    throw new Error('species');
  }
}

function hostileValues(): Array<[string, unknown]> {
  const sparse: unknown[] = [];
  sparse.length = 2 ** 32 - 1;
  const withToJson = { toJSON: () => { throw new Error('toJSON'); }, toString: () => { throw new Error('toString'); } };
  const primitiveTraps = {
    [Symbol.toPrimitive]: () => {
      throw new Error('toPrimitive');
    },
    valueOf: () => {
      throw new Error('valueOf');
    },
  };
  const nullProto = Object.assign(Object.create(null) as object, { kind: 'tensor', shape: [3], dtype: 'float32', data: Float32Array.from([1, 2, 3]) });
  const symbolKeyed = { [Symbol('kind')]: 'tensor', [Symbol.toStringTag]: 'Float32Array' };
  const shapeProxy = {
    kind: 'tensor',
    dtype: 'float32',
    data: new Float32Array(3),
    shape: new Proxy([3], {
      getOwnPropertyDescriptor: (t, k) => (k === 'length' ? { value: 1e9, writable: true, enumerable: false, configurable: false } : Reflect.getOwnPropertyDescriptor(t, k)),
    }),
  };
  const lengthThrows = { kind: 'tensor', dtype: 'string', shape: [2], data: new Proxy(['a', 'b'], { getOwnPropertyDescriptor: () => { throw new Error('len'); } }) };
  const fnWithKind = Object.assign(() => 1, { kind: 'tensor', shape: [3], dtype: 'float32', data: new Float32Array(3) });
  return [
    ['a proxy whose every trap throws', throwingProxy()],
    ['an array proxy whose every trap throws', throwingProxy([])],
    ['a revoked proxy', revoked({})],
    ['a revoked array proxy', revoked([])],
    ['a tensor whose kind getter throws', getterThrowing('kind')],
    ['a tensor whose data getter throws an Error', getterThrowing('data', new Error('data'))],
    ['a tensor whose shape getter throws null', getterThrowing('shape', null)],
    ['a tensor whose dtype getter throws a Symbol', getterThrowing('dtype', Symbol('x'))],
    ['a tensor whose values change between reads', flipping()],
    ['a cyclic object', cyclic()],
    ['an array containing itself', (() => { const a: unknown[] = []; a.push(a, a); return a; })()],
    ['toJSON/toString traps', withToJson],
    ['toPrimitive/valueOf traps', primitiveTraps],
    ['a null-prototype tensor', nullProto],
    ['Symbol keys only', symbolKeyed],
    ['a shape proxy lying about its length', shapeProxy],
    ['string data whose descriptor trap throws', lengthThrows],
    ['a function with tensor keys', fnWithKind],
    ['a detached typed array', detached()],
    ['a detached typed array as data', { kind: 'tensor', shape: [3], dtype: 'float32', data: detached() }],
    ['a Float32Array subclass with a throwing species', Sneaky.from([1, 2, 3])],
    ['a subclass as data', { kind: 'tensor', shape: [3], dtype: 'float32', data: Sneaky.from([1, 2, 3]) }],
    ['a sparse array of length 2^32-1', sparse],
    ['a huge string', 'x'.repeat(5_000_000)],
    ['a string with control characters', '\u0000\u001b[31m\u2028"'],
    ['a BigInt', 10n ** 30n],
    ['a Symbol', Symbol('s')],
    ['a Promise', Promise.resolve(1)],
    ['a Map', new Map([[1, 2]])],
    ['an Error with a throwing message', Object.defineProperty(new Error('x'), 'message', { get() { throw new Error('m'); } })],
    ['a Date', new Date(NaN)],
    ['a WeakMap', new WeakMap()],
    ['an object with 100,000 keys', Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))],
    ['a frozen tensor-like', Object.freeze({ kind: 'tensor', shape: Object.freeze([2]), dtype: 'float32', data: new Float32Array(3) })],
    ['a kind that is an object', { kind: { toString: () => 'tensor' } }],
  ];
}

function checkComparison(c: Comparison): void {
  expect(typeof c.ok).toBe('boolean');
  if (!c.ok) {
    expect(typeof c.message).toBe('string');
    expect(c.message.length).toBeLessThan(MAX_MESSAGE);
    expect(['type', 'shape', 'dtype', 'nonfinite', 'values']).toContain(c.reason);
  }
}

const expectedTensor = f32([1, 2, 3]);
const expectedStructure: Expected = { a: f32([1, 2, 3]), b: [i32([1]), 2], c: { d: 'x', e: null } };

describe.each(hostileValues())('a hostile value: %s', (_name, value) => {
  it('compareTensors does not throw', () => {
    checkComparison(compareTensors(expectedTensor, value));
    checkComparison(compareTensors(expectedTensor, value, { lang: 'ru', label: 'x' }));
  });

  it('compareNumbers does not throw', () => {
    checkComparison(compareNumbers(1, value));
  });

  it('compareStructure does not throw, at the root or nested', () => {
    for (const actual of [value, { a: value, b: [value, value], c: value }, { a: f32([1, 2, 3]), b: value, c: { d: value, e: value } }]) {
      const r = compareStructure(expectedStructure, actual);
      expect(typeof r.ok).toBe('boolean');
      expect(r.message.length).toBeLessThan(MAX_MESSAGE * 6);
      r.failures.forEach((f) => checkComparison(f.comparison));
    }
  });

  it('parsePlainTensor and describeText do not throw', () => {
    const parsed = parsePlainTensor(value);
    expect(typeof parsed).toBe('object');
    for (const x of [value, { kind: 'tensor', shape: value, dtype: 'float32', data: value }, { kind: 'tensor', shape: [3], dtype: 'float32', data: value }]) {
      expect(typeof parsePlainTensor(x, 'ru')).toBe('object');
    }
    for (const expecting of ['tensor', 'number', 'array', 'object', 'value'] as const) {
      expect(describeText(value, 'en', expecting).length).toBeLessThan(500);
    }
  });
});

describe('hostile values: details', () => {
  it('reports a getter that throws as unreadable, naming the error', () => {
    const c = compareTensors(expectedTensor, getterThrowing('data', new Error('data')));
    expect(c).toMatchObject({ ok: false, reason: 'type' });
    if (!c.ok) expect(c.message).toContain('Error: data');
  });

  it('takes one consistent snapshot of a value that changes between reads', () => {
    const c = compareTensors(expectedTensor, flipping());
    checkComparison(c);
  });

  it('does not accept a forged or proxied tensor as a pass', () => {
    for (const [, value] of hostileValues()) {
      const c = compareTensors(f32([0, 0, 0]), value);
      if (c.ok) {
        // Only genuine plain tensors with the right values may pass.
        expect(parsePlainTensor(value)).not.toHaveProperty('error');
      }
    }
  });
});

/** The project's seeded generator (mulberry32) as a plain function. */
function rng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

describe('seeded fuzz', () => {
  it('survives 3,000 random values built from hostile parts', () => {
    const next = rng(12345);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const hostile = hostileValues()
      .filter(([name]) => !name.startsWith('a huge string') && !name.startsWith('an object with 100,000'))
      .map(([, v]) => v);
    const leaves: unknown[] = [
      ...hostile,
      undefined,
      null,
      0,
      -0,
      NaN,
      Infinity,
      1.5,
      'str',
      true,
      f32([1, 2, 3]),
      f32([NaN, 2, 3]),
      i32([1, 2, 3]),
      matrix(3, 1),
      { kind: 'tensor', shape: [3], dtype: 'float32', data: [1, 2, 3] },
      { kind: 'disposed-tensor', shape: [3] },
      { kind: 'promise' },
    ];
    const build = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.5) return pick(leaves);
      if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => build(depth + 1));
      if (r < 0.9) return { a: build(depth + 1), b: build(depth + 1), c: build(depth + 1) };
      return { kind: 'tensor', shape: build(depth + 1), dtype: pick(['float32', 'int32', 'bool', 'string', 7]), data: build(depth + 1) };
    };
    for (let i = 0; i < 3_000; i++) {
      const value = build(0);
      const lang = pick(['en', 'ru'] as const);
      checkComparison(compareTensors(expectedTensor, value, { lang }));
      checkComparison(compareNumbers(1, value, { lang }));
      const r = compareStructure(expectedStructure, value, { lang });
      expect(typeof r.message).toBe('string');
    }
  });
});

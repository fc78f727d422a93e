import { toJsonSafe } from '../../grader/results/json-safe';
import { JsonValueSchema } from '../../grader/results/result-schema';

function safe(value: unknown, limits = {}) {
  const r = toJsonSafe(value, limits);
  expect(JsonValueSchema.safeParse(r.value).success).toBe(true);
  return r;
}

describe('toJsonSafe', () => {
  it('keeps JSON as it is', () => {
    const v = { a: [1, 'x', null, true, { b: -2.5 }], c: '' };
    expect(safe(v)).toEqual({ value: v, problems: [] });
  });

  it('spells out non-finite numbers and drops what JSON cannot hold', () => {
    expect(safe({ a: NaN, b: Infinity, c: -Infinity, d: -0, e: undefined, f: () => 1, g: Symbol('s'), h: 5n }).value).toEqual({
      a: 'NaN',
      b: 'Infinity',
      c: '-Infinity',
      d: 0,
      h: '5',
    });
    expect(safe([undefined, () => 1]).value).toEqual([null, null]);
    expect(safe(undefined).value).toBeNull();
  });

  it('turns typed arrays, dates and collections into JSON', () => {
    expect(safe({ t: Float32Array.from([1, NaN]), d: new Date(0), m: new Map(), b: new ArrayBuffer(2) }).value).toEqual({
      t: [1, 'NaN'],
      d: '1970-01-01T00:00:00.000Z',
      m: '[Map]',
      b: '[binary]',
    });
  });

  it('marks cycles but keeps shared references', () => {
    const shared = { x: 1 };
    const a: Record<string, unknown> = { s1: shared, s2: shared };
    a.self = a;
    const r = safe(a);
    expect(r.value).toEqual({ s1: { x: 1 }, s2: { x: 1 }, self: '[circular]' });
    expect(r.problems).toEqual(['self: a cycle']);
  });

  it('never calls toJSON', () => {
    const v = { toJSON: () => { throw new Error('no'); }, a: 1 };
    expect(safe(v).value).toEqual({ a: 1 });
  });

  it('reports getters that throw', () => {
    const v = Object.defineProperty({ ok: 1 }, 'bad', { enumerable: true, get: () => { throw new Error('boom'); } });
    const r = safe(v);
    expect(r.value).toEqual({ ok: 1, bad: '[unreadable: Error: boom]' });
    expect(r.problems[0]).toContain('bad: reading it threw Error: boom');
  });

  it('handles revoked proxies and throwing traps', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(typeof safe(proxy).value).toBe('string');
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('keys'); } });
    expect(safe({ p: trap }).value).toEqual({ p: '[unreadable: Error: keys]' });
  });

  it('ignores Symbol keys and drops __proto__', () => {
    const v = JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as Record<string, unknown>;
    (v as Record<symbol, unknown>)[Symbol('s')] = 2;
    const r = safe(v);
    expect(r.value).toEqual({ a: 1 });
    expect(Object.prototype.hasOwnProperty.call(r.value, '__proto__')).toBe(false);
  });

  it('bounds depth, size, arrays and strings', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(JSON.stringify(safe(deep).value)).toContain('[too deep]');
    expect((safe(new Array(50_000).fill(1)).value as unknown[]).length).toBe(10_000);
    expect((safe('x'.repeat(200_000)).value as string).length).toBe(100_001);
    const wide = Array.from({ length: 1000 }, () => Array.from({ length: 1000 }, () => 1));
    const r = safe(wide, { maxNodes: 5_000 });
    expect(JSON.stringify(r.value).length).toBeLessThan(50_000);
    expect(r.problems.some((p) => p.includes('too many values'))).toBe(true);
  });
});

/**
 * The runner channel's value codec: what crosses comes back the same, and what a hostile
 * runner could send (deep nesting, huge counts, cut-off bytes) is refused with a CodecError,
 * never a stack overflow, before anything large is allocated.
 */
import { CodecError, decodeFrameValue, encodeFrameValue } from '../../grader/runner/frame-codec';

const roundTrip = (value: unknown) => decodeFrameValue(encodeFrameValue(value, { maxBytes: 1 << 30 }));

/** `depth` arrays of one element each around a 0: the bytes a hostile runner would write. */
function nestedArrayBytes(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth * 5 + 9);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < depth; i++) {
    bytes[i * 5] = 6; // array
    view.setUint32(i * 5 + 1, 1, true);
  }
  bytes[depth * 5] = 4; // number
  return bytes;
}

describe('frame codec', () => {
  it('round-trips plain data, typed arrays, buffers, NaN and -0', () => {
    const value = {
      n: [1, -0, NaN, Infinity, 2 ** 53],
      s: 'héllo ✓ 😀 привет',
      flags: [true, false, null, undefined],
      big: 12345678901234567890n,
      f32: new Float32Array([1.5, -2]),
      i32: new Int32Array([7, -8]),
      u8: new Uint8Array([1, 2, 3]).subarray(1),
      f64: new Float64Array([Math.PI]),
      buffer: new Uint8Array([9, 8]).buffer,
      nested: { a: [{ b: [] }, {}] },
      ['__proto__' as string]: 'own key',
      toString: 'shadowing',
    };
    Object.defineProperty(value, '__proto__', { value: 'own key', enumerable: true });
    const back = roundTrip(value) as typeof value;
    expect(Object.is(back.n[1], -0)).toBe(true);
    expect(Number.isNaN(back.n[2])).toBe(true);
    expect(back.n.slice(3)).toEqual([Infinity, 2 ** 53]);
    expect(back.s).toBe(value.s);
    expect(back.flags).toEqual([true, false, null, undefined]);
    expect(back.big).toBe(12345678901234567890n);
    expect(back.f32).toBeInstanceOf(Float32Array);
    expect(Array.from(back.f32)).toEqual([1.5, -2]);
    expect(Array.from(back.i32)).toEqual([7, -8]);
    expect(Array.from(back.u8)).toEqual([2, 3]);
    expect(Array.from(back.f64)).toEqual([Math.PI]);
    expect(Array.from(new Uint8Array(back.buffer))).toEqual([9, 8]);
    expect(back.nested).toEqual({ a: [{ b: [] }, {}] });
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe('own key');
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back.toString).toBe('shadowing');
  });

  it('refuses to encode values deeper or larger than its limits', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => encodeFrameValue(deep, { maxBytes: 1 << 20 })).toThrow(/nested deeper than 64 levels/);
    expect(() => encodeFrameValue(new Array(100).fill(1), { maxBytes: 1 << 20, limits: { maxDepth: 4, maxValues: 50 } })).toThrow(/more than 50 values/);
    expect(() => encodeFrameValue(new Float64Array(1000), { maxBytes: 4096 })).toThrow(/more than 4096 bytes/);
    expect(() => encodeFrameValue({ f: () => 1 }, { maxBytes: 4096 })).toThrow(CodecError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeFrameValue(cyclic, { maxBytes: 1 << 20 })).toThrow(/nested deeper/);
  });

  it('decodes a frame nested 100,000 deep into a CodecError, not a stack overflow', () => {
    const bytes = nestedArrayBytes(100_000);
    let thrown: unknown;
    try {
      decodeFrameValue(bytes);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CodecError);
    expect((thrown as Error).message).toMatch(/nested deeper than 64 levels/);
    // The same shape within the limit decodes.
    let v = decodeFrameValue(nestedArrayBytes(64)) as unknown[];
    for (let i = 0; i < 63; i++) v = v[0] as unknown[];
    expect(v).toEqual([0]);
  });

  it('refuses counts and lengths the bytes cannot hold, cut-off frames and trailing bytes', () => {
    const count = new Uint8Array([6, 0xff, 0xff, 0xff, 0xff]);
    expect(() => decodeFrameValue(count)).toThrow(/container larger than the frame/);
    const string = new Uint8Array([5, 0xff, 0xff, 0xff, 0x7f, 65]);
    expect(() => decodeFrameValue(string)).toThrow(/truncated string/);
    const typed = new Uint8Array([8, 7, 6, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect(() => decodeFrameValue(typed)).toThrow(/Float32Array of 6 bytes/);
    expect(() => decodeFrameValue(new Uint8Array([4, 0, 0]))).toThrow(/truncated number/);
    expect(() => decodeFrameValue(new Uint8Array([1, 1]))).toThrow(/1 bytes left/);
    expect(() => decodeFrameValue(new Uint8Array([99]))).toThrow(/unknown tag 99/);
    const many = encodeFrameValue(new Array(1000).fill(0), { maxBytes: 1 << 20 });
    expect(() => decodeFrameValue(many, { maxDepth: 8, maxValues: 100 })).toThrow(/more than 100 values/);
  });
});

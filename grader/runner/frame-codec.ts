/**
 * The bytes of one value on the runner channel (channel.ts frames them): plain data only —
 * undefined, null, booleans, numbers, strings, bigints, arrays, objects (own enumerable
 * string keys), typed arrays (their bytes copied once, in the machine's byte order) and
 * ArrayBuffers.
 *
 * Both ends run it, and the runner's end shares its realm with student code, so:
 * - the encoder uses JavaScript intrinsics (frozen by --frozen-intrinsics in the runner) and
 *   a TextEncoder's encodeInto captured here, never a method looked up later on Node's
 *   Buffer or TextEncoder prototypes, which a submission can patch: a patched string
 *   encoder could otherwise rewrite what the runner's own code reports;
 * - the decoder is not recursive: depth, number of values and every length are checked
 *   against the limits and the bytes left before anything is allocated, so a hostile frame
 *   costs at most its size (bounded by channel.ts before decoding starts).
 */

export interface CodecLimits {
  /** Containers (arrays, objects) nested at most this deep; the top level is depth 1. */
  maxDepth: number;
  /** Values in all (every container, key-value pair and leaf counts one). */
  maxValues: number;
}

/** What a frame may hold: generous for models and probe reports, far below a stack overflow. */
export const DEFAULT_CODEC_LIMITS: CodecLimits = { maxDepth: 64, maxValues: 2_000_000 };

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Number = 4,
  String = 5,
  Array = 6,
  Object = 7,
  TypedArray = 8,
  ArrayBuffer = 9,
  BigInt = 10,
}

// Intrinsics captured at load (before any submission exists in the runner).
const { apply } = Reflect;
const { keys: objectKeys, defineProperty, getPrototypeOf, getOwnPropertyDescriptor } = Object;
const { isArray } = Array;
const { isView } = ArrayBuffer;
const objectPrototype = Object.prototype;
const textEncoder = new TextEncoder();
const encodeInto = TextEncoder.prototype.encodeInto as (this: unknown, s: string, into: Uint8Array) => { read: number; written: number };
const textDecoder = new TextDecoder('utf-8');
const decodeText = TextDecoder.prototype.decode as (this: unknown, bytes: Uint8Array) => string;
const bigintToString = BigInt.prototype.toString;
const makeBigInt = BigInt;
const typedArrayProto = getPrototypeOf(Uint8Array.prototype) as object;
function getter(proto: object, name: PropertyKey): (this: unknown) => unknown {
  const get = getOwnPropertyDescriptor(proto, name)?.get;
  if (get === undefined) throw new Error(`no getter ${String(name)}`);
  return get;
}
const typedArrayName = getter(typedArrayProto, Symbol.toStringTag);
const typedArrayBuffer = getter(typedArrayProto, 'buffer');
const typedArrayOffset = getter(typedArrayProto, 'byteOffset');
const typedArrayLength = getter(typedArrayProto, 'byteLength');
const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const dataViewBuffer = getter(DataView.prototype, 'buffer');
const dataViewOffset = getter(DataView.prototype, 'byteOffset');
const dataViewLength = getter(DataView.prototype, 'byteLength');

/** Typed array kinds by their code on the wire (DataView last: a view, not a typed array). */
const VIEW_KINDS = [
  ['Int8Array', Int8Array],
  ['Uint8Array', Uint8Array],
  ['Uint8ClampedArray', Uint8ClampedArray],
  ['Int16Array', Int16Array],
  ['Uint16Array', Uint16Array],
  ['Int32Array', Int32Array],
  ['Uint32Array', Uint32Array],
  ['Float32Array', Float32Array],
  ['Float64Array', Float64Array],
  ['BigInt64Array', BigInt64Array],
  ['BigUint64Array', BigUint64Array],
  ['DataView', DataView],
] as const;
const DATA_VIEW_CODE = VIEW_KINDS.length - 1;
const viewCodes = new Map<string, number>(VIEW_KINDS.map(([name], code) => [name, code]));

const objectToString = Object.prototype.toString;

function isArrayBuffer(value: object): boolean {
  // The tag first (a plain object would otherwise cost a thrown TypeError); then the
  // intrinsic getter, which a spoofed Symbol.toStringTag does not fool.
  if (apply(objectToString, value, []) !== '[object ArrayBuffer]') return false;
  try {
    apply(arrayBufferLength, value, []);
    return true;
  } catch {
    return false;
  }
}

/** A growing byte buffer. `reserve` leaves room at the start (channel.ts puts its header there). */
class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  length: number;

  constructor(reserve: number, capacity = 64 * 1024) {
    this.bytes = new Uint8Array(Math.max(capacity, reserve + 16));
    this.view = new DataView(this.bytes.buffer);
    this.length = reserve;
  }

  ensure(extra: number, maxBytes: number): void {
    const needed = this.length + extra;
    if (needed > maxBytes) throw new CodecError(`the value takes more than ${maxBytes} bytes`);
    if (needed <= this.bytes.length) return;
    const next = new Uint8Array(Math.min(Math.max(needed, this.bytes.length * 2), maxBytes));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/**
 * Encodes `value` after `reserve` empty bytes. Throws CodecError when the value is not plain
 * data, is nested deeper or holds more values than the limits, or takes more than `maxBytes`;
 * whatever a hostile value throws from a getter or a Proxy trap goes through too.
 */
export function encodeFrameValue(value: unknown, options: { reserve?: number; maxBytes: number; limits?: CodecLimits }): Uint8Array {
  const limits = options.limits ?? DEFAULT_CODEC_LIMITS;
  const maxBytes = options.maxBytes;
  const out = new ByteWriter(options.reserve ?? 0, Math.min(64 * 1024, maxBytes));
  let values = 0;

  const u8 = (n: number): void => {
    out.ensure(1, maxBytes);
    out.bytes[out.length++] = n;
  };
  const u32 = (n: number): void => {
    out.ensure(4, maxBytes);
    out.view.setUint32(out.length, n, true);
    out.length += 4;
  };
  const raw = (bytes: Uint8Array): void => {
    out.ensure(bytes.length, maxBytes);
    out.bytes.set(bytes, out.length);
    out.length += bytes.length;
  };
  const str = (s: string): void => {
    // At most 3 bytes of UTF-8 per UTF-16 unit; a lone surrogate becomes U+FFFD.
    out.ensure(4 + 3 * s.length, maxBytes);
    const { written } = apply(encodeInto, textEncoder, [s, out.bytes.subarray(out.length + 4)]);
    out.view.setUint32(out.length, written, true);
    out.length += 4 + written;
  };
  const view = (v: ArrayBufferView): void => {
    const name = isArray(v) ? undefined : (apply(typedArrayName, v, []) as string | undefined);
    const code = name === undefined ? DATA_VIEW_CODE : viewCodes.get(name);
    if (code === undefined) throw new CodecError(`cannot send a ${String(name)}`);
    const dataView = code === DATA_VIEW_CODE;
    const buffer = apply(dataView ? dataViewBuffer : typedArrayBuffer, v, []) as ArrayBuffer;
    const offset = apply(dataView ? dataViewOffset : typedArrayOffset, v, []) as number;
    const length = apply(dataView ? dataViewLength : typedArrayLength, v, []) as number;
    u8(Tag.TypedArray);
    u8(code);
    u32(length);
    raw(new Uint8Array(buffer, offset, length));
  };

  const visit = (v: unknown, depth: number): void => {
    if (++values > limits.maxValues) throw new CodecError(`the value holds more than ${limits.maxValues} values`);
    switch (typeof v) {
      case 'undefined':
        return u8(Tag.Undefined);
      case 'boolean':
        return u8(v ? Tag.True : Tag.False);
      case 'number':
        out.ensure(9, maxBytes);
        out.bytes[out.length] = Tag.Number;
        out.view.setFloat64(out.length + 1, v, true);
        out.length += 9;
        return;
      case 'string':
        u8(Tag.String);
        return str(v);
      case 'bigint':
        u8(Tag.BigInt);
        return str(apply(bigintToString, v, []) as string);
      case 'object':
        break;
      default:
        throw new CodecError(`cannot send a ${typeof v}`);
    }
    if (v === null) return u8(Tag.Null);
    if (isView(v)) return view(v);
    if (isArrayBuffer(v)) {
      u8(Tag.ArrayBuffer);
      u32(apply(arrayBufferLength, v, []) as number);
      raw(new Uint8Array(v as ArrayBuffer));
      return;
    }
    if (depth >= limits.maxDepth) throw new CodecError(`the value is nested deeper than ${limits.maxDepth} levels`);
    if (isArray(v)) {
      const n = v.length;
      u8(Tag.Array);
      u32(n);
      for (let i = 0; i < n; i++) visit(v[i], depth + 1);
      return;
    }
    const names = objectKeys(v);
    u8(Tag.Object);
    u32(names.length);
    for (const name of names) {
      str(name);
      visit((v as Record<string, unknown>)[name], depth + 1);
    }
  };

  visit(value, 0);
  return out.bytes.subarray(0, out.length);
}

interface OpenContainer {
  target: unknown[] | Record<string, unknown>;
  isObject: boolean;
  remaining: number;
}

/**
 * Decodes one value that fills `bytes` exactly. Never recursive; throws CodecError on
 * anything malformed or over the limits.
 */
export function decodeFrameValue(bytes: Uint8Array, limits: CodecLimits = DEFAULT_CODEC_LIMITS): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let at = 0;
  let values = 0;

  const need = (n: number, what: string): void => {
    if (n > end - at) throw new CodecError(`truncated ${what}`);
  };
  const u8 = (what: string): number => {
    need(1, what);
    return bytes[at++];
  };
  const u32 = (what: string): number => {
    need(4, what);
    const n = view.getUint32(at, true);
    at += 4;
    return n;
  };
  const str = (): string => {
    const length = u32('string length');
    need(length, 'string');
    const text = apply(decodeText, textDecoder, [bytes.subarray(at, at + length)]);
    at += length;
    return text;
  };
  const copy = (length: number, what: string): ArrayBuffer => {
    need(length, what);
    const buffer = new ArrayBuffer(length);
    new Uint8Array(buffer).set(bytes.subarray(at, at + length));
    at += length;
    return buffer;
  };

  const stack: OpenContainer[] = [];
  let root: unknown;
  let done = false;
  while (!done) {
    const top = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const key = top?.isObject === true ? str() : undefined;
    if (++values > limits.maxValues) throw new CodecError(`more than ${limits.maxValues} values`);
    const tag = u8('value');
    let value: unknown;
    let opened: OpenContainer | undefined;
    switch (tag) {
      case Tag.Undefined:
        value = undefined;
        break;
      case Tag.Null:
        value = null;
        break;
      case Tag.False:
        value = false;
        break;
      case Tag.True:
        value = true;
        break;
      case Tag.Number:
        need(8, 'number');
        value = view.getFloat64(at, true);
        at += 8;
        break;
      case Tag.String:
        value = str();
        break;
      case Tag.BigInt: {
        const text = str();
        if (!/^-?\d{1,10000}$/.test(text)) throw new CodecError('malformed bigint');
        value = makeBigInt(text);
        break;
      }
      case Tag.TypedArray: {
        const code = u8('typed array kind');
        const kind = VIEW_KINDS[code];
        if (kind === undefined) throw new CodecError(`unknown typed array kind ${code}`);
        const length = u32('typed array length');
        const Ctor = kind[1];
        const size = code === DATA_VIEW_CODE ? 1 : (Ctor as Float64ArrayConstructor).BYTES_PER_ELEMENT;
        if (length % size !== 0) throw new CodecError(`a ${kind[0]} of ${length} bytes`);
        value = new (Ctor as new (buffer: ArrayBuffer) => ArrayBufferView)(copy(length, kind[0]));
        break;
      }
      case Tag.ArrayBuffer:
        value = copy(u32('buffer length'), 'buffer');
        break;
      case Tag.Array:
      case Tag.Object: {
        if (stack.length + 1 > limits.maxDepth) throw new CodecError(`nested deeper than ${limits.maxDepth} levels`);
        const count = u32('container size');
        // Each entry takes at least one byte (two for a key and a value): no count can promise more.
        if (count > end - at) throw new CodecError('container larger than the frame');
        const target = tag === Tag.Array ? [] : {};
        value = target;
        if (count > 0) opened = { target, isObject: tag === Tag.Object, remaining: count };
        break;
      }
      default:
        throw new CodecError(`unknown tag ${tag}`);
    }
    if (top === undefined) {
      root = value;
      done = opened === undefined;
    } else {
      if (top.isObject) {
        // A key Object.prototype has ('__proto__', or 'toString' while frozen) needs a definition.
        if ((key as string) in objectPrototype) defineProperty(top.target, key as string, { value, writable: true, enumerable: true, configurable: true });
        else (top.target as Record<string, unknown>)[key as string] = value;
      } else (top.target as unknown[]).push(value);
      top.remaining--;
    }
    if (opened !== undefined) stack.push(opened);
    while (stack.length > 0 && stack[stack.length - 1].remaining === 0) stack.pop();
    if (stack.length === 0 && top !== undefined) done = true;
  }
  if (at !== end) throw new CodecError(`${end - at} bytes left after the value`);
  return root;
}

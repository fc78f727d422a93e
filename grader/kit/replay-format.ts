/**
 * The student kit's recorded expectations (`.grader/expected/<id>.json`): what the trusted
 * side's replaced modules (the reference, and helper modules that embody the solution, see
 * kit-policy.ts) returned for each call the visible tests made, recorded at kit build time
 * (record-expected.ts) and replayed in the kit (runtime/replay.ts).
 *
 * A call is keyed by the test that made it, the module and function, and a fingerprint of its
 * arguments; the value is kept in a JSON form that restores tensors, typed arrays, numbers
 * that JSON cannot hold, and generators exactly.
 *
 * The fingerprint sketches every argument: a tensor or typed array by its dtype, shape, a
 * hash of its bytes, its sum and sum of absolute values and a few sampled entries. Two calls
 * are the same when the sketches are equal; they are "close" when everything but the hashes
 * agrees within a small tolerance (another machine's float rounding, say), which the replay
 * accepts when nothing equal was recorded.
 */
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

export const EXPECTED_FORMAT = 1;

// ---------------------------------------------------------------------------------------------
// Values.

/** A JSON value (what the expected files hold). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;
type AnyTyped = InstanceType<(typeof TYPED)[TypedName]>;

export class RecordingError extends Error {
  readonly code = 'KIT_RECORDING';
  constructor(message: string) {
    super(message);
    this.name = 'RecordingError';
  }
}

function typedName(value: unknown): TypedName | undefined {
  if (!ArrayBuffer.isView(value) || types.isDataView(value)) return undefined;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag in TYPED ? (tag as TypedName) : undefined;
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function base64Of(view: ArrayBufferView): string {
  return bytesOf(view).toString('base64');
}

function typedFromBase64(name: TypedName, b64: string): AnyTyped {
  const bytes = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const Ctor = TYPED[name];
  return new Ctor(copy.buffer, 0, copy.length / Ctor.BYTES_PER_ELEMENT);
}

export function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof tf.Tensor;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

export function isIterator(value: unknown): value is Iterator<unknown> & Iterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

function encodeNumber(n: number): Json {
  if (Number.isNaN(n)) return { $n: 'NaN' };
  if (n === Infinity) return { $n: 'Infinity' };
  if (n === -Infinity) return { $n: '-Infinity' };
  if (Object.is(n, -0)) return { $n: '-0' };
  return n;
}

/**
 * A value in its JSON form: tensors (values copied out of the backend), typed arrays, numbers,
 * strings, booleans, null, undefined, arrays and plain objects. Functions, models and other
 * objects cannot be recorded: a RecordingError names where one was found.
 */
export function encodeValue(value: unknown, where = 'value'): Json {
  if (value === undefined) return { $u: 1 };
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return encodeNumber(value);
  if (isTensor(value)) {
    if (value.dtype === 'string' || value.dtype === 'complex64') throw new RecordingError(`${where}: a ${value.dtype} tensor cannot be recorded`);
    const data = value.dataSync() as Float32Array | Int32Array | Uint8Array;
    return { $t: { dtype: value.dtype, shape: [...value.shape], data: base64Of(data) } };
  }
  const typed = typedName(value);
  if (typed !== undefined) return { $a: { type: typed, data: base64Of(value as ArrayBufferView) } };
  if (Array.isArray(value)) return value.map((v, i) => encodeValue(v, `${where}[${i}]`));
  if (isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    let escaped = false;
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$')) escaped = true;
      out[k] = encodeValue(v, `${where}.${k}`);
    }
    return escaped ? { $o: out } : out;
  }
  const kind = typeof value === 'function' ? 'a function' : `an object of class ${(value as object).constructor?.name ?? '?'}`;
  throw new RecordingError(`${where}: ${kind} cannot be recorded`);
}

/** The value back from its JSON form; tensors are created live (the caller owns them). */
export function decodeValue(json: Json): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decodeValue);
  const keys = Object.keys(json);
  if (keys.length === 1) {
    const [key] = keys;
    const inner = json[key];
    switch (key) {
      case '$u':
        return undefined;
      case '$n':
        return inner === 'NaN' ? NaN : inner === 'Infinity' ? Infinity : inner === '-Infinity' ? -Infinity : -0;
      case '$t': {
        const t = inner as { dtype: 'float32' | 'int32' | 'bool'; shape: number[]; data: string };
        const name: TypedName = t.dtype === 'float32' ? 'Float32Array' : t.dtype === 'int32' ? 'Int32Array' : 'Uint8Array';
        return tf.tensor(typedFromBase64(name, t.data) as Float32Array | Int32Array | Uint8Array, t.shape, t.dtype);
      }
      case '$a': {
        const a = inner as { type: TypedName; data: string };
        return typedFromBase64(a.type, a.data);
      }
      case '$o':
        return decodeObject(inner as { [key: string]: Json });
      default:
        break;
    }
  }
  return decodeObject(json);
}

function decodeObject(json: { [key: string]: Json }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) out[k] = decodeValue(v);
  return out;
}

/**
 * The same structure with every number replaced by `sentinel`: what a hint helper returns in
 * the kit for a call that was never recorded, so that it matches no student's answer.
 */
export function poisonValue(json: Json, sentinel = 1.2345e30): Json {
  if (typeof json === 'number') return sentinel;
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map((v) => poisonValue(v, sentinel));
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0] === '$n') return sentinel;
  if (keys.length === 1 && keys[0] === '$t') {
    const t = json.$t as { dtype: string; shape: number[]; data: string };
    if (t.dtype !== 'float32') return json;
    const size = t.shape.reduce((a, b) => a * b, 1);
    return { $t: { ...t, data: base64Of(new Float32Array(size).fill(sentinel)) } };
  }
  if (keys.length === 1 && keys[0] === '$a') {
    const a = json.$a as { type: TypedName; data: string };
    if (a.type !== 'Float32Array' && a.type !== 'Float64Array') return json;
    const values = typedFromBase64(a.type, a.data);
    return { $a: { ...a, data: base64Of(new TYPED[a.type](values.length).fill(sentinel)) } };
  }
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(json)) out[k] = poisonValue(v, sentinel);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fingerprints.

/** A sketch of numeric data: exact (hash) and approximate (sums, samples) at once. */
type NumericSketch = {
  /** dtype of a tensor, or the typed array's class. */
  k: string;
  /** Shape of a tensor; [length] for a typed array. */
  s: number[];
  /** The first 16 hex digits of the SHA-256 of the bytes. */
  h: string;
  /** Sum and sum of absolute values (NaN and infinities as strings). */
  n: number | string;
  a: number | string;
  /** Up to 8 entries, evenly spread. */
  p: Array<number | string>;
};

export type Sketch = Json;

function finiteOr(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function sketchNumbers(kind: string, shape: number[], data: ArrayLike<number>, bytes: Buffer): { $s: NumericSketch } {
  let sum = 0;
  let abs = 0;
  for (let i = 0; i < data.length; i++) {
    sum += data[i];
    abs += Math.abs(data[i]);
  }
  const samples: Array<number | string> = [];
  const count = Math.min(8, data.length);
  for (let j = 0; j < count; j++) samples.push(finiteOr(data[Math.floor((j * data.length) / count)]));
  const h = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { $s: { k: kind, s: shape, h, n: finiteOr(sum), a: finiteOr(abs), p: samples } };
}

function isLayersModel(value: unknown): value is tf.LayersModel {
  return value instanceof tf.LayersModel;
}

/**
 * A JSON sketch of call arguments. Functions are only known to be functions (a closure's
 * contents cannot be seen): calls that differ only in a closure are told apart by their
 * order within the test.
 */
export function sketchValue(value: unknown, depth = 0): Sketch {
  if (depth > 32) return { $deep: 1 };
  if (value === undefined) return { $u: 1 };
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'bigint') return { $big: value.toString() };
  if (typeof value === 'function') return { $f: 1 };
  if (isTensor(value)) {
    if (value.isDisposed) return { $disposed: value.dtype };
    if (value.dtype === 'string') return { $st: [...value.shape] };
    const data = value.dataSync() as Float32Array | Int32Array | Uint8Array;
    return sketchNumbers(value.dtype, [...value.shape], data, bytesOf(data));
  }
  const typed = typedName(value);
  if (typed !== undefined) {
    const view = value as AnyTyped;
    return sketchNumbers(typed, [view.length], view, bytesOf(view));
  }
  if (isLayersModel(value)) return { $m: value.getWeights().map((w) => sketchValue(w, depth + 1)) };
  if (Array.isArray(value)) return value.map((v) => sketchValue(v, depth + 1));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(value).sort()) out[k] = sketchValue((value as Record<string, unknown>)[k], depth + 1);
    return isPlainObject(value) ? out : { $c: (value as object).constructor?.name ?? '?', v: out };
  }
  return { $other: typeof value };
}

/** Canonical text of a sketch (keys sorted), for exact comparison. */
export function sketchKey(sketch: Sketch): string {
  return createHash('sha256').update(canonical(sketch)).digest('hex').slice(0, 32);
}

function canonical(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(',')}}`;
}

function closeNumber(a: number | string, b: number | string, scale: number): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  return Math.abs(a - b) <= 1e-3 * Math.abs(scale) + 1e-6;
}

/**
 * Whether two sketches describe nearly the same arguments: equal structure and scalars,
 * numeric data of the same kind and shape whose sums and samples agree to about 1e-3.
 */
export function sketchesClose(a: Sketch, b: Sketch): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    if (typeof a === 'number' && typeof b === 'number') return closeNumber(a, b, Math.max(Math.abs(a), Math.abs(b)));
    return a === b;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sketchesClose(x, b[i]));
  }
  const sa = a.$s as unknown as NumericSketch | undefined;
  const sb = b.$s as unknown as NumericSketch | undefined;
  if (sa !== undefined || sb !== undefined) {
    if (sa === undefined || sb === undefined) return false;
    if (sa.k !== sb.k || sa.s.join() !== sb.s.join() || sa.p.length !== sb.p.length) return false;
    const scale = typeof sa.a === 'number' ? sa.a : 0;
    const sampleScale = sa.p.reduce<number>((m, x) => (typeof x === 'number' ? Math.max(m, Math.abs(x)) : m), 0);
    return closeNumber(sa.n, sb.n, scale) && closeNumber(sa.a, sb.a, scale) && sa.p.every((x, i) => closeNumber(x, sb.p[i], sampleScale));
  }
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sketchesClose(a[k], b[k]));
}

// ---------------------------------------------------------------------------------------------
// The expected file.

const JsonSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(JsonSchema), z.record(z.string(), JsonSchema)]),
);

export const RecordedCallSchema = z.object({
  /** The visible test that made the call. */
  test: z.string(),
  /** The function (an export of the module). */
  fn: z.string(),
  /** Occurrence of this (test, fn, key) within the test, from 0. */
  n: z.number().int().nonnegative(),
  /** sketchKey of the arguments, and the sketch itself (for close matches and messages). */
  key: z.string(),
  args: JsonSchema,
  /** The value returned, in encodeValue's form; a generator's items under $iter, a promise's value under $p. */
  value: JsonSchema,
});
export type RecordedCall = z.infer<typeof RecordedCallSchema>;

export const RecordedModuleSchema = z.object({
  /** 'error': an unrecorded call is a grader error; 'no-match': it returns a value that matches nothing (hints). */
  onMissing: z.enum(['error', 'no-match']),
  /** The module's function exports (replayed) and its other exports (copied as data). */
  exports: z.array(z.string()),
  data: z.record(z.string(), JsonSchema),
  calls: z.array(RecordedCallSchema),
});
export type RecordedModule = z.infer<typeof RecordedModuleSchema>;

export const ExpectedFileSchema = z.object({
  format: z.literal(EXPECTED_FORMAT),
  assignment: z.string(),
  grader_version: z.string(),
  /** The tensor backend the values were recorded on. */
  backend: z.string(),
  /** Module name ('reference', or a helper file such as 'variants.ts') → its calls. */
  modules: z.record(z.string(), RecordedModuleSchema),
});
export type ExpectedFile = z.infer<typeof ExpectedFileSchema>;

/** The module name of the reference in expected files. */
export const REFERENCE_MODULE = 'reference';

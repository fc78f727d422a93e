/**
 * A tensor as plain data: what the untrusted runner sends back (the same layout as the wire
 * format in grader/runner/wire.ts) and what the trusted side keeps its expected values in.
 *
 * `parsePlainTensor` is the boundary: it validates an `unknown` and returns a fresh copy, so
 * nothing the runner (or a hostile object) does later can change what is compared.
 */
import * as tf from '@tensorflow/tfjs';
import { formatShape, quote } from './format';
import { messagesFor, type Lang } from './messages';
import { errorText, safeIsArray, safeOwn, typedArrayLength, typedArrayName } from './safe';

export type PlainDtype = 'float32' | 'int32' | 'bool' | 'string';

export interface PlainTensor {
  kind: 'tensor';
  shape: number[];
  dtype: PlainDtype;
  data: Float32Array | Int32Array | Uint8Array | string[];
}

export const PLAIN_DTYPES: readonly PlainDtype[] = ['float32', 'int32', 'bool', 'string'];

/** More dimensions than any tensor of the course has; a longer shape is rejected unread. */
export const MAX_RANK = 16;

const DATA_TYPE_OF: Record<PlainDtype, string> = {
  float32: 'Float32Array',
  int32: 'Int32Array',
  bool: 'Uint8Array',
  string: 'string[]',
};

/** The number of entries of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

export function isNumericTensor(t: PlainTensor): t is PlainTensor & { data: Float32Array | Int32Array | Uint8Array } {
  return t.dtype !== 'string';
}

type Parsed = PlainTensor | { error: string };

/**
 * Validates an untrusted value as a plain tensor: kind 'tensor', a shape of non-negative
 * integers, a known dtype, data of the array type that dtype needs (Float32Array, Int32Array,
 * Uint8Array of 0/1, or an array of strings) and exactly as many values as the shape has
 * entries. Returns a copy, or `{error}` saying what is wrong. Never throws.
 */
export function parsePlainTensor(x: unknown, lang: Lang = 'en'): Parsed {
  const m = messagesFor(lang);
  try {
    if (typeof x !== 'object' || x === null) return { error: m.tensorNotObject() };
    const kind = safeOwn(x, 'kind');
    if (!kind.ok) return { error: errorText(kind.error) };
    if ('missing' in kind || kind.value !== 'tensor') return { error: m.tensorKind() };

    const shape = readShape(x, lang);
    if ('error' in shape) return shape;

    const dtypeRead = safeOwn(x, 'dtype');
    if (!dtypeRead.ok) return { error: dtypeRead.error };
    const dtypeValue = 'missing' in dtypeRead ? undefined : dtypeRead.value;
    if (typeof dtypeValue !== 'string' || !(PLAIN_DTYPES as readonly string[]).includes(dtypeValue)) {
      return { error: m.tensorDtype({ dtype: typeof dtypeValue === 'string' ? quote(dtypeValue, 20) : String(typeof dtypeValue) }) };
    }
    const dtype = dtypeValue as PlainDtype;

    const dataRead = safeOwn(x, 'data');
    if (!dataRead.ok) return { error: dataRead.error };
    const data = 'missing' in dataRead ? undefined : dataRead.value;
    const size = shapeSize(shape.shape);
    const copied = copyData(dtype, data, size, shape.shape, lang);
    if ('error' in copied) return copied;
    return { kind: 'tensor', shape: shape.shape, dtype, data: copied.data };
  } catch (error) {
    return { error: errorText(error) };
  }
}

function readShape(x: object, lang: Lang): { shape: number[] } | { error: string } {
  const m = messagesFor(lang);
  const read = safeOwn(x, 'shape');
  if (!read.ok) return { error: read.error };
  const shape = 'missing' in read ? undefined : read.value;
  const isArray = safeIsArray(shape);
  if (!isArray.ok) return { error: isArray.error };
  if (!isArray.value || typeof shape !== 'object' || shape === null) {
    return { error: m.tensorShape({ problem: lang === 'ru' ? 'не массив' : 'not an array' }) };
  }
  const lengthRead = safeOwn(shape, 'length');
  if (!lengthRead.ok) return { error: lengthRead.error };
  const rank = 'missing' in lengthRead ? undefined : lengthRead.value;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 0) {
    return { error: m.tensorShape({ problem: 'length' }) };
  }
  if (rank > MAX_RANK) {
    return { error: m.tensorShape({ problem: lang === 'ru' ? `${rank} осей (максимум ${MAX_RANK})` : `${rank} dims (at most ${MAX_RANK})` }) };
  }
  const out: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const dimRead = safeOwn(shape, String(i));
    if (!dimRead.ok) return { error: dimRead.error };
    const dim = 'missing' in dimRead ? undefined : dimRead.value;
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      const shown = typeof dim === 'number' ? String(dim) : typeof dim;
      return {
        error: m.tensorShape({
          problem: lang === 'ru' ? `размер оси ${i} равен ${shown}` : `dimension ${i} is ${shown}`,
        }),
      };
    }
    size *= dim;
    out.push(dim);
  }
  if (!Number.isSafeInteger(size) || size > 2 ** 32) {
    return { error: m.tensorShape({ problem: lang === 'ru' ? 'слишком много элементов' : 'too many entries' }) };
  }
  return { shape: out };
}

function copyData(
  dtype: PlainDtype,
  data: unknown,
  size: number,
  shape: number[],
  lang: Lang,
): { data: PlainTensor['data'] } | { error: string } {
  const m = messagesFor(lang);
  const wrongType = (got: string) => ({ error: m.tensorData({ dtype, expected: DATA_TYPE_OF[dtype], got }) });
  const wrongLength = (length: number) => ({ error: m.tensorLength({ length, shape: formatShape(shape), size }) });

  if (dtype === 'string') {
    const isArray = safeIsArray(data);
    if (!isArray.ok) return { error: isArray.error };
    if (!isArray.value || typeof data !== 'object' || data === null) return wrongType(describeDataType(data));
    const lengthRead = safeOwn(data, 'length');
    if (!lengthRead.ok) return { error: lengthRead.error };
    const length = 'missing' in lengthRead ? undefined : lengthRead.value;
    if (typeof length !== 'number') return wrongType('array');
    if (length !== size) return wrongLength(length);
    const out: string[] = new Array<string>(size);
    for (let i = 0; i < size; i++) {
      const item = safeOwn(data, String(i));
      if (!item.ok) return { error: item.error };
      const value = 'missing' in item ? undefined : item.value;
      if (typeof value !== 'string') return { error: m.tensorString({ index: i }) };
      out[i] = value;
    }
    return { data: out };
  }

  const name = typedArrayName(data);
  const expected = DATA_TYPE_OF[dtype];
  if (name !== expected) return wrongType(name ?? describeDataType(data));
  const typed = data as NodeJS.TypedArray;
  const length = typedArrayLength(typed);
  if (length !== size) return wrongLength(length);
  // `new XArray(typedArray)` reads the source through its internal slots: no user code runs.
  if (dtype === 'float32') return { data: new Float32Array(typed as Float32Array) };
  if (dtype === 'int32') return { data: new Int32Array(typed as Int32Array) };
  const bools = new Uint8Array(typed as Uint8Array);
  for (let i = 0; i < bools.length; i++) {
    if (bools[i] > 1) return { error: m.tensorBool({ index: i }) };
  }
  return { data: bools };
}

function describeDataType(data: unknown): string {
  if (data === null) return 'null';
  const isArray = safeIsArray(data);
  if (isArray.ok && isArray.value) return 'array';
  return typeof data;
}

/** A tensor's values copied out of the backend (the tensor is not disposed). */
export function fromTf(t: tf.Tensor): PlainTensor {
  const shape = [...t.shape];
  switch (t.dtype) {
    case 'string':
      return { kind: 'tensor', shape, dtype: 'string', data: Array.from(t.dataSync() as unknown as string[]) };
    case 'int32':
      return { kind: 'tensor', shape, dtype: 'int32', data: Int32Array.from(t.dataSync() as Int32Array) };
    case 'bool':
      return { kind: 'tensor', shape, dtype: 'bool', data: Uint8Array.from(t.dataSync() as Uint8Array) };
    case 'float32':
      return { kind: 'tensor', shape, dtype: 'float32', data: Float32Array.from(t.dataSync() as Float32Array) };
    default:
      throw new TypeError(`fromTf: tensors of dtype ${t.dtype} have no plain form`);
  }
}

/** A live tensor with the plain tensor's values (the caller disposes it). */
export function toTf(p: PlainTensor): tf.Tensor {
  if (p.dtype === 'string') return tf.tensor(p.data as string[], p.shape, 'string');
  return tf.tensor(p.data as Float32Array | Int32Array | Uint8Array, p.shape, p.dtype);
}

/** A plain tensor built from ordinary numbers (for specs and tests). */
export function plainTensor(values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32'): PlainTensor {
  const data =
    dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
  if (data.length !== shapeSize(shape)) {
    throw new RangeError(`plainTensor: ${data.length} values do not fill shape ${formatShape(shape)}`);
  }
  return { kind: 'tensor', shape: [...shape], dtype, data };
}

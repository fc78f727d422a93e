/**
 * Reading untrusted values without running into their traps. Values normally come from the
 * runner over IPC as plain data, but the comparisons are also called in-process (tests,
 * probes), where an object may have throwing getters, be a Proxy, be cyclic, etc. Every read
 * here either succeeds or reports why it failed; none throws.
 */
import { types } from 'node:util';
import { truncate } from './format';

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** Text of a caught exception, itself read safely (an exception may be any value). */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) {
      const name = typeof error.name === 'string' ? error.name : 'Error';
      const message = typeof error.message === 'string' ? error.message : '';
      return truncate(message ? `${name}: ${message}` : name, 200);
    }
    if (typeof error === 'string') return truncate(error, 200);
    if (typeof error === 'number' || typeof error === 'boolean' || error === null || error === undefined) {
      return String(error);
    }
    return `a thrown ${typeof error}`;
  } catch {
    return 'an unreadable exception';
  }
}

export function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** Array.isArray, which throws for a revoked Proxy. */
export function safeIsArray(value: unknown): Read<boolean> {
  try {
    return { ok: true, value: Array.isArray(value) };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

/**
 * An own property of an untrusted object (getters run inside try/catch). Inherited
 * properties do not count: values crossing the process boundary only have own ones, and
 * reading `obj.toString` of a plain object is never what a comparison means.
 */
export function safeOwn(obj: object, key: string): Read<unknown> | { ok: true; missing: true } {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(obj, key);
    if (descriptor === undefined) return { ok: true, missing: true };
    if ('value' in descriptor) return { ok: true, value: descriptor.value };
    if (descriptor.get === undefined) return { ok: true, value: undefined };
    return { ok: true, value: Reflect.apply(descriptor.get, obj, []) };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

/** The own enumerable string keys (no Symbol keys), at most `max` of them. */
export function safeKeys(obj: object, max = 1000): Read<string[]> {
  try {
    const keys = Object.keys(obj);
    if (!Array.isArray(keys)) return { ok: false, error: 'no keys' };
    const out: string[] = [];
    for (let i = 0; i < keys.length && out.length < max; i++) {
      const key: unknown = keys[i];
      if (typeof key === 'string') out.push(key);
    }
    return { ok: true, value: out };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

/** The own `kind` tag of a wire value ({kind: 'tensor' | 'model' | 'promise' | ...}), if a string. */
export function kindOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const read = safeOwn(value, 'kind');
  return read.ok && !('missing' in read) && typeof read.value === 'string' ? read.value : undefined;
}

export type TypedArrayName =
  | 'Float32Array'
  | 'Float64Array'
  | 'Int8Array'
  | 'Int16Array'
  | 'Int32Array'
  | 'Uint8Array'
  | 'Uint8ClampedArray'
  | 'Uint16Array'
  | 'Uint32Array'
  | 'BigInt64Array'
  | 'BigUint64Array';

/**
 * The name of a genuine typed array (checked on its internal slots, so neither a Proxy nor an
 * object with a forged Symbol.toStringTag passes); undefined otherwise.
 */
export function typedArrayName(value: unknown): TypedArrayName | undefined {
  if (!types.isTypedArray(value)) return undefined;
  if (types.isFloat32Array(value)) return 'Float32Array';
  if (types.isFloat64Array(value)) return 'Float64Array';
  if (types.isInt8Array(value)) return 'Int8Array';
  if (types.isInt16Array(value)) return 'Int16Array';
  if (types.isInt32Array(value)) return 'Int32Array';
  if (types.isUint8Array(value)) return 'Uint8Array';
  if (types.isUint8ClampedArray(value)) return 'Uint8ClampedArray';
  if (types.isUint16Array(value)) return 'Uint16Array';
  if (types.isUint32Array(value)) return 'Uint32Array';
  if (types.isBigInt64Array(value)) return 'BigInt64Array';
  return 'BigUint64Array';
}

/** The length of a genuine typed array from its internal slot (an own `length` property cannot lie). */
export function typedArrayLength(value: NodeJS.TypedArray): number {
  // %TypedArray%.prototype.length is a getter reading [[ArrayLength]]; call it directly.
  const getter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), 'length')?.get;
  if (getter === undefined) return 0;
  const length: unknown = Reflect.apply(getter, value, []);
  return typeof length === 'number' ? length : 0;
}

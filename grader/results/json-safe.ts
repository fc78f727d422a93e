/**
 * Turns any value into JSON-safe data for a result's `details` (comparisons, chart data):
 * NaN and ±Infinity become the strings 'NaN', 'Infinity', '-Infinity'; typed arrays become
 * arrays; cycles, hostile getters, revoked proxies and runaway sizes are replaced by short
 * markers. `toJSON` methods are never called (they are code). Never throws.
 */
import { errorText, safeIsArray, safeKeys, safeOwn, typedArrayLength, typedArrayName } from '../compare/safe';
import { types } from 'node:util';
import type { JsonValue } from './result-schema';
import { countEn } from '../util/plural';

export interface JsonSafeLimits {
  /** Deeper values become '[too deep]'. */
  maxDepth: number;
  /** Values visited in all; beyond, '[truncated]'. */
  maxNodes: number;
  /** Items kept of one array or typed array. */
  maxArrayItems: number;
  /** Characters kept of one string. */
  maxStringChars: number;
}

export const DEFAULT_JSON_SAFE_LIMITS: Readonly<JsonSafeLimits> = Object.freeze({
  maxDepth: 32,
  maxNodes: 100_000,
  maxArrayItems: 10_000,
  maxStringChars: 100_000,
});

export interface JsonSafeResult {
  value: JsonValue;
  /** What was replaced or cut, for a note (at most 10 entries). */
  problems: string[];
}

interface State {
  limits: JsonSafeLimits;
  nodes: number;
  ancestors: Set<object>;
  problems: string[];
}

const MAX_PROBLEMS = 10;

function problem(s: State, text: string): void {
  if (s.problems.length < MAX_PROBLEMS) s.problems.push(text);
}

export function jsonNumber(x: number): number | string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x === 0 ? 0 : x; // -0 → 0
}

function cutString(text: string, s: State, path: string): string {
  if (text.length <= s.limits.maxStringChars) return text;
  problem(s, `${path || 'value'}: a string of ${text.length} characters was cut`);
  return `${text.slice(0, s.limits.maxStringChars)}…`;
}

/** undefined means "leave out" (in an object) or null (in an array). */
function convert(value: unknown, s: State, depth: number, path: string): JsonValue | undefined {
  if (++s.nodes > s.limits.maxNodes) {
    if (s.nodes === s.limits.maxNodes + 1) problem(s, `${path || 'value'}: too many values; the rest was cut`);
    return '[truncated]';
  }
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'boolean':
      return value;
    case 'number':
      return jsonNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return cutString(value, s, path);
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (depth >= s.limits.maxDepth) {
    problem(s, `${path || 'value'}: nested too deeply`);
    return '[too deep]';
  }
  if (s.ancestors.has(obj)) {
    problem(s, `${path || 'value'}: a cycle`);
    return '[circular]';
  }

  const typed = typedArrayName(obj);
  if (typed !== undefined) {
    const ta = obj as NodeJS.TypedArray | BigInt64Array | BigUint64Array;
    const length = typedArrayLength(ta as NodeJS.TypedArray);
    const n = Math.min(length, s.limits.maxArrayItems);
    if (n < length) problem(s, `${path || 'value'}: ${countEn(length, 'value', 'values')} cut to ${n}`);
    s.nodes += n;
    const out: JsonValue[] = new Array<JsonValue>(n);
    for (let i = 0; i < n; i++) {
      const item: unknown = ta[i];
      out[i] = typeof item === 'bigint' ? item.toString() : jsonNumber(item as number);
    }
    return out;
  }
  if (types.isDate(obj)) {
    const time = Date.prototype.getTime.call(obj);
    return Number.isFinite(time) ? new Date(time).toISOString() : null;
  }
  if (types.isAnyArrayBuffer(obj) || types.isDataView(obj)) return '[binary]';
  if (types.isMap(obj) || types.isSet(obj) || types.isWeakMap(obj) || types.isWeakSet(obj) || types.isPromise(obj)) {
    return `[${types.isMap(obj) ? 'Map' : types.isSet(obj) ? 'Set' : types.isPromise(obj) ? 'Promise' : 'Weak collection'}]`;
  }

  const isArray = safeIsArray(obj);
  if (!isArray.ok) {
    problem(s, `${path || 'value'}: unreadable (${isArray.error})`);
    return `[unreadable: ${isArray.error}]`;
  }
  s.ancestors.add(obj);
  try {
    if (isArray.value) {
      const lengthRead = safeOwn(obj, 'length');
      const length = lengthRead.ok && !('missing' in lengthRead) && typeof lengthRead.value === 'number' ? lengthRead.value : 0;
      const n = Math.min(length, s.limits.maxArrayItems);
      if (n < length) problem(s, `${path || 'value'}: ${countEn(length, 'item', 'items')} cut to ${n}`);
      const out: JsonValue[] = [];
      for (let i = 0; i < n && s.nodes <= s.limits.maxNodes; i++) {
        const item = safeOwn(obj, String(i));
        if (!item.ok) {
          problem(s, `${path}[${i}]: reading it threw ${item.error}`);
          out.push(`[unreadable: ${item.error}]`);
        } else {
          const converted = 'missing' in item ? undefined : convert(item.value, s, depth + 1, `${path}[${i}]`);
          out.push(converted === undefined ? null : converted);
        }
      }
      return out;
    }
    const keys = safeKeys(obj, s.limits.maxArrayItems);
    if (!keys.ok) {
      problem(s, `${path || 'value'}: unreadable (${keys.error})`);
      return `[unreadable: ${keys.error}]`;
    }
    const out: { [key: string]: JsonValue } = {};
    for (const key of keys.value) {
      if (s.nodes > s.limits.maxNodes) break;
      if (key === '__proto__') {
        problem(s, `${path || 'value'}: a key "__proto__" was dropped`);
        continue;
      }
      const childPath = path === '' ? key : `${path}.${key}`;
      const read = safeOwn(obj, key);
      if (!read.ok) {
        problem(s, `${childPath}: reading it threw ${read.error}`);
        out[key] = `[unreadable: ${read.error}]`;
        continue;
      }
      if ('missing' in read) continue;
      const converted = convert(read.value, s, depth + 1, childPath);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  } finally {
    s.ancestors.delete(obj);
  }
}

export function toJsonSafe(value: unknown, limits: Partial<JsonSafeLimits> = {}): JsonSafeResult {
  const s: State = {
    limits: { ...DEFAULT_JSON_SAFE_LIMITS, ...limits },
    nodes: 0,
    ancestors: new Set(),
    problems: [],
  };
  try {
    const converted = convert(value, s, 0, '');
    return { value: converted === undefined ? null : converted, problems: s.problems };
  } catch (error) {
    return { value: null, problems: [`unreadable (${errorText(error)})`] };
  }
}

/**
 * Says what came instead of what was expected: "undefined — did the function return
 * nothing?", "a Float32Array of 12 values — did you return t.dataSync()…?". Knows the wire
 * markers of grader/runner/wire.ts ({kind: 'promise'}, {kind: 'disposed-tensor', shape}, …).
 * Bounded output, never throws.
 */
import { formatList, formatNumber, formatShape, quote } from './format';
import { messagesFor, type Lang } from './messages';
import { parsePlainTensor } from './plain-tensor';
import { errorText, kindOf, safeIsArray, safeKeys, safeOwn, typedArrayLength, typedArrayName } from './safe';
import { types } from 'node:util';

export type Expecting = 'tensor' | 'number' | 'array' | 'object' | 'value';

export interface Description {
  /** A noun phrase: 'undefined', 'the number 3', 'an object with keys dx, dy'. */
  what: string;
  /** What probably went wrong, when the value suggests it. */
  hint?: string;
}

/** `what — hint` (or just `what`). */
export function describeText(value: unknown, lang: Lang, expecting: Expecting): string {
  const d = describeValue(value, lang, expecting);
  return d.hint ? `${d.what} — ${d.hint}` : d.what;
}

export function describeValue(value: unknown, lang: Lang, expecting: Expecting): Description {
  const m = messagesFor(lang);
  try {
    switch (typeof value) {
      case 'undefined':
        return { what: m.whatUndefined(), hint: m.hintUndefined() };
      case 'number':
        return {
          what: m.whatNumber({ value: formatNumber(value, 6) }),
          hint: expecting === 'tensor' ? m.hintNumberForTensor() : undefined,
        };
      case 'string':
        return { what: m.whatString({ value: quote(value) }) };
      case 'boolean':
        return { what: m.whatBoolean({ value: String(value) }) };
      case 'bigint':
        return { what: m.whatBigint({ value: quote(value.toString(), 24).slice(1, -1) }) };
      case 'symbol':
        return { what: m.whatSymbol() };
      case 'function':
        return { what: m.whatFunction({ name: functionName(value) }), hint: m.hintFunction() };
      default:
        break;
    }
    if (value === null) return { what: m.whatNull() };
    return describeObject(value as object, lang, expecting);
  } catch (error) {
    return { what: `${m.whatUnreadable()} (${errorText(error)})` };
  }
}

function functionName(fn: unknown): string {
  if (typeof fn !== 'function') return '';
  const read = safeOwn(fn, 'name');
  return read.ok && !('missing' in read) && typeof read.value === 'string' ? read.value.slice(0, 40) : '';
}

function describeObject(value: object, lang: Lang, expecting: Expecting): Description {
  const m = messagesFor(lang);
  if (types.isProxy(value)) {
    // Looking inside would run the proxy's traps; say what it looks like from its keys at most.
    const keys = safeKeys(value, 7);
    if (!keys.ok) return { what: `${m.whatUnreadable()} (${keys.error})` };
  }

  const typedName = typedArrayName(value);
  if (typedName !== undefined) {
    const length = typedArrayLength(value as NodeJS.TypedArray);
    return {
      what: m.whatTypedArray({ type: typedName, length }),
      hint: expecting === 'tensor' ? m.hintTypedArrayForTensor() : undefined,
    };
  }
  if (types.isPromise(value)) return { what: m.whatPromise(), hint: m.hintPromise() };
  if (types.isMap(value)) return { what: m.whatMap() };
  if (types.isSet(value)) return { what: m.whatSet() };
  if (types.isDate(value)) return { what: m.whatDate() };
  if (types.isNativeError(value)) {
    const message = safeOwn(value, 'message');
    const text = message.ok && !('missing' in message) && typeof message.value === 'string' ? message.value : '';
    return { what: m.whatError({ message: quote(text, 80) }) };
  }

  const isArray = safeIsArray(value);
  if (!isArray.ok) return { what: `${m.whatUnreadable()} (${isArray.error})` };
  if (isArray.value) {
    const lengthRead = safeOwn(value, 'length');
    const length = lengthRead.ok && !('missing' in lengthRead) && typeof lengthRead.value === 'number' ? lengthRead.value : 0;
    return { what: m.whatArray({ length }), hint: expecting === 'tensor' ? m.hintArrayForTensor() : undefined };
  }

  const kind = kindOf(value);
  switch (kind) {
    case 'tensor': {
      const parsed = parsePlainTensor(value, lang);
      if ('error' in parsed) return { what: m.whatMalformedTensor({ error: parsed.error }) };
      return {
        what: m.whatTensor({ shape: formatShape(parsed.shape), dtype: parsed.dtype }),
        hint: expecting === 'number' ? m.hintTensorForNumber() : undefined,
      };
    }
    case 'disposed-tensor':
      return { what: m.whatDisposedTensor({ shape: shapeOf(value) }), hint: m.hintDisposed() };
    case 'model':
      return { what: m.whatModel() };
    case 'promise':
      return { what: m.whatPromise(), hint: m.hintPromise() };
    case 'iterator':
      return { what: m.whatIterator(), hint: m.hintIterator() };
    case 'function': {
      const name = safeOwn(value, 'name');
      const text = name.ok && !('missing' in name) && typeof name.value === 'string' ? name.value.slice(0, 40) : '';
      return { what: m.whatFunction({ name: text }), hint: m.hintFunction() };
    }
    case 'bigint': {
      const big = safeOwn(value, 'value');
      const text = big.ok && !('missing' in big) && typeof big.value === 'string' ? big.value : '?';
      return { what: m.whatBigint({ value: quote(text, 24).slice(1, -1) }) };
    }
    case 'symbol':
      return { what: m.whatSymbol() };
    default:
      break;
  }

  const keys = safeKeys(value, 7);
  if (!keys.ok) return { what: `${m.whatUnreadable()} (${keys.error})` };
  if (keys.value.length === 0) return { what: m.whatEmptyObject() };
  return { what: m.whatObject({ keys: formatList(keys.value.map((k) => formatKeyShort(k)), 6) }) };
}

function formatKeyShort(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]{0,39}$/.test(key) ? key : quote(key, 20);
}

/** The shape carried by a {kind: 'disposed-tensor', shape} marker, formatted; '?' when unusable. */
function shapeOf(value: object): string {
  const read = safeOwn(value, 'shape');
  if (!read.ok || 'missing' in read) return '[?]';
  const shape = read.value;
  const isArray = safeIsArray(shape);
  if (!isArray.ok || !isArray.value || typeof shape !== 'object' || shape === null) return '[?]';
  const out: number[] = [];
  for (let i = 0; i < 16; i++) {
    const dim = safeOwn(shape, String(i));
    if (!dim.ok || 'missing' in dim) break;
    if (typeof dim.value !== 'number' || !Number.isSafeInteger(dim.value) || dim.value < 0) return '[?]';
    out.push(dim.value);
  }
  return formatShape(out);
}

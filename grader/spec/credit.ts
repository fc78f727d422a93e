/**
 * Property tests ("inputs left alone", "no tensor leaked") credit a property only when the
 * function also did its job in the same call: a submission that returns nothing (or its inputs,
 * or zeros) leaves nothing bad behind, and must not earn points for that.
 *
 * Runner side: `snapshot` copies what a call returned into plain data before the probe
 * disposes it. Grader side: `uncredited` checks that the call did some work (returned tensors
 * that are neither zeros nor its own inputs) and, when not, says why the property cannot be
 * credited (en and ru, naming the function).
 */
import { describeText } from '../compare';
import { fromTf, parsePlainTensor, type PlainTensor } from '../compare/plain-tensor';
import { say, type Lang, type LocalizedText } from './assignment-spec';

interface TensorLike {
  isDisposed: boolean;
  shape: number[];
  dtype: string;
}

/**
 * A plain copy of a call's result (tensors as plain tensors, disposed ones as the wire's
 * `{kind: 'disposed-tensor'}`), so that it survives the probe disposing the result.
 * `isTensor`: `(v) => v instanceof ctx.tf.Tensor`. Bounded depth and width; never throws.
 */
export function snapshot(value: unknown, isTensor: (v: unknown) => boolean, depth = 0): unknown {
  try {
    if (isTensor(value)) {
      const t = value as TensorLike;
      return t.isDisposed ? { kind: 'disposed-tensor', shape: [...t.shape] } : fromTf(value as never);
    }
    if (value === undefined || value === null || typeof value !== 'object') return typeof value === 'function' ? '[function]' : value;
    if (depth >= 4) return '[too deep]';
    if (typeof (value as { then?: unknown }).then === 'function') return { kind: 'promise' };
    if (Array.isArray(value)) return value.slice(0, 64).map((v) => snapshot(v, isTensor, depth + 1));
    if (ArrayBuffer.isView(value)) return value;
    return Object.fromEntries(
      Object.keys(value)
        .slice(0, 32)
        .map((k) => [k, snapshot((value as Record<string, unknown>)[k], isTensor, depth + 1)]),
    );
  } catch {
    return '[unreadable]';
  }
}

/** One call a property test watched, and what it should have returned. */
export interface CreditCall {
  /** How the call reads in the message: 'gradF(x, y)', 'minimize(loss, init, {steps: 3})'. */
  call: string;
  /** What the call returned (plain data: a probe's `snapshot`, or the runner's decoded value). */
  actual: unknown;
  /** The tensors the call was given: a result made only of copies of them (or of zeros) did nothing. */
  inputs: PlainTensor[];
  /** What the call should return, as a noun phrase (ru: genitive, after "вместо"): "the new params". */
  what: LocalizedText;
  /** Set when the result is wrong in a way only the probe can see (the caller's own tensors returned): what came instead. */
  instead?: LocalizedText;
}

/** The plain tensors inside a decoded value (bounded walk). */
function tensorsIn(value: unknown, out: PlainTensor[] = [], depth = 0): PlainTensor[] {
  if (out.length >= 256 || depth > 5 || typeof value !== 'object' || value === null) return out;
  if ((value as { kind?: unknown }).kind === 'tensor') {
    const parsed = parsePlainTensor(value);
    if (!('error' in parsed)) out.push(parsed);
    return out;
  }
  if (ArrayBuffer.isView(value)) return out;
  for (const inner of Array.isArray(value) ? value : Object.values(value)) tensorsIn(inner, out, depth + 1);
  return out;
}

function sameTensor(a: PlainTensor, b: PlainTensor): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]) || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(Number(a.data[i]), Number(b.data[i]))) return false;
  return true;
}

function allZero(t: PlainTensor): boolean {
  for (let i = 0; i < t.data.length; i++) if (Number(t.data[i]) !== 0) return false;
  return true;
}

/**
 * undefined when every call did some work: it returned at least one tensor that is neither all
 * zeros nor a copy of one of its inputs (and nothing `instead` says otherwise). Otherwise the
 * message: the property cannot be credited because `call` returned X instead of Y.
 *
 * Deliberately not a check of values or structure: a realistic bug (a wrong formula, an array
 * for an object, a missing entry) costs the points of the tests that grade it, not these too.
 * What is not credited is doing nothing: returning nothing, the inputs themselves, or zeros.
 */
export function uncredited(lang: Lang, property: LocalizedText, calls: CreditCall[]): string | undefined {
  for (const c of calls) {
    if (c.instead !== undefined) return notCredited(lang, property, c.call, say(lang, c.instead), c.what);
    const found = tensorsIn(c.actual);
    if (found.length === 0) return notCredited(lang, property, c.call, describeText(c.actual, lang, 'value'), c.what);
    const idle = found.every((t) => allZero(t) || c.inputs.some((input) => sameTensor(t, input)));
    if (idle) {
      const got: LocalizedText = {
        en: 'nothing but zeros and copies of its own inputs',
        ru: 'только нули и копии собственных входов',
      };
      return notCredited(lang, property, c.call, say(lang, got), c.what);
    }
  }
  return undefined;
}

/**
 * The sentence itself: "<property> cannot be credited: it counts only when the function also
 * does its job in the same call, and <call> returned <got> instead of <what>." (`got` already
 * in `lang`; `what` a noun phrase, in Russian in the genitive: "вместо <what>".)
 */
export function notCredited(lang: Lang, property: LocalizedText, call: string, got: string, what: LocalizedText): string {
  return say(lang, {
    en: `${property.en} cannot be credited: it counts only when the function also does its job in the same call, and ${call} returned ${got} instead of ${what.en}.`,
    ru: `${property.ru} — не засчитывается: это свойство учитывается, только если функция в том же вызове сделала свою работу, а ${call} вернула ${got} вместо ${what.ru}.`,
  });
}

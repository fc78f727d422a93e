/**
 * Validation of the comparison options (trusted input from specs: a bad option is a
 * programming error and throws `CompareSetupError`) and the pieces every message shares.
 */
import { truncate } from './format';
import { type Lang } from './messages';
import {
  CompareSetupError,
  DEFAULT_TOLERANCE,
  type CompareOptions,
  type FailureReason,
  type Hint,
} from './types';

const REASONS: readonly FailureReason[] = ['type', 'shape', 'dtype', 'nonfinite', 'values'];
const MAX_LABEL = 200;
const MAX_HINT = 1000;

export interface ResolvedOptions {
  rtol: number;
  atol: number;
  label: string;
  lang: Lang;
  dtype: 'exact' | 'float-any';
  nan: 'match' | 'forbid';
  causes: Partial<Record<FailureReason, Hint>>;
}

function isHint(value: unknown): value is Hint {
  if (typeof value === 'string') return true;
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.en === 'string' &&
    (record.ru === undefined || typeof record.ru === 'string') &&
    Object.keys(record).every((k) => k === 'en' || k === 'ru')
  );
}

function tolerance(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CompareSetupError(`compare: ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(opts: CompareOptions | undefined): ResolvedOptions {
  const o: CompareOptions = opts ?? {};
  if (typeof o !== 'object' || o === null) throw new CompareSetupError('compare: options must be an object');
  const rtol = tolerance('rtol', o.rtol, DEFAULT_TOLERANCE.rtol);
  const atol = tolerance('atol', o.atol, DEFAULT_TOLERANCE.atol);
  if (o.label !== undefined && typeof o.label !== 'string') throw new CompareSetupError('compare: label must be a string');
  if (o.lang !== undefined && o.lang !== 'en' && o.lang !== 'ru') {
    throw new CompareSetupError(`compare: lang must be 'en' or 'ru', got ${String(o.lang)}`);
  }
  if (o.dtype !== undefined && o.dtype !== 'exact' && o.dtype !== 'float-any') {
    throw new CompareSetupError(`compare: dtype must be 'exact' or 'float-any', got ${String(o.dtype)}`);
  }
  if (o.nan !== undefined && o.nan !== 'match' && o.nan !== 'forbid') {
    throw new CompareSetupError(`compare: nan must be 'match' or 'forbid', got ${String(o.nan)}`);
  }
  if (o.broadcast !== undefined && o.broadcast !== false) {
    throw new CompareSetupError('compare: broadcasting is not supported; shapes must match exactly');
  }
  let causes: Partial<Record<FailureReason, Hint>> = {};
  if (o.usualCause !== undefined) {
    if (isHint(o.usualCause)) {
      causes = { values: o.usualCause };
    } else if (typeof o.usualCause === 'object' && o.usualCause !== null) {
      for (const [key, hint] of Object.entries(o.usualCause)) {
        if (!(REASONS as readonly string[]).includes(key) || !isHint(hint)) {
          throw new CompareSetupError(`compare: usualCause.${key} is not a hint for a failure reason`);
        }
        causes[key as FailureReason] = hint;
      }
    } else {
      throw new CompareSetupError('compare: usualCause must be a string, {en, ru} or a hint per failure reason');
    }
  }
  return {
    rtol,
    atol,
    label: truncate(o.label ?? '', MAX_LABEL),
    lang: o.lang ?? 'en',
    dtype: o.dtype ?? 'exact',
    nan: o.nan ?? 'match',
    causes,
  };
}

/** The spec's hint for a failure reason, in the message language. */
export function causeFor(resolved: ResolvedOptions, reason: FailureReason): string | undefined {
  const hint = resolved.causes[reason];
  if (hint === undefined) return undefined;
  const text = typeof hint === 'string' ? hint : resolved.lang === 'ru' && hint.ru !== undefined ? hint.ru : hint.en;
  return truncate(text, MAX_HINT);
}

/** `label: message`, or just the message without a label. */
export function withLabel(resolved: ResolvedOptions, message: string): string {
  return resolved.label === '' ? message : `${resolved.label}: ${message}`;
}

/** The same options with another label (for the leaves of a structure). */
export function relabel(resolved: ResolvedOptions, label: string): ResolvedOptions {
  return { ...resolved, label: truncate(label, MAX_LABEL) };
}

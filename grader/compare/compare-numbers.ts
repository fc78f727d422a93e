/**
 * Compares a plain number returned by student code (a loss, an accuracy) with the expected
 * one, with the same tolerance semantics as tensors.
 */
import { relativeError } from './compare-tensors';
import { describeText } from './describe';
import { diagnose } from './diagnose';
import { formatNumber, formatPair } from './format';
import { messagesFor } from './messages';
import { causeFor, resolveOptions, withLabel, type ResolvedOptions } from './options';
import { errorText } from './safe';
import { CompareSetupError, type CompareOptions, type Comparison } from './types';

/**
 * Compares `actual` with `expected`. Throws `CompareSetupError` only when `expected` is not a
 * number or the options are invalid; never throws because of `actual`.
 */
export function compareNumbers(expected: number, actual: unknown, opts?: CompareOptions): Comparison {
  if (typeof expected !== 'number') {
    throw new CompareSetupError(`compareNumbers: the expected value must be a number, got ${typeof expected}`);
  }
  return compareNumbersResolved(expected, actual, resolveOptions(opts));
}

export function compareNumbersResolved(expected: number, actual: unknown, r: ResolvedOptions): Comparison {
  const m = messagesFor(r.lang);
  try {
    if (typeof actual !== 'number') {
      const cause = causeFor(r, 'type');
      const message = m.expectedNumber({ what: describeText(actual, r.lang, 'number') });
      return { ok: false, reason: 'type', message: withLabel(r, cause ? `${message}. ${m.usualCause({ cause })}` : message) };
    }
    const e = expected;
    const a = actual;
    const worst = (abs: number) => [
      { index: [], expected: e, actual: a, absError: abs, relError: Number.isNaN(abs) ? NaN : relativeError(abs, e, r.atol) },
    ];

    if (Number.isNaN(a) && r.nan === 'forbid') {
      const cause = causeFor(r, 'nonfinite');
      const message = `${m.nonfiniteScalar({ expected: formatNumber(e), actual: 'NaN' })} ${cause !== undefined ? m.usualCause({ cause }) : m.nonfiniteHint()}`;
      return { ok: false, reason: 'nonfinite', message: withLabel(r, message), mismatched: 1, total: 1, worst: worst(NaN) };
    }
    if (e === a || (Number.isNaN(e) && Number.isNaN(a))) return { ok: true, maxAbsError: 0, maxRelError: 0 };

    if (Number.isFinite(e) && Number.isFinite(a)) {
      const abs = Math.abs(a - e);
      const rel = relativeError(abs, e, r.atol);
      if (abs <= r.atol + r.rtol * Math.abs(e)) return { ok: true, maxAbsError: abs, maxRelError: rel };
      const [fe, fa] = formatPair(e, a);
      const parts = [
        m.scalarDiffers({
          expected: fe,
          actual: fa,
          abs: formatNumber(abs),
          rel: Number.isFinite(rel) ? formatNumber(rel) : undefined,
          rtol: formatNumber(r.rtol),
          atol: formatNumber(r.atol),
        }),
      ];
      const diagnosis = diagnose([e], [a], [], { rtol: r.rtol, atol: r.atol }, r.lang);
      if (diagnosis !== undefined) parts.push(diagnosis);
      const cause = causeFor(r, 'values');
      if (cause !== undefined) parts.push(m.usualCause({ cause }));
      return {
        ok: false,
        reason: 'values',
        message: withLabel(r, parts.join(' ')),
        maxAbsError: abs,
        maxRelError: rel,
        mismatched: 1,
        total: 1,
        worst: worst(abs),
      };
    }

    // A non-finite value on one side.
    const studentNonfinite = Number.isFinite(e) && !Number.isFinite(a);
    const parts = [m.nonfiniteScalar({ expected: formatNumber(e), actual: formatNumber(a) })];
    if (studentNonfinite) {
      const cause = causeFor(r, 'nonfinite');
      parts.push(cause !== undefined ? m.usualCause({ cause }) : m.nonfiniteHint());
    } else {
      const cause = causeFor(r, 'values');
      if (cause !== undefined) parts.push(m.usualCause({ cause }));
    }
    return {
      ok: false,
      reason: studentNonfinite ? 'nonfinite' : 'values',
      message: withLabel(r, parts.join(' ')),
      mismatched: 1,
      total: 1,
      worst: worst(Math.abs(a - e)),
    };
  } catch (error) {
    return { ok: false, reason: 'type', message: withLabel(r, m.unreadable({ error: errorText(error) })) };
  }
}

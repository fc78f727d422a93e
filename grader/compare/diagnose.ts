/**
 * Automatic diagnoses of a value mismatch: patterns that point at a typical bug. Each check
 * is one O(n) pass over finite data; the first that applies is reported.
 */
import { formatNumber } from './format';
import { messagesFor, type Lang } from './messages';
import type { Tolerance } from './types';

type Values = ArrayLike<number>;

function allFinite(values: Values): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** a[i] ≈ f(i) within the tolerance for every i. */
function closeTo(actual: Values, target: (i: number) => number, tol: Tolerance): boolean {
  for (let i = 0; i < actual.length; i++) {
    const t = target(i);
    if (!(Math.abs(actual[i] - t) <= tol.atol + tol.rtol * Math.abs(t))) return false;
  }
  return true;
}

/** 3 → '3', 0.03125 → '1/32', 0.37 → '0.37'; `nice` only for integers and their inverses. */
export function formatFactor(k: number): { text: string; nice: boolean } {
  const near = (x: number) => Math.abs(x - Math.round(x)) <= 1e-3 * Math.abs(x);
  if (Math.abs(k) >= 1 && near(k)) return { text: String(Math.round(k)), nice: true };
  if (Math.abs(k) < 1 && k !== 0 && near(1 / k)) {
    const m = Math.round(1 / k);
    return { text: m < 0 ? `-1/${-m}` : `1/${m}`, nice: true };
  }
  return { text: formatNumber(k), nice: false };
}

/**
 * A sentence naming the pattern of the mismatch, or undefined. `shape` enables the transpose
 * check for square matrices.
 */
export function diagnose(
  expected: Values,
  actual: Values,
  shape: readonly number[],
  tol: Tolerance,
  lang: Lang,
): string | undefined {
  const m = messagesFor(lang);
  const n = expected.length;
  if (n === 0 || actual.length !== n || !allFinite(expected) || !allFinite(actual)) return undefined;

  let expectedIsZero = true;
  let actualIsZero = true;
  let significant = false;
  for (let i = 0; i < n; i++) {
    if (Math.abs(expected[i]) > tol.atol) expectedIsZero = false;
    if (actual[i] !== 0) actualIsZero = false;
    if (Math.abs(expected[i]) > tol.atol) significant = true;
  }
  if (actualIsZero && !expectedIsZero) return m.diagZeros();
  if (!significant) return undefined;

  if (closeTo(actual, (i) => -expected[i], tol)) return n === 1 ? m.diagSignFlipOne() : m.diagSignFlip();

  if (shape.length === 2 && shape[0] === shape[1] && shape[0] >= 2) {
    const size = shape[0];
    const transposed = (i: number) => expected[(i % size) * size + Math.floor(i / size)];
    if (closeTo(actual, transposed, tol)) return m.diagTransposed();
  }

  // The least-squares factor k with a ≈ k·e; its residual is float32 rounding at best.
  let ae = 0;
  let ee = 0;
  for (let i = 0; i < n; i++) {
    ae += actual[i] * expected[i];
    ee += expected[i] * expected[i];
  }
  const k = ae / ee;
  const loose: Tolerance = { atol: tol.atol, rtol: Math.max(tol.rtol, 1e-4) };
  if (Number.isFinite(k) && k !== 0 && Math.abs(k - 1) > 1e-3 && closeTo(actual, (i) => k * expected[i], loose)) {
    const factor = formatFactor(k);
    if (n > 1) return m.diagScale({ factor: factor.text });
    if (factor.nice) return m.diagScaleOne({ factor: factor.text });
  }

  if (n > 1) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += actual[i] - expected[i];
    const c = sum / n;
    if (Math.abs(c) > tol.atol && closeTo(actual, (i) => expected[i] + c, loose)) {
      return m.diagOffset({ offset: formatNumber(c) });
    }
  }
  return undefined;
}

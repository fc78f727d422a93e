/**
 * Compares a tensor returned by student code (untrusted, `unknown`) with the expected one:
 * type, then shape, then dtype, then values (numpy.allclose semantics), with messages that
 * say where, by how much and why.
 */
import { describeText } from './describe';
import { diagnose } from './diagnose';
import { formatIndex, formatNumber, formatPair, formatShape, quote, unravelIndex } from './format';
import { messagesFor } from './messages';
import { causeFor, resolveOptions, withLabel, type ResolvedOptions } from './options';
import { parsePlainTensor, shapeSize, type PlainTensor } from './plain-tensor';
import { errorText } from './safe';
import {
  CompareSetupError,
  REL_ERROR_GRID_CAP,
  REL_ERROR_GRID_SIZE,
  WORST_COUNT,
  type CompareOptions,
  type Comparison,
  type ComparisonFailure,
  type RelErrorGrid,
  type WorstEntry,
} from './types';

type NumericData = Float32Array | Int32Array | Uint8Array;
type NumericTensor = PlainTensor & { data: NumericData };

/**
 * Compares `actual` with `expected`. Throws `CompareSetupError` only when `expected` or the
 * options are invalid (a bug on the trusted side); never throws because of `actual`.
 */
export function compareTensors(expected: PlainTensor, actual: unknown, opts?: CompareOptions): Comparison {
  const resolved = resolveOptions(opts);
  const exp = checkedExpected(expected);
  return compareTensorsResolved(exp, actual, resolved);
}

/** Validates a trusted expected tensor (a copy); throws CompareSetupError when it is malformed. */
export function checkedExpected(expected: unknown): PlainTensor {
  const parsed = parsePlainTensor(expected);
  if ('error' in parsed) throw new CompareSetupError(`compare: the expected value is not a valid tensor: ${parsed.error}`);
  return parsed;
}

/** The comparison proper, on validated expectations and options. Never throws. */
export function compareTensorsResolved(expected: PlainTensor, actual: unknown, r: ResolvedOptions): Comparison {
  const m = messagesFor(r.lang);
  try {
    const parsed = parsePlainTensor(actual, r.lang);
    if ('error' in parsed) {
      const cause = causeFor(r, 'type');
      const message = m.expectedTensor({ what: describeText(actual, r.lang, 'tensor') });
      return {
        ok: false,
        reason: 'type',
        message: withLabel(r, cause ? `${message}. ${m.usualCause({ cause })}` : message),
        expectedShape: [...expected.shape],
      };
    }
    if (!sameShape(expected.shape, parsed.shape)) return shapeFailure(expected, parsed, r);
    if (!dtypeAccepted(expected.dtype, parsed.dtype, r)) return dtypeFailure(expected, parsed, r);
    if (expected.dtype === 'string' || parsed.dtype === 'string') return compareStrings(expected, parsed, r);
    return compareNumeric(expected as NumericTensor, parsed as NumericTensor, r);
  } catch (error) {
    return { ok: false, reason: 'type', message: withLabel(r, m.unreadable({ error: errorText(error) })) };
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

function dtypeAccepted(expected: PlainTensor['dtype'], actual: PlainTensor['dtype'], r: ResolvedOptions): boolean {
  if (expected === actual) return true;
  return r.dtype === 'float-any' && expected === 'float32' && actual === 'int32';
}

function withoutUnitAxes(shape: readonly number[]): number[] {
  return shape.filter((dim) => dim !== 1);
}

function numericClose(a: ArrayLike<number>, b: (i: number) => number, r: ResolvedOptions): boolean {
  for (let i = 0; i < a.length; i++) {
    const e = b(i);
    const v = a[i];
    if (Object.is(v, e) || (Number.isNaN(v) && Number.isNaN(e))) continue;
    if (!(Math.abs(v - e) <= r.atol + r.rtol * Math.abs(e))) return false;
  }
  return true;
}

function shapeFailure(expected: PlainTensor, actual: PlainTensor, r: ResolvedOptions): ComparisonFailure {
  const m = messagesFor(r.lang);
  const expectedShape = formatShape(expected.shape);
  let message = m.shapeMismatch({ expected: expectedShape, actual: formatShape(actual.shape) });
  const cause = causeFor(r, 'shape');
  if (cause !== undefined) {
    message = `${message} — ${cause}`;
  } else if (shapeSize(expected.shape) === shapeSize(actual.shape)) {
    const numeric = expected.dtype !== 'string' && actual.dtype !== 'string';
    const e = expected.data as NumericData;
    const a = actual.data as NumericData;
    let hint: string;
    if (sameShape(withoutUnitAxes(expected.shape), withoutUnitAxes(actual.shape))) {
      hint =
        actual.shape.length > expected.shape.length
          ? m.shapeExtraAxis({ expected: expectedShape })
          : m.shapeMissingAxis({ expected: expectedShape });
    } else if (numeric && numericClose(a, (i) => e[i], r)) {
      hint = m.shapeSameValues({ expected: expectedShape });
    } else if (
      numeric &&
      expected.shape.length === 2 &&
      actual.shape.length === 2 &&
      expected.shape[0] === actual.shape[1] &&
      expected.shape[1] === actual.shape[0] &&
      numericClose(a, (i) => e[(i % actual.shape[1]) * expected.shape[1] + Math.floor(i / actual.shape[1])], r)
    ) {
      hint = m.shapeTransposed();
    } else {
      hint = m.shapeSameSize();
    }
    message = `${message} (${hint})`;
  }
  return {
    ok: false,
    reason: 'shape',
    message: withLabel(r, message),
    expectedShape: [...expected.shape],
    actualShape: [...actual.shape],
  };
}

function dtypeFailure(expected: PlainTensor, actual: PlainTensor, r: ResolvedOptions): ComparisonFailure {
  const m = messagesFor(r.lang);
  let message = m.dtypeMismatch({ expected: expected.dtype, actual: actual.dtype });
  const hint =
    causeFor(r, 'dtype') ??
    (expected.dtype === 'float32' && actual.dtype === 'int32'
      ? m.dtypeHintFloat()
      : expected.dtype === 'int32'
        ? m.dtypeHintInt()
        : undefined);
  if (hint !== undefined) message = `${message} — ${hint}`;
  return {
    ok: false,
    reason: 'dtype',
    message: withLabel(r, message),
    expectedShape: [...expected.shape],
    actualShape: [...actual.shape],
  };
}

function compareStrings(expected: PlainTensor, actual: PlainTensor, r: ResolvedOptions): Comparison {
  const m = messagesFor(r.lang);
  const e = expected.data as string[];
  const a = actual.data as string[];
  let mismatched = 0;
  let first = -1;
  for (let i = 0; i < e.length; i++) {
    if (e[i] !== a[i]) {
      mismatched++;
      if (first < 0) first = i;
    }
  }
  if (mismatched === 0) return { ok: true, maxAbsError: 0, maxRelError: 0 };
  const message = [
    m.valuesDifferExact({ mismatched, total: e.length, dtype: 'string' }),
    m.firstAt({ index: formatIndex(unravelIndex(first, expected.shape)), expected: quote(e[first]), actual: quote(a[first]) }),
  ];
  const cause = causeFor(r, 'values');
  if (cause !== undefined) message.push(m.usualCause({ cause }));
  return {
    ok: false,
    reason: 'values',
    message: withLabel(r, message.join(' ')),
    expectedShape: [...expected.shape],
    actualShape: [...actual.shape],
    mismatched,
    total: e.length,
  };
}

/** |a − e| / max(|e|, atol): a relative error that stays finite where e = 0 (unless atol = 0). */
export function relativeError(abs: number, expected: number, atol: number): number {
  const denominator = Math.max(Math.abs(expected), atol);
  if (denominator === 0) return abs === 0 ? 0 : Infinity;
  return abs / denominator;
}

interface Ranked {
  index: number;
  badness: number;
}

/** Keeps the `WORST_COUNT` worst entries, worst first; ties keep the lower index first. */
function insertWorst(worst: Ranked[], index: number, badness: number): void {
  if (worst.length === WORST_COUNT && !(badness > worst[worst.length - 1].badness)) return;
  let at = worst.length;
  while (at > 0 && badness > worst[at - 1].badness) at--;
  worst.splice(at, 0, { index, badness });
  if (worst.length > WORST_COUNT) worst.pop();
}

interface Scan {
  mismatched: number;
  firstMismatch: number;
  nonfinite: number;
  firstNonfinite: number;
  maxAbs: number;
  maxRel: number;
  worst: Ranked[];
}

function scan(e: NumericData, a: NumericData, exact: boolean, r: ResolvedOptions): Scan {
  const s: Scan = { mismatched: 0, firstMismatch: -1, nonfinite: 0, firstNonfinite: -1, maxAbs: 0, maxRel: 0, worst: [] };
  const forbidNaN = r.nan === 'forbid';
  for (let i = 0; i < e.length; i++) {
    const ev = e[i];
    const av = a[i];
    if (ev === av) continue; // equal finite values, equal infinities, 0 and -0
    let bad: boolean;
    let nonfiniteBad = false;
    let badness: number;
    if (Number.isFinite(ev) && Number.isFinite(av)) {
      const abs = Math.abs(av - ev);
      const rel = relativeError(abs, ev, r.atol);
      if (abs > s.maxAbs) s.maxAbs = abs;
      if (rel > s.maxRel) s.maxRel = rel;
      const allowed = exact ? 0 : r.atol + r.rtol * Math.abs(ev);
      bad = abs > allowed;
      // How many tolerances off (or, for exact dtypes, the plain distance).
      badness = exact ? abs : allowed === 0 ? Infinity : abs / allowed;
    } else if (Number.isNaN(ev) && Number.isNaN(av)) {
      bad = forbidNaN;
      nonfiniteBad = forbidNaN;
      badness = Infinity;
    } else {
      // A non-finite value on one side: a mismatch. It counts as 'nonfinite' when the student
      // produced NaN or ±Infinity where a finite value was expected (or any NaN under 'forbid').
      bad = true;
      nonfiniteBad = (Number.isFinite(ev) && !Number.isFinite(av)) || (forbidNaN && Number.isNaN(av));
      badness = Infinity;
    }
    if (!bad) continue;
    s.mismatched++;
    if (s.firstMismatch < 0) s.firstMismatch = i;
    if (nonfiniteBad) {
      s.nonfinite++;
      if (s.firstNonfinite < 0) s.firstNonfinite = i;
    }
    insertWorst(s.worst, i, badness);
  }
  return s;
}

function worstEntries(s: Scan, e: NumericData, a: NumericData, shape: readonly number[], atol: number): WorstEntry[] {
  return s.worst.map(({ index }) => {
    const abs = Math.abs(a[index] - e[index]);
    return {
      index: unravelIndex(index, shape),
      expected: e[index],
      actual: a[index],
      absError: abs,
      relError: Number.isNaN(abs) ? NaN : relativeError(abs, e[index], atol),
    };
  });
}

function gridValue(ev: number, av: number, r: ResolvedOptions): number {
  if (ev === av || (Number.isNaN(ev) && Number.isNaN(av) && r.nan === 'match')) return 0;
  if (!Number.isFinite(ev) || !Number.isFinite(av)) return REL_ERROR_GRID_CAP;
  return Math.min(relativeError(Math.abs(av - ev), ev, r.atol), REL_ERROR_GRID_CAP);
}

/** The block-max heatmap of a 2-D result, at most 32×32. */
export function relErrorGrid(e: NumericData, a: NumericData, shape: readonly number[], r: ResolvedOptions): RelErrorGrid | undefined {
  if (shape.length !== 2 || shape[0] === 0 || shape[1] === 0) return undefined;
  const [rowsIn, colsIn] = shape;
  const rows = Math.min(rowsIn, REL_ERROR_GRID_SIZE);
  const cols = Math.min(colsIn, REL_ERROR_GRID_SIZE);
  const values = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rowsIn; i++) {
    const gi = Math.floor((i * rows) / rowsIn);
    for (let j = 0; j < colsIn; j++) {
      const k = i * colsIn + j;
      const v = gridValue(e[k], a[k], r);
      const g = gi * cols + Math.floor((j * cols) / colsIn);
      if (v > values[g]) values[g] = v;
    }
  }
  return { rows, cols, values };
}

function compareNumeric(expected: NumericTensor, actual: NumericTensor, r: ResolvedOptions): Comparison {
  const m = messagesFor(r.lang);
  const e = expected.data;
  const a = actual.data;
  const exact = expected.dtype !== 'float32';
  const s = scan(e, a, exact, r);
  if (s.mismatched === 0) return { ok: true, maxAbsError: s.maxAbs, maxRelError: s.maxRel };

  const total = e.length;
  const shape = expected.shape;
  const at = (i: number) => formatIndex(unravelIndex(i, shape));
  const parts: string[] = [];
  let reason: 'values' | 'nonfinite';

  if (s.nonfinite > 0) {
    reason = 'nonfinite';
    const first = s.firstNonfinite;
    if (r.nan === 'forbid' && Number.isNaN(a[first])) {
      let nanCount = 0;
      for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) nanCount++;
      parts.push(m.nanForbidden({ count: nanCount, total, first: at(first) }));
    } else {
      parts.push(m.nonfinite({ count: s.nonfinite, total, first: at(first), value: formatNumber(a[first]) }));
    }
    const cause = causeFor(r, 'nonfinite');
    parts.push(cause !== undefined ? m.usualCause({ cause }) : m.nonfiniteHint());
  } else {
    reason = 'values';
    if (exact) {
      const first = s.firstMismatch;
      parts.push(m.valuesDifferExact({ mismatched: s.mismatched, total, dtype: expected.dtype }));
      parts.push(m.firstAt({ index: at(first), expected: formatNumber(e[first]), actual: formatNumber(a[first]) }));
    } else {
      const w = s.worst[0].index;
      const abs = Math.abs(a[w] - e[w]);
      const rel = relativeError(abs, e[w], r.atol);
      const [fe, fa] = formatPair(e[w], a[w]);
      parts.push(m.valuesDiffer({ mismatched: s.mismatched, total, rtol: formatNumber(r.rtol), atol: formatNumber(r.atol) }));
      parts.push(
        m.worstAt({
          index: at(w),
          expected: fe,
          actual: fa,
          abs: formatNumber(abs),
          rel: Number.isFinite(rel) ? formatNumber(rel) : undefined,
        }),
      );
      parts.push(m.maxErrors({ abs: formatNumber(s.maxAbs), rel: formatNumber(s.maxRel) }));
    }
    const diagnosis = diagnose(e, a, shape, { rtol: r.rtol, atol: r.atol }, r.lang);
    if (diagnosis !== undefined) parts.push(diagnosis);
    const cause = causeFor(r, 'values');
    if (cause !== undefined) parts.push(m.usualCause({ cause }));
  }

  const failure: ComparisonFailure = {
    ok: false,
    reason,
    message: withLabel(r, parts.join(' ')),
    expectedShape: [...shape],
    actualShape: [...actual.shape],
    maxAbsError: s.maxAbs,
    maxRelError: s.maxRel,
    mismatched: s.mismatched,
    total,
    worst: worstEntries(s, e, a, shape, r.atol),
  };
  const grid = relErrorGrid(e, a, shape, r);
  if (grid !== undefined) failure.relErrorGrid = grid;
  return failure;
}

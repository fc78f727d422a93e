/**
 * The types of the comparisons: tolerances, options and the verdict with its diagnostics.
 */
import type { Lang } from './messages';

/** Pass when |a − e| <= atol + rtol·|e| elementwise (numpy.allclose semantics). */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** float32 results computed by different backends agree to about 1e-5 relative. */
export const DEFAULT_TOLERANCE: Readonly<Tolerance> = Object.freeze({ rtol: 1e-5, atol: 1e-6 });

export type FailureReason = 'type' | 'shape' | 'dtype' | 'nonfinite' | 'values';

/** A text the spec gives: one string, or one per language (English is the fallback). */
export type Hint = string | { en: string; ru?: string };

export interface CompareOptions extends Partial<Tolerance> {
  /** What is compared, e.g. 'dW[1]' or 'gradF(x, y).dx'; it prefixes every message. */
  label?: string;
  /**
   * A hint the spec gives. A plain hint is appended to the message when the values differ;
   * a hint per reason (e.g. `{ shape: 'did you forget to transpose W?' }`) replaces the
   * generic hint of that reason.
   */
  usualCause?: Hint | Partial<Record<FailureReason, Hint>>;
  /** 'exact' (the default): the dtype must match; 'float-any': a float32 expectation also accepts int32. */
  dtype?: 'exact' | 'float-any';
  /** 'match' (default): NaN equals NaN at the same index; 'forbid': any NaN in the actual fails. ±Infinity must match exactly. */
  nan?: 'match' | 'forbid';
  /** Shapes must always match exactly (no squeeze, no broadcasting); the option only documents it. */
  broadcast?: false;
  /** The message language; default 'en'. */
  lang?: Lang;
}

export interface WorstEntry {
  index: number[];
  expected: number;
  actual: number;
  absError: number;
  /** |a − e| / max(|e|, atol); Infinity only when e = 0, atol = 0 and a ≠ 0 (or a non-finite mismatch). */
  relError: number;
}

/**
 * A heatmap of the relative error of a 2-D result, downsampled to at most 32×32 by taking the
 * maximum of each block. Values are |a − e| / max(|e|, atol), capped at `REL_ERROR_GRID_CAP`
 * (a NaN or Infinity mismatch shows as the cap). Row-major, rows·cols values.
 */
export interface RelErrorGrid {
  rows: number;
  cols: number;
  values: number[];
}

export const REL_ERROR_GRID_CAP = 1e6;
export const REL_ERROR_GRID_SIZE = 32;
export const WORST_COUNT = 5;

export interface ComparisonSuccess {
  ok: true;
  /** The largest |a − e| over entries where both are finite (0 when there are none). */
  maxAbsError: number;
  /** The largest |a − e| / max(|e|, atol) over entries where both are finite. */
  maxRelError: number;
}

export interface ComparisonFailure {
  ok: false;
  reason: FailureReason;
  /** A complete sentence for the student, in the requested language, prefixed by the label. */
  message: string;
  expectedShape?: number[];
  actualShape?: number[];
  maxAbsError?: number;
  maxRelError?: number;
  mismatched?: number;
  total?: number;
  /** The worst mismatched entries (at most 5), worst first. */
  worst?: WorstEntry[];
  relErrorGrid?: RelErrorGrid;
}

export type Comparison = ComparisonSuccess | ComparisonFailure;

/** A programming error on the trusted side: the expected value or the options are invalid. */
export class CompareSetupError extends Error {
  override readonly name = 'CompareSetupError';
}

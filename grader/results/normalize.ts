/**
 * The pure normaliser: turns whatever came back from a grading run (or a sandbox, or a bug)
 * into a valid `GradeResult`. It never throws. Every repair it makes is said in a
 * "[grader] …" line of the affected output, so nothing is fixed silently:
 *
 * - a raw value that is not an object → status 'error' with a message;
 * - unknown result or test statuses → 'error';
 * - NaN, ±Infinity, negative or non-numeric scores → 0; a score above max_score → max_score;
 * - the total is recomputed as the sum of the test scores (4 decimals), clamped to max_score;
 * - outputs longer than the limit (20,000 characters per test) are cut, non-string outputs
 *   are converted; `details` are made JSON-safe and bounded;
 * - unknown keys are dropped (the schema strips them).
 *
 * The context (from the trusted grader) wins over the raw value for assignment, max_score,
 * backend and, when given, grader_version, duration, commit and dataset.
 */
import { types } from 'node:util';
import { describeText } from '../compare/describe';
import { truncate } from '../compare/format';
import { errorText, safeIsArray, safeOwn } from '../compare/safe';
import { toJsonSafe } from './json-safe';
import {
  CompileErrorSchema,
  GradeResultSchema,
  GradescopeVisibilitySchema,
  LeaderboardEntrySchema,
  OutputFormatSchema,
  ResultStatusSchema,
  TestStatusSchema,
  VisibilitySchema,
  roundScore,
  type CompileError,
  type GradeResult,
  type JsonObject,
  type LeaderboardEntry,
  type ResultStatus,
  type TestResult,
  type Visibility,
} from './result-schema';
import { countEn } from '../util/plural';

export { toGradescope } from './gradescope';

export interface NormalizeLimits {
  /** Characters kept of one test's output (notes come on top). */
  testOutputChars: number;
  /** Characters kept of the top-level output. */
  outputChars: number;
  /** Tests kept. */
  maxTests: number;
  /** Characters of one test's `details` as JSON; larger details are replaced by a note. */
  detailsChars: number;
  /** Compile errors kept. */
  maxCompileErrors: number;
}

export const DEFAULT_NORMALIZE_LIMITS: Readonly<NormalizeLimits> = Object.freeze({
  testOutputChars: 20_000,
  outputChars: 50_000,
  maxTests: 1_000,
  detailsChars: 500_000,
  maxCompileErrors: 200,
});

export interface NormalizeContext {
  assignment: string;
  /** The assignment's points (from its spec); the result's max_score. */
  maxScore: number;
  backend: string;
  graderVersion?: string;
  durationMs?: number;
  commit?: string;
  dataset?: string;
  /** For tests without a valid visibility; default 'hidden' (never reveal by accident). */
  defaultVisibility?: Visibility;
  limits?: Partial<NormalizeLimits>;
}

const NOTE = '[grader]';
const NAME_CHARS = 500;

type Field = { present: false } | { present: true; value: unknown } | { present: true; unreadable: string };

/** An own field of an untrusted object; a throwing getter is reported, not thrown. */
function field(obj: object, key: string): Field {
  const read = safeOwn(obj, key);
  if (!read.ok) return { present: true, unreadable: read.error };
  if ('missing' in read || read.value === undefined) return { present: false };
  return { present: true, value: read.value };
}

function valueOf(f: Field): unknown {
  return f.present && 'value' in f ? f.value : undefined;
}

function isRecord(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const isArray = safeIsArray(value);
  return isArray.ok && !isArray.value;
}

function shortText(value: unknown): string {
  return describeText(value, 'en', 'value');
}

/** Cuts a text to `max` characters with a note saying how much there was. */
export function truncateOutput(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}\n… ${NOTE} output truncated: showing the first ${end.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters.`;
}

function withNotes(text: string, notes: readonly string[]): string {
  if (notes.length === 0) return text;
  const lines = notes.map((n) => `${NOTE} ${n}`).join('\n');
  return text === '' ? lines : `${text}\n${lines}`;
}

/** A string output from anything: strings as they are, other values as bounded JSON. */
function outputText(f: Field, notes: string[], what: string): string {
  if (!f.present) return '';
  if ('unreadable' in f) {
    notes.push(`${what} could not be read (${f.unreadable}).`);
    return '';
  }
  const value = f.value;
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    notes.push(`${what} was a ${typeof value}, not a string.`);
    return String(value);
  }
  notes.push(`${what} was not a string (${shortText(value)}); shown as JSON.`);
  const safe = toJsonSafe(value, { maxNodes: 2_000, maxStringChars: 2_000, maxArrayItems: 200 });
  try {
    return JSON.stringify(safe.value, null, 2) ?? '';
  } catch (error) {
    return `(${errorText(error)})`;
  }
}

function finiteNonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function describeNumber(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return shortText(value);
}

function optionalString(f: Field, max: number): string | undefined {
  const value = valueOf(f);
  return typeof value === 'string' ? truncate(value, max) : undefined;
}

function enumValue<T extends string>(f: Field, allowed: readonly T[]): T | undefined {
  const value = valueOf(f);
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** Items of an untrusted array (each read safely), at most `max`; undefined when not an array. */
function arrayItems(value: unknown, max: number): { items: Field[]; length: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const isArray = safeIsArray(value);
  if (!isArray.ok || !isArray.value) return undefined;
  const lengthField = field(value, 'length');
  const length = finiteNonNegative(valueOf(lengthField)) ?? 0;
  const items: Field[] = [];
  for (let i = 0; i < Math.min(length, max); i++) items.push(field(value, String(i)));
  return { items, length };
}

interface Context {
  assignment: string;
  maxScore: number | undefined;
  backend: string | undefined;
  graderVersion: string | undefined;
  durationMs: number | undefined;
  commit: string | undefined;
  dataset: string | undefined;
  defaultVisibility: Visibility;
  limits: NormalizeLimits;
}

const COMMIT = /^[0-9a-f]{4,64}$/i;

function readContext(context: unknown): Context {
  const c = isRecord(context) ? context : {};
  const str = (key: string, max: number) => {
    const v = valueOf(field(c, key));
    return typeof v === 'string' && v.trim() !== '' ? truncate(v, max) : undefined;
  };
  const limitsValue = valueOf(field(c, 'limits'));
  const limits: NormalizeLimits = { ...DEFAULT_NORMALIZE_LIMITS };
  if (isRecord(limitsValue)) {
    for (const key of Object.keys(DEFAULT_NORMALIZE_LIMITS) as Array<keyof NormalizeLimits>) {
      const v = valueOf(field(limitsValue, key));
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) limits[key] = v;
    }
  }
  const maxScore = finiteNonNegative(valueOf(field(c, 'maxScore')));
  const durationMs = finiteNonNegative(valueOf(field(c, 'durationMs')));
  const commit = str('commit', 64);
  const visibility = valueOf(field(c, 'defaultVisibility'));
  return {
    assignment: str('assignment', 200) ?? 'unknown',
    maxScore: maxScore === undefined ? undefined : roundScore(maxScore),
    backend: str('backend', 100),
    graderVersion: str('graderVersion', 100),
    durationMs: durationMs === undefined ? undefined : Math.round(durationMs),
    commit: commit !== undefined && COMMIT.test(commit) ? commit : undefined,
    dataset: str('dataset', 200),
    defaultVisibility: visibility === 'visible' ? 'visible' : 'hidden',
    limits,
  };
}

function normalizeTest(f: Field, index: number, ctx: Context): TestResult {
  const fallbackName = `test ${index + 1}`;
  const raw = valueOf(f);
  if (!isRecord(raw)) {
    const what = 'unreadable' in f ? `unreadable: ${f.unreadable}` : shortText(raw);
    return {
      name: fallbackName,
      score: 0,
      max_score: 0,
      status: 'error',
      visibility: ctx.defaultVisibility,
      output: withNotes('', [`This test's result was malformed (${what}); counted as an error with 0 points.`]),
    };
  }
  const notes: string[] = [];

  const nameValue = valueOf(field(raw, 'name'));
  let name = fallbackName;
  if (typeof nameValue === 'string' && nameValue.trim() !== '') name = truncate(nameValue, NAME_CHARS);
  else notes.push(`The test had no valid name (${shortText(nameValue)}); called "${fallbackName}".`);

  const maxField = field(raw, 'max_score');
  const maxValue = valueOf(maxField);
  let maxScore = finiteNonNegative(maxValue);
  if (maxScore === undefined) {
    notes.push(`max_score was ${'unreadable' in maxField ? 'unreadable' : describeNumber(maxValue)}; counted as 0.`);
    maxScore = 0;
  }
  maxScore = roundScore(maxScore);

  const scoreField = field(raw, 'score');
  const scoreValue = valueOf(scoreField);
  let score: number;
  if ('unreadable' in scoreField) {
    notes.push(`The score could not be read (${scoreField.unreadable}); counted as 0.`);
    score = 0;
  } else if (typeof scoreValue !== 'number') {
    notes.push(`The score was ${scoreField.present ? shortText(scoreValue) : 'missing'}; counted as 0.`);
    score = 0;
  } else if (Number.isNaN(scoreValue)) {
    notes.push('The score was NaN; counted as 0.');
    score = 0;
  } else if (!Number.isFinite(scoreValue)) {
    notes.push(`The score was ${scoreValue}; counted as 0.`);
    score = 0;
  } else if (scoreValue < 0) {
    notes.push(`The score was negative (${scoreValue}); counted as 0.`);
    score = 0;
  } else {
    score = roundScore(scoreValue);
    if (score > maxScore) {
      notes.push(`The score ${score} exceeded max_score ${maxScore}; clamped to ${maxScore}.`);
      score = maxScore;
    }
  }

  const statusField = field(raw, 'status');
  const statusValue = valueOf(statusField);
  let status = enumValue(statusField, TestStatusSchema.options);
  if (status === undefined) {
    notes.push(
      statusField.present
        ? `Unknown test status ${shortText(statusValue)} replaced by "error".`
        : 'The test had no status; counted as "error".',
    );
    status = 'error';
  }

  const visibilityField = field(raw, 'visibility');
  let visibility = enumValue(visibilityField, VisibilitySchema.options);
  if (visibility === undefined) {
    if (visibilityField.present) notes.push(`Unknown visibility ${shortText(valueOf(visibilityField))}; treated as "${ctx.defaultVisibility}".`);
    visibility = ctx.defaultVisibility;
  }

  const outputNotes: string[] = [];
  let output = outputText(field(raw, 'output'), outputNotes, 'The output');
  output = truncateOutput(output, ctx.limits.testOutputChars);

  const test: TestResult = { name, score, max_score: maxScore, status, visibility, output: '' };

  const numberValue = valueOf(field(raw, 'number'));
  if (typeof numberValue === 'string' && numberValue !== '') test.number = truncate(numberValue, 50);
  else if (typeof numberValue === 'number' && Number.isFinite(numberValue)) test.number = String(numberValue);

  const tags = arrayItems(valueOf(field(raw, 'tags')), 32);
  if (tags !== undefined) {
    const kept = tags.items.map(valueOf).filter((t): t is string => typeof t === 'string').map((t) => truncate(t, 100));
    if (kept.length > 0) test.tags = kept;
  }
  const nameFormat = enumValue(field(raw, 'name_format'), OutputFormatSchema.options);
  if (nameFormat !== undefined) test.name_format = nameFormat;
  const outputFormat = enumValue(field(raw, 'output_format'), OutputFormatSchema.options);
  if (outputFormat !== undefined) test.output_format = outputFormat;

  const extra = jsonObject(field(raw, 'extra_data'), ctx.limits.detailsChars, notes, 'extra_data');
  if (extra !== undefined) test.extra_data = extra;

  const detailsField = field(raw, 'details');
  if ('unreadable' in detailsField) {
    notes.push(`details could not be read (${detailsField.unreadable}); left out.`);
  } else if (detailsField.present) {
    const safe = toJsonSafe(detailsField.value);
    const size = jsonLength(safe.value);
    if (size > ctx.limits.detailsChars) {
      notes.push(`details were too large (${size.toLocaleString('en-US')} characters as JSON); left out.`);
      test.details = { truncated: true, chars: size };
    } else {
      test.details = safe.value;
      if (safe.problems.length > 0) notes.push(`details were repaired: ${safe.problems.slice(0, 3).join('; ')}.`);
    }
  }

  test.output = withNotes(output, [...outputNotes, ...notes]);
  return test;
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Infinity;
  }
}

function jsonObject(f: Field, maxChars: number, notes: string[], what: string): JsonObject | undefined {
  const value = valueOf(f);
  if (!isRecord(value)) return undefined;
  const safe = toJsonSafe(value);
  if (typeof safe.value !== 'object' || safe.value === null || Array.isArray(safe.value)) return undefined;
  if (jsonLength(safe.value) > maxChars) {
    notes.push(`${what} was too large; left out.`);
    return undefined;
  }
  return safe.value;
}

function normalizeCompileError(f: Field): CompileError | undefined {
  const raw = valueOf(f);
  if (!isRecord(raw)) return undefined;
  const message = valueOf(field(raw, 'message'));
  if (typeof message !== 'string') return undefined;
  const position = (key: string) => {
    const v = finiteNonNegative(valueOf(field(raw, key)));
    return v === undefined ? 0 : Math.floor(v);
  };
  const file = valueOf(field(raw, 'file'));
  const code = valueOf(field(raw, 'code'));
  const entry: CompileError = {
    file: typeof file === 'string' ? truncate(file, 500) : '.',
    line: position('line'),
    column: position('column'),
    code: typeof code === 'string' ? truncate(code, 100) : '',
    message: truncate(message, 5000),
  };
  const sourceLine = valueOf(field(raw, 'sourceLine'));
  if (typeof sourceLine === 'string') entry.sourceLine = truncate(sourceLine, 1000);
  const severity = enumValue(field(raw, 'severity'), ['error', 'warning'] as const);
  if (severity !== undefined) entry.severity = severity;
  return CompileErrorSchema.safeParse(entry).success ? entry : undefined;
}

function normalizeLeaderboard(f: Field): LeaderboardEntry[] | undefined {
  const list = arrayItems(valueOf(f), 50);
  if (list === undefined) return undefined;
  const out: LeaderboardEntry[] = [];
  for (const item of list.items) {
    const raw = valueOf(item);
    if (!isRecord(raw)) continue;
    const entry = {
      name: valueOf(field(raw, 'name')),
      value: valueOf(field(raw, 'value')),
      ...(field(raw, 'order').present ? { order: valueOf(field(raw, 'order')) } : {}),
    };
    const parsed = LeaderboardEntrySchema.safeParse(entry);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

function baseResult(ctx: Context, status: ResultStatus, output: string): GradeResult {
  return {
    assignment: ctx.assignment,
    status,
    score: 0,
    max_score: ctx.maxScore ?? 0,
    backend: ctx.backend ?? 'unknown',
    duration_ms: ctx.durationMs ?? 0,
    grader_version: ctx.graderVersion ?? 'unknown',
    tests: [],
    output,
    ...(ctx.commit !== undefined ? { commit: ctx.commit } : {}),
    ...(ctx.dataset !== undefined ? { dataset: ctx.dataset } : {}),
  };
}

/** The last resort: a minimal 'error' result built from constants and the safe context. */
function fallback(context: unknown, why: string): GradeResult {
  try {
    const ctx = readContext(context);
    return { ...baseResult(ctx, 'error', `${NOTE} The grader could not build a result: ${truncate(why, 2000)}`) };
  } catch {
    return {
      assignment: 'unknown',
      status: 'error',
      score: 0,
      max_score: 0,
      backend: 'unknown',
      duration_ms: 0,
      grader_version: 'unknown',
      tests: [],
      output: `${NOTE} The grader could not build a result.`,
    };
  }
}

/**
 * Turns anything into a valid GradeResult (see the file comment for the rules). Pure and
 * deterministic: the same input gives the same output. Never throws.
 */
export function normalizeResult(raw: unknown, context: NormalizeContext): GradeResult {
  try {
    const result = normalizeUnchecked(raw, readContext(context));
    const parsed = GradeResultSchema.safeParse(result);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    return fallback(context, `the normalised result did not validate (${issues.join('; ')})`);
  } catch (error) {
    return fallback(context, errorText(error));
  }
}

function normalizeUnchecked(raw: unknown, ctx: Context): GradeResult {
  if (!isRecord(raw) || types.isNativeError(raw) || types.isPromise(raw)) {
    return baseResult(ctx, 'error', `${NOTE} The grader produced no result object (got ${shortText(raw)}).`);
  }
  const notes: string[] = [];

  const statusField = field(raw, 'status');
  let status = enumValue(statusField, ResultStatusSchema.options);
  if (status === undefined) {
    notes.push(
      statusField.present
        ? `Unknown result status ${shortText(valueOf(statusField))} replaced by "error".`
        : 'The result had no status; counted as "error".',
    );
    status = 'error';
  }

  const result = baseResult(ctx, status, '');
  if (ctx.backend === undefined) {
    const backend = optionalString(field(raw, 'backend'), 100);
    if (backend !== undefined && backend.trim() !== '') result.backend = backend;
  }
  if (ctx.graderVersion === undefined) {
    const version = optionalString(field(raw, 'grader_version'), 100);
    if (version !== undefined && version.trim() !== '') result.grader_version = version;
  }
  if (ctx.durationMs === undefined) {
    const duration = finiteNonNegative(valueOf(field(raw, 'duration_ms')));
    if (duration !== undefined) result.duration_ms = Math.round(duration);
  }
  if (ctx.commit === undefined) {
    const commit = optionalString(field(raw, 'commit'), 64);
    if (commit !== undefined && COMMIT.test(commit)) result.commit = commit;
    else if (commit !== undefined) notes.push(`The commit ${shortText(commit)} is not a hex SHA; left out.`);
  }
  if (ctx.dataset === undefined) {
    const dataset = optionalString(field(raw, 'dataset'), 200);
    if (dataset !== undefined) result.dataset = dataset;
  }
  const peakMemory = finiteNonNegative(valueOf(field(raw, 'peak_memory_kb')));
  if (peakMemory !== undefined) result.peak_memory_kb = Math.round(peakMemory);

  // Tests.
  const testsField = field(raw, 'tests');
  const list = 'unreadable' in testsField ? undefined : arrayItems(valueOf(testsField), ctx.limits.maxTests);
  if (list === undefined) {
    if ('unreadable' in testsField) notes.push(`The tests could not be read (${testsField.unreadable}).`);
    else if (testsField.present) notes.push(`The tests were not a list (${shortText(valueOf(testsField))}).`);
    else if (status === 'graded') notes.push('The result had no tests.');
    if (status === 'graded') {
      notes.push('A graded result needs its tests; status set to "error".');
      result.status = status = 'error';
    }
  } else if (list.length > list.items.length) {
    notes.push(`Only the first ${list.items.length} of ${list.length} tests were kept.`);
  }
  result.tests = (list?.items ?? []).map((item, i) => normalizeTest(item, i, ctx));

  if (status === 'compile_error' || status === 'missing') {
    for (const test of result.tests) {
      if (test.score > 0) {
        test.output = withNotes(test.output, [`A ${status === 'missing' ? 'missing' : 'non-compiling'} submission earns no points; score ${test.score} set to 0.`]);
        test.score = 0;
      }
    }
  }

  // Scores.
  const testMax = roundScore(result.tests.reduce((s, t) => s + t.max_score, 0));
  if (ctx.maxScore === undefined) {
    const rawMax = finiteNonNegative(valueOf(field(raw, 'max_score')));
    result.max_score = rawMax !== undefined ? roundScore(rawMax) : testMax;
  } else {
    const rawMax = valueOf(field(raw, 'max_score'));
    if (typeof rawMax === 'number' && Math.abs(rawMax - ctx.maxScore) > 1e-4) {
      notes.push(`The reported max_score ${rawMax} differs from the assignment's ${ctx.maxScore}; using ${ctx.maxScore}.`);
    }
  }
  let total = roundScore(result.tests.reduce((s, t) => s + t.score, 0));
  if (total > result.max_score) {
    notes.push(`The test scores add up to ${total}, more than max_score ${result.max_score}; clamped.`);
    total = result.max_score;
  }
  const rawScore = valueOf(field(raw, 'score'));
  if (typeof rawScore === 'number' && !(Math.abs(rawScore - total) <= 1e-4)) {
    notes.push(`The reported total ${String(rawScore)} was replaced by the sum of the test scores, ${total}.`);
  }
  result.score = total;

  // Gradescope's optional fields.
  const outputFormat = enumValue(field(raw, 'output_format'), OutputFormatSchema.options);
  if (outputFormat !== undefined) result.output_format = outputFormat;
  const testOutputFormat = enumValue(field(raw, 'test_output_format'), OutputFormatSchema.options);
  if (testOutputFormat !== undefined) result.test_output_format = testOutputFormat;
  const testNameFormat = enumValue(field(raw, 'test_name_format'), OutputFormatSchema.options);
  if (testNameFormat !== undefined) result.test_name_format = testNameFormat;
  const executionTime = finiteNonNegative(valueOf(field(raw, 'execution_time')));
  if (executionTime !== undefined) result.execution_time = executionTime;
  const visibility = enumValue(field(raw, 'visibility'), GradescopeVisibilitySchema.options);
  if (visibility !== undefined) result.visibility = visibility;
  const stdoutVisibility = enumValue(field(raw, 'stdout_visibility'), GradescopeVisibilitySchema.options);
  if (stdoutVisibility !== undefined) result.stdout_visibility = stdoutVisibility;
  const extra = jsonObject(field(raw, 'extra_data'), ctx.limits.detailsChars, notes, 'extra_data');
  if (extra !== undefined) result.extra_data = extra;
  const leaderboard = normalizeLeaderboard(field(raw, 'leaderboard'));
  if (leaderboard !== undefined && leaderboard.length > 0) result.leaderboard = leaderboard;

  // Compile errors.
  const compileField = field(raw, 'compile_errors');
  const compileList = arrayItems(valueOf(compileField), ctx.limits.maxCompileErrors);
  if (compileList !== undefined) {
    const kept = compileList.items.map(normalizeCompileError).filter((e): e is CompileError => e !== undefined);
    const dropped = compileList.items.length - kept.length;
    if (dropped > 0) notes.push(`${countEn(dropped, 'malformed compile error', 'malformed compile errors')} left out.`);
    if (compileList.length > compileList.items.length) {
      notes.push(`Only the first ${compileList.items.length} of ${compileList.length} compile errors were kept.`);
    }
    result.compile_errors = kept;
  } else if (compileField.present) {
    notes.push('compile_errors was not a list; left out.');
  }

  // The top-level output, with every note about the whole result.
  const outputNotes: string[] = [];
  const output = truncateOutput(outputText(field(raw, 'output'), outputNotes, 'The output'), ctx.limits.outputChars);
  const text = withNotes(output, [...outputNotes, ...notes]);
  if (text !== '') result.output = text;
  else delete result.output;
  return result;
}

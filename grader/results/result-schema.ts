/**
 * The result JSON (a contract: see DESIGN.md, "Result JSON"): what `grader grade --json`
 * prints, what the store keeps and what reports are rendered from. A superset of
 * Gradescope's results.json: the Gradescope fields keep their names and meanings, our own
 * fields are added beside them.
 *
 * Unknown keys are dropped when parsing (zod's default), so a stored result never carries
 * more than this file describes. `normalizeResult` turns anything into a value that parses.
 */
import { z } from 'zod';

/** A JSON value: no NaN/Infinity, no undefined, no functions. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number().finite(),
    z.string(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);

export const JsonObjectSchema = z.record(z.string(), JsonValueSchema);
export type JsonObject = z.infer<typeof JsonObjectSchema>;

/** The whole result: graded, or why not (our code failed / the submission could not be graded). */
export const ResultStatusSchema = z.enum(['graded', 'compile_error', 'missing', 'error']);
export type ResultStatus = z.infer<typeof ResultStatusSchema>;

/** One test: `error` = student code threw; `timeout`; `killed` = memory or another limit. */
export const TestStatusSchema = z.enum(['passed', 'failed', 'error', 'timeout', 'killed']);
export type TestStatus = z.infer<typeof TestStatusSchema>;

export const VisibilitySchema = z.enum(['visible', 'hidden']);
export type Visibility = z.infer<typeof VisibilitySchema>;

/** Gradescope's visibility values (for its optional top-level and stdout settings). */
export const GradescopeVisibilitySchema = z.enum(['hidden', 'after_due_date', 'after_published', 'visible']);
export type GradescopeVisibility = z.infer<typeof GradescopeVisibilitySchema>;

/** Gradescope's output string formats. */
export const OutputFormatSchema = z.enum(['text', 'html', 'simple_format', 'md', 'ansi']);
export type OutputFormat = z.infer<typeof OutputFormatSchema>;

const score = z.number().finite().nonnegative();

export const TestResultSchema = z
  .object({
    name: z.string().min(1).max(500),
    score,
    max_score: score,
    status: TestStatusSchema,
    visibility: VisibilitySchema,
    /** What the student reads: what was checked, what differed, the usual cause. */
    output: z.string(),
    // Gradescope's optional test fields.
    number: z.string().max(50).optional(),
    tags: z.array(z.string().max(100)).max(32).optional(),
    name_format: OutputFormatSchema.optional(),
    output_format: OutputFormatSchema.optional(),
    extra_data: JsonObjectSchema.optional(),
    // Ours: free-form data for the HTML report (comparisons, chart data).
    details: JsonValueSchema.optional(),
  })
  .refine((t) => t.score <= t.max_score, { message: 'a test score exceeds its max_score', path: ['score'] });
export type TestResult = z.infer<typeof TestResultSchema>;

export const CompileErrorSchema = z.object({
  /** Relative to the assignment folder; '.' for the folder itself. */
  file: z.string().max(500),
  /** 1-based; 0 when the diagnostic concerns a whole file. */
  line: z.number().int().nonnegative(),
  /** 1-based in UTF-16 code units; 0 when `line` is 0. */
  column: z.number().int().nonnegative(),
  /** 'TS2322', 'ESBUILD', a contract code. */
  code: z.string().max(100),
  message: z.string().max(5000),
  sourceLine: z.string().max(1000).optional(),
  /** Warnings are reported with status 'graded'. */
  severity: z.enum(['error', 'warning']).optional(),
});
export type CompileError = z.infer<typeof CompileErrorSchema>;

export const LeaderboardEntrySchema = z.object({
  name: z.string().min(1).max(100),
  value: z.union([z.number().finite(), z.string().max(100)]),
  order: z.enum(['asc', 'desc']).optional(),
});
export type LeaderboardEntry = z.infer<typeof LeaderboardEntrySchema>;

/** Rounds to 4 decimals, the precision of every score in a result. */
export function roundScore(x: number): number {
  const r = Math.round(x * 1e4) / 1e4;
  return r === 0 ? 0 : r; // no -0
}

export const GradeResultSchema = z
  .object({
    assignment: z.string().min(1).max(200),
    status: ResultStatusSchema,
    /** The sum of the test scores (clamped to max_score). */
    score,
    max_score: score,
    /** The tensor backend that graded: 'tensorflow', 'wasm' or 'cpu'. */
    backend: z.string().min(1).max(100),
    duration_ms: z.number().int().nonnegative(),
    grader_version: z.string().min(1).max(100),
    tests: z.array(TestResultSchema),
    // Gradescope's optional top-level fields.
    output: z.string().optional(),
    output_format: OutputFormatSchema.optional(),
    test_output_format: OutputFormatSchema.optional(),
    test_name_format: OutputFormatSchema.optional(),
    /** Seconds (Gradescope's unit). */
    execution_time: z.number().finite().nonnegative().optional(),
    visibility: GradescopeVisibilitySchema.optional(),
    stdout_visibility: GradescopeVisibilitySchema.optional(),
    extra_data: JsonObjectSchema.optional(),
    leaderboard: z.array(LeaderboardEntrySchema).max(50).optional(),
    // Ours.
    dataset: z.string().max(200).optional(),
    /** The graded commit (hex SHA-1 or SHA-256, possibly abbreviated). */
    commit: z.string().regex(/^[0-9a-f]{4,64}$/i).optional(),
    compile_errors: z.array(CompileErrorSchema).optional(),
    /** The largest resident memory of the processes that ran the student's code, KiB. */
    peak_memory_kb: z.number().int().nonnegative().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.score > r.max_score) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['score'], message: 'score exceeds max_score' });
    }
    const sum = roundScore(r.tests.reduce((s, t) => s + t.score, 0));
    const expected = Math.min(sum, r.max_score);
    if (Math.abs(r.score - expected) > 1e-3) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['score'],
        message: `score ${r.score} is not the sum of the test scores (${expected})`,
      });
    }
  });
export type GradeResult = z.infer<typeof GradeResultSchema>;

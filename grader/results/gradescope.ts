/**
 * Our result as exactly Gradescope's results.json: only the fields Gradescope defines
 * (https://gradescope-autograders.readthedocs.io/en/latest/specs/), with our extras moved
 * into its free-form `extra_data`. Gradescope knows only 'passed' and 'failed' for a test,
 * so error/timeout/killed become 'failed' with the reason written first in the output.
 */
import { z } from 'zod';
import {
  GradescopeVisibilitySchema,
  JsonObjectSchema,
  LeaderboardEntrySchema,
  OutputFormatSchema,
  type GradeResult,
  type JsonObject,
  type TestResult,
} from './result-schema';

export const GradescopeTestSchema = z
  .object({
    score: z.number().finite(),
    max_score: z.number().finite(),
    status: z.enum(['passed', 'failed']),
    name: z.string(),
    name_format: OutputFormatSchema.optional(),
    number: z.string().optional(),
    output: z.string(),
    output_format: OutputFormatSchema.optional(),
    tags: z.array(z.string()).optional(),
    visibility: GradescopeVisibilitySchema,
    extra_data: JsonObjectSchema.optional(),
  })
  .strict();
export type GradescopeTest = z.infer<typeof GradescopeTestSchema>;

export const GradescopeResultSchema = z
  .object({
    score: z.number().finite(),
    execution_time: z.number().finite().nonnegative().optional(),
    output: z.string().optional(),
    output_format: OutputFormatSchema.optional(),
    test_output_format: OutputFormatSchema.optional(),
    test_name_format: OutputFormatSchema.optional(),
    visibility: GradescopeVisibilitySchema.optional(),
    stdout_visibility: GradescopeVisibilitySchema.optional(),
    extra_data: JsonObjectSchema.optional(),
    tests: z.array(GradescopeTestSchema),
    leaderboard: z.array(LeaderboardEntrySchema.strict()).optional(),
  })
  .strict();
export type GradescopeResult = z.infer<typeof GradescopeResultSchema>;

const STATUS_LINE: Record<Exclude<TestResult['status'], 'passed' | 'failed'>, string> = {
  error: 'Error: the code threw an exception.',
  timeout: 'Timeout: the time limit was reached.',
  killed: 'Killed: a memory or resource limit was exceeded.',
};

const RESULT_LINE: Record<Exclude<GradeResult['status'], 'graded'>, string> = {
  compile_error: 'The submission did not compile.',
  missing: 'The assignment folder is missing from the submission.',
  error: 'The grader failed on this submission (not your fault); please tell the instructors.',
};

function testToGradescope(t: TestResult): GradescopeTest {
  let output = t.output;
  if (t.status !== 'passed' && t.status !== 'failed') {
    const line = STATUS_LINE[t.status];
    output = output === '' ? line : `${line}\n${output}`;
  }
  const extra: JsonObject = { ...(t.extra_data ?? {}), status: t.status };
  if (t.details !== undefined) extra.details = t.details;
  return {
    score: t.score,
    max_score: t.max_score,
    status: t.status === 'passed' ? 'passed' : 'failed',
    name: t.name,
    ...(t.name_format !== undefined ? { name_format: t.name_format } : {}),
    ...(t.number !== undefined ? { number: t.number } : {}),
    output,
    ...(t.output_format !== undefined ? { output_format: t.output_format } : {}),
    ...(t.tags !== undefined ? { tags: [...t.tags] } : {}),
    visibility: t.visibility,
    extra_data: extra,
  };
}

function compileErrorsText(result: GradeResult): string | undefined {
  const errors = result.compile_errors ?? [];
  if (errors.length === 0 || (result.output ?? '').includes(`${errors[0].file}:${errors[0].line}`)) return undefined;
  return errors
    .slice(0, 20)
    .map((e) => {
      const where = e.line > 0 ? `${e.file}:${e.line}:${e.column} - ` : e.file !== '.' ? `${e.file} - ` : '';
      return `${where}${e.severity ?? 'error'} ${e.code}: ${e.message}`;
    })
    .join('\n');
}

/** The result as Gradescope's results.json (a new object; the input is not changed). */
export function toGradescope(result: GradeResult): GradescopeResult {
  const parts: string[] = [];
  if (result.status !== 'graded') parts.push(RESULT_LINE[result.status]);
  if (result.output !== undefined && result.output !== '') parts.push(result.output);
  const compileText = compileErrorsText(result);
  if (compileText !== undefined) parts.push(compileText);

  const extra: JsonObject = {
    ...(result.extra_data ?? {}),
    assignment: result.assignment,
    status: result.status,
    max_score: result.max_score,
    backend: result.backend,
    grader_version: result.grader_version,
    duration_ms: result.duration_ms,
    ...(result.dataset !== undefined ? { dataset: result.dataset } : {}),
    ...(result.commit !== undefined ? { commit: result.commit } : {}),
  };

  return {
    score: result.score,
    execution_time: result.execution_time ?? Math.round(result.duration_ms) / 1000,
    ...(parts.length > 0 ? { output: parts.join('\n\n') } : {}),
    ...(result.output_format !== undefined ? { output_format: result.output_format } : {}),
    ...(result.test_output_format !== undefined ? { test_output_format: result.test_output_format } : {}),
    ...(result.test_name_format !== undefined ? { test_name_format: result.test_name_format } : {}),
    ...(result.visibility !== undefined ? { visibility: result.visibility } : {}),
    ...(result.stdout_visibility !== undefined ? { stdout_visibility: result.stdout_visibility } : {}),
    extra_data: extra,
    tests: result.tests.map(testToGradescope),
    ...(result.leaderboard !== undefined ? { leaderboard: result.leaderboard.map((e) => ({ ...e })) } : {}),
  };
}

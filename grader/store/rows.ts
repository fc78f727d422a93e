/** The stored rows, as zod schemas: what comes out of SQLite is parsed, never cast. */
import { z } from 'zod';

export const SubmissionSourceSchema = z.enum(['github', 'gitlab', 'gitea', 'forgejo', 'poll', 'manual']);
export type SubmissionSource = z.infer<typeof SubmissionSourceSchema>;

export const SubmissionStateSchema = z.enum(['received', 'prepared', 'failed']);
export type SubmissionState = z.infer<typeof SubmissionStateSchema>;

const notes = z.string().transform((s, ctx) => {
  try {
    const parsed = z.array(z.string()).safeParse(JSON.parse(s));
    if (parsed.success) return parsed.data;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'notes is not a JSON array of strings' });
  return z.NEVER;
});

export const SubmissionRowSchema = z.object({
  id: z.number().int(),
  student_id: z.string(),
  commit_sha: z.string(),
  branch: z.string(),
  source: SubmissionSourceSchema,
  delivery_id: z.string().nullable(),
  received_at: z.number().int(),
  state: SubmissionStateSchema,
  attempts: z.number().int(),
  available_at: z.number().int(),
  prepared_at: z.number().int().nullable(),
  fetch_ms: z.number().int().nullable(),
  notes,
  error: z.string().nullable(),
  error_code: z.string().nullable(),
});
export type SubmissionRow = z.infer<typeof SubmissionRowSchema>;

export const JobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'superseded']);
export type JobState = z.infer<typeof JobStateSchema>;

export const JobRowSchema = z.object({
  id: z.number().int(),
  submission_id: z.number().int(),
  student_id: z.string(),
  assignment_id: z.string(),
  commit_sha: z.string(),
  tree_sha: z.string(),
  received_at: z.number().int(),
  days_late: z.number().int(),
  state: JobStateSchema,
  attempts: z.number().int(),
  interruptions: z.number().int(),
  available_at: z.number().int(),
  created_at: z.number().int(),
  started_at: z.number().int().nullable(),
  finished_at: z.number().int().nullable(),
  runner: z.string().nullable(),
  superseded_by: z.number().int().nullable(),
  error_code: z.string().nullable(),
  error: z.string().nullable(),
});
export type JobRow = z.infer<typeof JobRowSchema>;

export const AttemptRowSchema = z.object({
  id: z.number().int(),
  submission_id: z.number().int(),
  student_id: z.string(),
  assignment_id: z.string(),
  commit_sha: z.string(),
  tree_sha: z.string(),
  received_at: z.number().int(),
  accepted: z.number().int().transform((n) => n !== 0),
});
export type AttemptRow = z.infer<typeof AttemptRowSchema>;

export const ResultRowSchema = z.object({
  id: z.number().int(),
  job_id: z.number().int(),
  submission_id: z.number().int(),
  student_id: z.string(),
  assignment_id: z.string(),
  commit_sha: z.string(),
  tree_sha: z.string(),
  received_at: z.number().int(),
  status: z.string(),
  score: z.number(),
  max_score: z.number(),
  days_late: z.number().int(),
  penalty_percent: z.number(),
  final_score: z.number(),
  backend: z.string(),
  dataset: z.string().nullable(),
  grader_version: z.string(),
  worker: z.string(),
  queue_ms: z.number().int(),
  fetch_ms: z.number().int().nullable(),
  export_ms: z.number().int().nullable(),
  grade_ms: z.number().int().nullable(),
  total_ms: z.number().int(),
  stored_at: z.number().int(),
  result_json: z.string(),
});
export type ResultRow = z.infer<typeof ResultRowSchema>;

export const ResultHistoryRowSchema = z.object({
  id: z.number().int(),
  result_id: z.number().int(),
  job_id: z.number().int(),
  student_id: z.string(),
  assignment_id: z.string(),
  status: z.string(),
  score: z.number(),
  max_score: z.number(),
  final_score: z.number(),
  grader_version: z.string(),
  stored_at: z.number().int(),
  replaced_at: z.number().int(),
  reason: z.string(),
  result_json: z.string(),
});
export type ResultHistoryRow = z.infer<typeof ResultHistoryRowSchema>;

export const ScoreOverrideRowSchema = z.object({
  id: z.number().int(),
  job_id: z.number().int(),
  student_id: z.string(),
  assignment_id: z.string(),
  score: z.number().nullable(),
  comment: z.string(),
  created_by: z.string(),
  created_at: z.number().int(),
});
export type ScoreOverrideRow = z.infer<typeof ScoreOverrideRowSchema>;

export const HiddenReleaseRowSchema = z.object({
  assignment_id: z.string(),
  released_at: z.number().int(),
  released_by: z.string(),
});
export type HiddenReleaseRow = z.infer<typeof HiddenReleaseRowSchema>;

export const BranchHeadRowSchema = z.object({
  student_id: z.string(),
  commit_sha: z.string().nullable(),
  checked_at: z.number().int(),
  error: z.string().nullable(),
});
export type BranchHeadRow = z.infer<typeof BranchHeadRowSchema>;

export function parseRow<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, row: unknown, what: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    throw new Error(`a stored ${what} row does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function findRow<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, row: unknown, what: string): T | undefined {
  return row === undefined ? undefined : parseRow(schema, row, what);
}

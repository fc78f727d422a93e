/**
 * One grading job, the same wherever it runs (the server's own pool or a `grader worker`
 * on another machine): fetch the exact commit into the student's cached repository, export
 * the assignment folder into a fresh folder of its own, grade it in a child process, clean
 * up. Every failure becomes an outcome saying whether another try may pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RepoError } from '../repo/repo-errors';
import type { RepoCache } from '../repo/repo-cache';
import { BACKEND_NAMES, type BackendName } from '../tensors/backend';
import { GradeChildError, type Grader } from './grade-child';
import type { JobProgress } from './job-progress';

/** What a job needs to know; crosses Redis in the scale-out mode. */
export const GradeJobPayloadSchema = z.object({
  jobId: z.number().int().positive(),
  /** Which start of the job this is (1 = first). */
  attempt: z.number().int().positive(),
  studentId: z.string().min(1),
  /** Empty when the student is no longer in the roster. */
  repoUrl: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
  assignmentId: z.string().min(1),
  treeSha: z.string().min(1),
  /** The commit's key for hidden tests' inputs, made from the course secret by the server. */
  hiddenInputsKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  backend: z.enum(BACKEND_NAMES).optional(),
  /** The language of the result's messages (the course's). */
  lang: z.enum(['en', 'ru']).default('en'),
});
export type GradeJobPayload = z.input<typeof GradeJobPayloadSchema>;

export const JobTimingsSchema = z.object({
  fetchMs: z.number().int().nonnegative(),
  exportMs: z.number().int().nonnegative(),
  gradeMs: z.number().int().nonnegative(),
});
export type JobTimings = z.infer<typeof JobTimingsSchema>;

export const JobOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('graded'),
    /** The engine's result JSON, validated (and normalised if need be) by the store's side. */
    result: z.unknown(),
    /** What the export left out (symlinks, submodules, oversized files). */
    notes: z.array(z.string()),
    timings: JobTimingsSchema,
  }),
  z.object({
    kind: z.literal('failed'),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
  }),
]);
export type JobOutcome = z.infer<typeof JobOutcomeSchema>;

export interface GradeJobContext {
  repos: RepoCache;
  /** Fresh per-job folders are made here. */
  workRoot: string;
  maxFolderBytes: number;
  catalogueRoot?: string;
  backend?: BackendName;
  insecureNoSandbox: boolean;
  /** The grading processes (a warm pool; see grade-child.ts). */
  grader: Grader;
  /** A safety net above the engine's own limits. */
  gradeTimeoutMs: number;
}

function failed(code: string, message: string, retryable: boolean): JobOutcome {
  return { kind: 'failed', code, message, retryable };
}

export async function runGradeJob(
  payload: GradeJobPayload,
  ctx: GradeJobContext,
  signal?: AbortSignal,
  onProgress?: (progress: JobProgress) => void,
): Promise<JobOutcome> {
  if (payload.repoUrl === '') return failed('NOT_IN_ROSTER', `student '${payload.studentId}' is no longer in the roster`, false);
  const source = { studentId: payload.studentId, url: payload.repoUrl };
  const t0 = Date.now();
  try {
    await ctx.repos.ensureCommit(source, payload.commit);
  } catch (err) {
    if (err instanceof RepoError) return failed(err.code, err.message, err.retryable);
    throw err;
  }
  const t1 = Date.now();
  fs.mkdirSync(ctx.workRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(ctx.workRoot, `job-${payload.jobId}-`));
  try {
    let notes: string[];
    try {
      notes = (await ctx.repos.exportFolder(source, payload.commit, payload.assignmentId, dir, { maxBytes: ctx.maxFolderBytes })).notes;
    } catch (err) {
      if (err instanceof RepoError) return failed(err.code, err.message, err.retryable);
      throw err;
    }
    const t2 = Date.now();
    const backend = payload.backend ?? ctx.backend;
    let result: unknown;
    try {
      result = await ctx.grader.grade(
        {
          type: 'grade',
          assignmentId: payload.assignmentId,
          submissionDir: dir,
          commit: payload.commit,
          ...(payload.hiddenInputsKey !== undefined ? { hiddenInputsKey: payload.hiddenInputsKey } : {}),
          lang: payload.lang ?? 'en',
          insecureNoSandbox: ctx.insecureNoSandbox,
          ...(ctx.catalogueRoot !== undefined ? { catalogueRoot: ctx.catalogueRoot } : {}),
          ...(backend !== undefined ? { backend } : {}),
        },
        { timeoutMs: ctx.gradeTimeoutMs, ...(signal !== undefined ? { signal } : {}), ...(onProgress !== undefined ? { onProgress } : {}) },
      );
    } catch (err) {
      if (err instanceof GradeChildError) return failed(err.code, err.message, err.retryable);
      throw err;
    }
    const t3 = Date.now();
    return { kind: 'graded', result, notes, timings: { fetchMs: t1 - t0, exportMs: t2 - t1, gradeMs: t3 - t2 } };
  } catch (err) {
    return failed('GRADER_ERROR', `the grader failed: ${err instanceof Error ? err.message : String(err)}`, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

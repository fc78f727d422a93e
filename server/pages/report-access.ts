/**
 * Finding a report for a viewer: an instructor sees any job; a student (through their
 * secret link) only their own, and answers for anything else are the same 404 as for a job
 * that does not exist.
 */
import type { StudentConfig } from '../../grader/config/course-config-schema';
import { GradeResultSchema, type GradeResult } from '../../grader/results/result-schema';
import type { JobRow, ResultRow } from '../../grader/store/rows';
import type { AppContext } from '../app';

export type Viewer = { kind: 'instructor' } | { kind: 'student'; student: StudentConfig; secret: string };

export interface ReportRecord {
  job: JobRow;
  result?: ResultRow;
  parsed?: GradeResult;
}

export function findReport(ctx: AppContext, viewer: Viewer, jobIdText: string): ReportRecord | undefined {
  if (!/^\d{1,12}$/.test(jobIdText)) return undefined;
  const job = ctx.service.queue.findJob(Number(jobIdText));
  if (job === undefined) return undefined;
  if (viewer.kind === 'student' && job.student_id !== viewer.student.id) return undefined;
  const result = ctx.service.store.findResultForJob(job.id);
  if (result === undefined) return { job };
  let parsed: GradeResult | undefined;
  try {
    const p = GradeResultSchema.safeParse(JSON.parse(result.result_json));
    if (p.success) parsed = p.data;
  } catch {
    parsed = undefined;
  }
  return { job, result, ...(parsed !== undefined ? { parsed } : {}) };
}

/** Hidden tests are shown to students once released. */
export function hiddenReleased(ctx: AppContext, assignmentId: string): boolean {
  return ctx.records.releases().has(assignmentId);
}

export function basePath(viewer: Viewer): string {
  return viewer.kind === 'student' ? `/s/${viewer.secret}` : '';
}

/**
 * Finding a report for a viewer: an instructor sees any job; a student (through their
 * secret link) only their own, and answers for anything else are the same 404 as for a job
 * that does not exist.
 */
import type { StudentConfig } from '../../grader/config/course-config-schema';
import { GradeResultSchema, type GradeResult } from '../../grader/results/result-schema';
import { getAssignment } from '../../grader/spec/discover';
import type { JobRow, ResultRow } from '../../grader/store/rows';
import type { Request, Response } from 'express';
import type { AppContext } from '../app';
import type { PlannedTest } from './live-feed';
import { notFound } from './page-context';

export type Viewer = { kind: 'instructor' } | { kind: 'student'; student: StudentConfig; secret: string };

export interface ReportRecord {
  job: JobRow;
  result?: ResultRow;
  parsed?: GradeResult;
}

export type ViewerOf = (req: Request, res: Response) => Viewer | undefined;

/** The report a request asks for and may see; otherwise answers 404 and returns undefined. */
export function reportFor(ctx: AppContext, viewerOf: ViewerOf, req: Request, res: Response): { viewer: Viewer; record: ReportRecord } | undefined {
  const viewer = viewerOf(req, res);
  const record = viewer === undefined ? undefined : findReport(ctx, viewer, String(req.params.job));
  if (viewer === undefined || record === undefined) {
    notFound(req, res, ctx);
    return undefined;
  }
  return { viewer, record };
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

/** The assignment's tests in the spec's order; none when the spec cannot be loaded. */
export function plannedTests(ctx: AppContext, assignmentId: string): PlannedTest[] {
  try {
    return getAssignment(assignmentId, ctx.config.catalogueRoot).spec.tests.map((t) => ({ name: t.name, visibility: t.visibility, points: t.points }));
  } catch {
    return [];
  }
}

export function basePath(viewer: Viewer): string {
  return viewer.kind === 'student' ? `/s/${viewer.secret}` : '';
}

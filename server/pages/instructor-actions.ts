/**
 * The instructors' POST actions (all behind the session and the CSRF check): regrade one
 * job or a whole assignment, override a score with a comment, release hidden tests. Each
 * answers with a redirect to the page it came from (post/redirect/get), carrying a notice.
 * Each records who did it: the signed-in person's name (auth/staff.ts).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { findAssignment } from '../../grader/config/load-course-config';
import type { AppContext } from '../app';
import { actingName } from '../auth/staff';
import { notFound } from './page-context';

const OverrideFormSchema = z.object({
  score: z.string().optional(),
  comment: z.string().trim().min(1).max(2000),
  withdraw: z.literal('1').optional(),
});

function jobOf(ctx: AppContext, req: Request) {
  const text = String(req.params.job);
  return /^\d{1,12}$/.test(text) ? ctx.service.queue.findJob(Number(text)) : undefined;
}

export function regradeJob(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    const job = jobOf(ctx, req);
    if (job === undefined) {
      notFound(req, res, ctx);
      return;
    }
    const outcome = ctx.service.regradeJob(job.id, actingName(res));
    res.redirect(303, `/reports/${job.id}?notice=${outcome === 'queued' ? 'regrade' : 'busy'}`);
  };
}

/** Fetches a failed push again; back to the page it was asked from (dashboard or student page). */
export function retrySubmission(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    const id = Number(req.params.submission);
    const submission = Number.isSafeInteger(id) ? ctx.service.store.findSubmission(id) : undefined;
    if (submission === undefined) {
      notFound(req, res, ctx);
      return;
    }
    const retried = ctx.service.retryFailedSubmission(submission.id);
    res.redirect(303, `/students/${encodeURIComponent(submission.student_id)}?notice=${retried ? 'fetch-retry' : 'fetch-busy'}`);
  };
}

export function regradeAssignment(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    const assignment = findAssignment(ctx.config, String(req.params.assignment));
    if (assignment === undefined) {
      notFound(req, res, ctx);
      return;
    }
    const queued = ctx.service.regradeAssignment(assignment.id, actingName(res));
    res.redirect(303, `/dashboard?notice=regrade-class&n=${queued.length}`);
  };
}

export function overrideScore(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    const job = jobOf(ctx, req);
    const result = job !== undefined ? ctx.service.store.findResultForJob(job.id) : undefined;
    if (job === undefined || result === undefined) {
      notFound(req, res, ctx);
      return;
    }
    const form = OverrideFormSchema.safeParse(req.body);
    let score: number | null = null;
    if (form.success && form.data.withdraw === undefined) {
      const n = Number(form.data.score);
      score = form.data.score !== undefined && form.data.score.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= result.max_score ? n : NaN;
    }
    if (!form.success || Number.isNaN(score)) {
      res.redirect(303, `/reports/${job.id}?notice=override-invalid`);
      return;
    }
    ctx.records.addOverride({
      jobId: job.id,
      studentId: job.student_id,
      assignmentId: job.assignment_id,
      score,
      comment: form.data.comment,
      createdBy: actingName(res),
      createdAt: ctx.now(),
    });
    res.redirect(303, `/reports/${job.id}?notice=${score === null ? 'withdrawn' : 'override'}`);
  };
}

export function releaseHidden(ctx: AppContext, release: boolean) {
  return (req: Request, res: Response): void => {
    const assignment = findAssignment(ctx.config, String(req.params.assignment));
    if (assignment === undefined) {
      notFound(req, res, ctx);
      return;
    }
    if (release) ctx.records.release(assignment.id, actingName(res), ctx.now());
    else ctx.records.withdrawRelease(assignment.id);
    res.redirect(303, `/dashboard?notice=${release ? 'released' : 'unreleased'}`);
  };
}

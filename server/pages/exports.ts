/** Downloads for instructors: the grade book as CSV, a job's result JSON and Gradescope's results.json. */
import type { Request, Response } from 'express';
import { toGradescope } from '../../grader/results/gradescope';
import { buildGradebook, gradebookCsv } from '../../grader/store/gradebook';
import type { AppContext } from '../app';
import { httpError } from '../http-errors';
import { findReport } from './report-access';

export function gradebookExport(ctx: AppContext) {
  return (_req: Request, res: Response): void => {
    const csv = gradebookCsv(ctx.config, buildGradebook(ctx.config, ctx.service.store, ctx.records));
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${ctx.config.course}-gradebook.csv"`)
      .set('Cache-Control', 'no-store')
      .send(`\uFEFF${csv}`);
  };
}

export function resultExport(ctx: AppContext, format: 'result' | 'gradescope') {
  return (req: Request, res: Response): void => {
    const record = findReport(ctx, { kind: 'instructor' }, String(req.params.job));
    if (record?.parsed === undefined) throw httpError('NOT_FOUND', { method: req.method, path: req.path });
    const body = format === 'result' ? record.parsed : toGradescope(record.parsed);
    const name = `${record.job.student_id}-${record.job.assignment_id}-${record.job.commit_sha.slice(0, 7)}${format === 'result' ? '' : '-gradescope'}.json`;
    res.set('Content-Disposition', `attachment; filename="${name}"`).set('Cache-Control', 'no-store').json(body);
  };
}

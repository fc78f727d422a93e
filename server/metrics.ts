/**
 * GET /metrics in Prometheus' text format: the queue's depth, results by status and the
 * grading durations (a histogram per assignment). Aggregates only, nothing about a student,
 * so it needs no token (keep it off the public internet all the same, like any /metrics).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { PUSH_STATES } from '../grader/queue/push-state';
import { parseRow } from '../grader/store/rows';
import { GRADER_VERSION } from '../grader/version';
import type { AppContext } from './app';

const BUCKETS_S = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const StatusCountSchema = z.object({ status: z.string(), n: z.number().int() });
const DurationRowSchema = z.object({ assignment_id: z.string(), grade_ms: z.number().int().nullable(), total_ms: z.number().int() });

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function metricsText(ctx: AppContext): string {
  const lines: string[] = [];
  const status = ctx.service.status();
  lines.push('# HELP grader_info The grader version.', '# TYPE grader_info gauge', `grader_info{version="${label(GRADER_VERSION)}",course="${label(ctx.config.course)}"} 1`);
  lines.push('# HELP grader_queue_jobs Grading jobs by state.', '# TYPE grader_queue_jobs gauge');
  for (const [state, n] of Object.entries(status.queue)) lines.push(`grader_queue_jobs{state="${state}"} ${n}`);
  lines.push('# HELP grader_submissions Accepted pushes by state (received, preparing, retrying, prepared, failed).', '# TYPE grader_submissions gauge');
  for (const state of PUSH_STATES) lines.push(`grader_submissions{state="${state}"} ${status.submissions[state]}`);
  lines.push('# HELP grader_submissions_pending Pushes received and not yet fetched.', '# TYPE grader_submissions_pending gauge', `grader_submissions_pending ${status.pendingSubmissions}`);
  lines.push('# HELP grader_submissions_preparing Pushes being fetched now.', '# TYPE grader_submissions_preparing gauge', `grader_submissions_preparing ${status.preparing}`);

  const db = ctx.service.store.db;
  lines.push('# HELP grader_results_total Stored results by status.', '# TYPE grader_results_total counter');
  for (const raw of db.prepare('SELECT status, COUNT(*) AS n FROM results GROUP BY status ORDER BY status').all()) {
    const row = parseRow(StatusCountSchema, raw, 'status count');
    lines.push(`grader_results_total{status="${label(row.status)}"} ${row.n}`);
  }

  const durations = new Map<string, { counts: number[]; sum: number; n: number; totalSum: number }>();
  for (const raw of db.prepare('SELECT assignment_id, grade_ms, total_ms FROM results').all()) {
    const row = parseRow(DurationRowSchema, raw, 'duration');
    const d = durations.get(row.assignment_id) ?? { counts: new Array<number>(BUCKETS_S.length).fill(0), sum: 0, n: 0, totalSum: 0 };
    const s = (row.grade_ms ?? 0) / 1000;
    BUCKETS_S.forEach((b, i) => {
      if (s <= b) d.counts[i]++;
    });
    d.sum += s;
    d.n += 1;
    d.totalSum += row.total_ms / 1000;
    durations.set(row.assignment_id, d);
  }
  lines.push('# HELP grader_grading_duration_seconds Time to grade one assignment of one push (compile and tests).', '# TYPE grader_grading_duration_seconds histogram');
  for (const [a, d] of [...durations.entries()].sort()) {
    BUCKETS_S.forEach((b, i) => lines.push(`grader_grading_duration_seconds_bucket{assignment="${label(a)}",le="${b}"} ${d.counts[i]}`));
    lines.push(`grader_grading_duration_seconds_bucket{assignment="${label(a)}",le="+Inf"} ${d.n}`);
    lines.push(`grader_grading_duration_seconds_sum{assignment="${label(a)}"} ${d.sum.toFixed(3)}`);
    lines.push(`grader_grading_duration_seconds_count{assignment="${label(a)}"} ${d.n}`);
  }
  lines.push('# HELP grader_push_to_result_seconds_sum Push received to result stored, summed.', '# TYPE grader_push_to_result_seconds_sum counter');
  for (const [a, d] of [...durations.entries()].sort()) lines.push(`grader_push_to_result_seconds_sum{assignment="${label(a)}"} ${d.totalSum.toFixed(3)}`);
  return `${lines.join('\n')}\n`;
}

export function metricsRoute(ctx: AppContext) {
  return (_req: Request, res: Response): void => {
    res.type('text/plain; version=0.0.4; charset=utf-8').set('Cache-Control', 'no-store').send(metricsText(ctx));
  };
}

/**
 * GET /reports/:job (instructors) and /s/:secret/reports/:job (the student whose job it
 * is): the report of one assignment of one push. While the job waits or runs, the page
 * follows it live (server-sent events, report-events.ts) and reloads itself when it is
 * done; without JavaScript it refreshes every 5 seconds.
 */
import type { Request, Response } from 'express';
import { findStudent } from '../../grader/config/load-course-config';
import { formatPoints, renderReportBody } from '../../grader/report/report-html';
import { html } from '../../grader/report/safe-html';
import { getAssignment } from '../../grader/spec/discover';
import type { AppContext } from '../app';
import { csrfToken, type InstructorSession } from '../auth/instructor-session';
import { langOf } from '../i18n/language';
import { uiText, type UiText } from '../i18n/ui-text';
import { assignmentTitle } from './assignment-titles';
import { formatTime, sendPage } from './page-context';
import { basePath, hiddenReleased, reportFor, type ReportRecord, type Viewer, type ViewerOf } from './report-access';

function testPlan(ctx: AppContext, assignmentId: string, viewer: Viewer, t: UiText) {
  try {
    const showHidden = viewer.kind === 'instructor' || hiddenReleased(ctx, assignmentId);
    return getAssignment(assignmentId, ctx.config.catalogueRoot).spec.tests.map((test, index) => ({
      index,
      name: test.visibility === 'hidden' && !showHidden ? t.hiddenTest : test.name,
      points: test.points,
    }));
  } catch {
    return [];
  }
}

export function reportPage(ctx: AppContext, viewerOf: ViewerOf) {
  return (req: Request, res: Response): void => {
    const found = reportFor(ctx, viewerOf, req, res);
    if (found === undefined) return;
    const { viewer, record } = found;
    const lang = langOf(res);
    const t = uiText(lang);
    const { job } = record;
    const student = findStudent(ctx.config, job.student_id);
    const base = basePath(viewer);
    const instructor = viewer.kind === 'instructor';
    const title = assignmentTitle(ctx, job.assignment_id);
    const pending = job.state === 'queued' || job.state === 'running';
    const override = ctx.records.findActiveOverride(job.id);

    const facts: Array<{ label: string; value: string }> = [
      { label: t.student, value: student !== undefined ? `${student.name} (${student.id})` : job.student_id },
      { label: t.commit, value: job.commit_sha.slice(0, 12) },
      { label: t.received, value: formatTime(job.received_at, lang) },
    ];
    if (job.days_late > 0) facts.push({ label: t.late, value: `${job.days_late} ${t.daysLate}${record.result !== undefined ? `, ${t.penalty} ${formatPoints(record.result.penalty_percent)}%` : ''}` });
    if (record.result !== undefined) {
      facts.push({ label: t.counted, value: `${formatPoints(Math.round((override?.score ?? record.result.final_score) * 100) / 100)}/${formatPoints(record.result.max_score)}${override !== undefined ? ` (${t.overridden})` : ''}` });
    }

    const showHidden = instructor || hiddenReleased(ctx, job.assignment_id);
    const body =
      record.parsed !== undefined
        ? renderReportBody(record.parsed, {
            lang,
            showHidden,
            title: `${job.assignment_id}: ${title}`,
            subtitle: override !== undefined ? html`<p class="override-note">${t.overridden}: ${formatPoints(override.score ?? 0)} — ${override.comment}</p>` : undefined,
          }).value
        : '';

    const model: Record<string, unknown> = {
      heading: `${job.assignment_id}: ${title}`,
      facts,
      body,
      pending,
      running: job.state === 'running',
      state: job.state,
      stateText: t[`status_${job.state}`],
      failed: job.state === 'failed' || job.state === 'superseded',
      failure: instructor ? (job.error ?? '') : '',
      eventsUrl: `${base}/reports/${job.id}/events`,
      plan: pending ? testPlan(ctx, job.assignment_id, viewer, t) : [],
      studentHref: instructor ? `/students/${encodeURIComponent(job.student_id)}` : base,
      instructor,
    };
    if (instructor) {
      const session = res.locals.session as InstructorSession;
      model.csrf = csrfToken(ctx.keys, session);
      model.jobId = job.id;
      model.maxScore = record.result?.max_score ?? '';
      model.overrideValue = override?.score ?? '';
      model.hasOverride = override !== undefined;
      model.overrides = ctx.records.listOverrides(job.id).map((o) => ({
        when: formatTime(o.created_at, lang),
        score: o.score === null ? t.withdrawn : formatPoints(o.score),
        comment: o.comment,
        by: o.created_by,
      }));
      model.history = ctx.records.resultHistory(job.id).map((h) => ({
        when: formatTime(h.stored_at, lang),
        replaced: formatTime(h.replaced_at, lang),
        score: `${formatPoints(h.score)}/${formatPoints(h.max_score)}`,
        status: h.status,
        version: h.grader_version,
        reason: h.reason,
      }));
      model.hasResult = record.result !== undefined;
      model.notice = noticeText(t, req.query.notice);
    }
    sendPage(req, res, ctx, 'report', model.heading as string, model, {
      ...(pending ? { head: `<noscript><meta http-equiv="refresh" content="5"></noscript>`, scripts: ['/static/live-report.js'] } : {}),
    });
  };
}

function noticeText(t: UiText, notice: unknown): string {
  switch (notice) {
    case 'regrade':
      return t.regradeQueued;
    case 'busy':
      return t.regradeBusy;
    case 'override':
      return t.overrideSaved;
    case 'withdrawn':
      return t.overrideWithdrawn;
    case 'override-invalid':
      return t.overrideInvalid;
    default:
      return '';
  }
}

export type { ReportRecord };

/**
 * GET /reports/:job (instructors) and /s/:secret/reports/:job (the student whose job it
 * is): the report of one assignment of one push. While the job waits or runs, the page
 * follows it live (server-sent events, report-events.ts) and reloads itself when it is
 * done; without JavaScript it refreshes every 5 seconds.
 */
import type { Request, Response } from 'express';
import { applyPenalty } from '../../grader/config/late-policy';
import { findStudent } from '../../grader/config/load-course-config';
import { formatPoints, renderReportBody, visibleView } from '../../grader/report/report-html';
import { html } from '../../grader/report/safe-html';
import { gradebookCell, type GradebookCell } from '../../grader/store/gradebook';
import type { AppContext } from '../app';
import { csrfToken, type InstructorSession } from '../auth/instructor-session';
import { langOf } from '../i18n/language';
import { uiText, type UiText } from '../i18n/ui-text';
import { assignmentTitle } from './assignment-titles';
import { formatTime, sendPage } from './page-context';
import { basePath, hiddenReleased, plannedTests, reportFor, type ReportRecord, type ViewerOf } from './report-access';

/**
 * The tests of a pending job, as the live feed numbers them: before the release a student's
 * plan lists the visible tests only (live-feed.ts leaves hidden ones out of the feed too).
 */
function testPlan(ctx: AppContext, assignmentId: string, showHidden: boolean) {
  const all = plannedTests(ctx, assignmentId);
  const shown = all.filter((test) => showHidden || test.visibility === 'visible');
  return {
    plan: shown.map((test, index) => ({ index, name: test.name, points: test.points })),
    hiddenInPlan: all.length - shown.length,
  };
}

/**
 * This push's own score, as this viewer may see it: before the release a student sees the
 * visible tests' points with the late penalty, never a total that includes hidden tests.
 */
function thisPushFact(t: UiText, record: ReportRecord, showHidden: boolean): { label: string; value: string } | undefined {
  const result = record.result;
  if (result === undefined) return undefined;
  if (showHidden) return { label: t.thisPush, value: `${formatPoints(Math.round(result.final_score * 100) / 100)}/${formatPoints(result.max_score)}` };
  if (record.parsed === undefined) return undefined;
  const visible = visibleView(record.parsed, false);
  const score = formatPoints(Math.round(applyPenalty(visible.score, result.penalty_percent) * 100) / 100);
  return { label: t.thisPushSoFar, value: `${score}/${formatPoints(visible.max)}` };
}

/**
 * What counts for the assignment (the grade book's choice among all of the student's pushes,
 * or an override) and why. Before the release a student is told which push counts and why,
 * with no total (it would include hidden tests), and no override (a total of its own).
 */
function countsFact(t: UiText, cell: GradebookCell, jobId: number, showHidden: boolean): { label: string; value: string } {
  const label = t.countsForAssignment;
  if (cell.override !== undefined && showHidden) {
    return { label, value: `${formatPoints(cell.override.score ?? 0)}${cell.maxScore !== null ? `/${formatPoints(cell.maxScore)}` : ''} — ${t.reason_override}` };
  }
  const from = cell.countedFrom;
  if (from === undefined) return { label, value: t.countsNothingYet };
  // Which push wins a comparison of totals would tell a student about the hidden tests.
  if (!showHidden && from.comparedScores) return { label, value: t.countsAfterRelease };
  const which = from.jobId === jobId ? t.countsThisPush : `${t.countsOtherPush} ${from.commit.slice(0, 7)}`;
  const score = showHidden ? `${formatPoints(Math.round(from.final * 100) / 100)}/${formatPoints(from.maxScore)}, ` : '';
  return { label, value: `${score}${which}: ${t[`reason_${from.reason}`]}${from.stale ? ` (${t.regradePending})` : ''}` };
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
    const showHidden = instructor || hiddenReleased(ctx, job.assignment_id);
    const cell = gradebookCell(ctx.config, ctx.service.store, ctx.records, job.student_id, job.assignment_id);
    // An override is a score for the whole assignment, hidden tests included.
    const override = showHidden ? cell.override : undefined;

    const facts: Array<{ label: string; value: string }> = [
      { label: t.student, value: student !== undefined ? `${student.name} (${student.id})` : job.student_id },
      { label: t.commit, value: job.commit_sha.slice(0, 12) },
      { label: t.received, value: formatTime(job.received_at, lang) },
    ];
    if (job.days_late > 0) facts.push({ label: t.late, value: `${job.days_late} ${t.daysLate}${record.result !== undefined ? `, ${t.penalty} ${formatPoints(record.result.penalty_percent)}%` : ''}` });
    const own = thisPushFact(t, record, showHidden);
    if (own !== undefined) facts.push(own);
    facts.push(countsFact(t, cell, job.id, showHidden));
    if (cell.due.extension !== undefined) facts.push({ label: t.dueDate, value: `${formatTime(cell.due.dueMs, lang)} (${t.extended})` });

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
      ...(pending ? testPlan(ctx, job.assignment_id, showHidden) : { plan: [], hiddenInPlan: 0 }),
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
      model.overrides = ctx.records.listOverridesFor(job.student_id, job.assignment_id).map((o) => ({
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

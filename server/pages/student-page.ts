/**
 * GET /students/:id (instructors) and /s/:secret (the student): every push with what it
 * gave per assignment, and the scores over time. Before hidden tests are released, a
 * student sees the visible tests' points only (as in the report).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { StudentConfig } from '../../grader/config/course-config-schema';
import { applyPenalty } from '../../grader/config/late-policy';
import { findStudent } from '../../grader/config/load-course-config';
import { formatPoints } from '../../grader/report/report-html';
import type { Lang } from '../../grader/spec/assignment-spec';
import { buildGradebook } from '../../grader/store/gradebook';
import type { ResultRow, SubmissionRow } from '../../grader/store/rows';
import type { AppContext } from '../app';
import { csrfToken, type InstructorSession } from '../auth/instructor-session';
import { studentLink } from '../auth/student-links';
import { langOf } from '../i18n/language';
import { uiText } from '../i18n/ui-text';
import { formatTime, notFound, sendPage } from './page-context';
import { basePath, type ViewerOf } from './report-access';
import { scoreHistorySvg, type ScorePoint } from './score-charts';

/**
 * Only the tests' points and visibility: a stored result was validated when it was stored,
 * and re-checking every figure of every result (as the report page must, to draw them)
 * would make a student's page slow.
 */
const VisiblePointsSchema = z.object({
  tests: z.array(z.object({ score: z.number(), max_score: z.number(), visibility: z.enum(['visible', 'hidden']) })),
});

/** The score a viewer may see of a stored result. */
function shownScore(result: ResultRow, showHidden: boolean): { score: number; max: number } {
  if (showHidden) return { score: result.final_score, max: result.max_score };
  try {
    const parsed = VisiblePointsSchema.safeParse(JSON.parse(result.result_json));
    if (parsed.success) {
      const visible = parsed.data.tests.filter((t) => t.visibility === 'visible');
      // With the late penalty, as the report's "counts so far" (the total would include hidden tests).
      return { score: applyPenalty(visible.reduce((s, t) => s + t.score, 0), result.penalty_percent), max: visible.reduce((s, t) => s + t.max_score, 0) };
    }
  } catch {
    // fall through
  }
  return { score: 0, max: 0 };
}

/**
 * A push that has not reached the grading queue says where it is and why, in words for its
 * reader: a student reads the error only when it is about their own repository (the server's
 * troubles, with its paths, are for instructors).
 */
export function pushView(ctx: AppContext, s: SubmissionRow, instructor: boolean, lang: Lang): { pushState: string; pushText: string; pushReason: string; retryId: number | undefined } {
  const t = uiText(lang);
  const status = ctx.service.pushStatus(s);
  if (status.state === 'prepared') return { pushState: '', pushText: '', pushReason: '', retryId: undefined };
  const parts: string[] = [];
  if (status.error !== undefined) {
    if (instructor || status.errorIsStudents) parts.push(status.error);
    else parts.push(status.state === 'failed' ? t.serverProblemFailed : t.serverProblem);
  }
  if (status.state === 'retrying' && status.nextAttemptAt !== undefined) parts.push(`${t.nextAttempt}: ${formatTime(status.nextAttemptAt, lang)}`);
  return {
    pushState: status.state,
    pushText: t[`push_${status.state}`],
    pushReason: parts.join(' · '),
    retryId: instructor && status.state === 'failed' ? s.id : undefined,
  };
}

export function studentPage(ctx: AppContext, viewerOf: ViewerOf) {
  return (req: Request, res: Response): void => {
    const viewer = viewerOf(req, res);
    let student: StudentConfig | undefined;
    if (viewer?.kind === 'student') student = viewer.student;
    else if (viewer?.kind === 'instructor') student = findStudent(ctx.config, String(req.params.student));
    if (viewer === undefined || student === undefined) {
      notFound(req, res, ctx);
      return;
    }
    const lang = langOf(res);
    const t = uiText(lang);
    const base = basePath(viewer);
    const releases = ctx.records.releases();
    const showHiddenOf = (assignmentId: string) => viewer.kind === 'instructor' || releases.has(assignmentId);
    const book = buildGradebook(ctx.config, ctx.service.store, ctx.records, student.id);
    // What counts per assignment, as this viewer may see it (before the release a student
    // sees which push counts and why, never a total that includes hidden tests).
    const counts = ctx.config.assignments
      .filter((a) => a.enabled)
      .map((a) => {
        const cell = book.cell(student.id, a.id);
        const shown = showHiddenOf(a.id);
        // Which push wins a comparison of totals would tell a student about the hidden tests.
        const from = cell.countedFrom !== undefined && (shown || !cell.countedFrom.comparedScores) ? cell.countedFrom : undefined;
        const overridden = cell.override !== undefined && shown;
        return {
          assignment: a.id,
          score: overridden ? formatPoints(cell.override?.score ?? 0) : from !== undefined && shown ? formatPoints(Math.round(from.final * 100) / 100) : '',
          max: shown && cell.maxScore !== null ? formatPoints(cell.maxScore) : '',
          href: from !== undefined ? `${base}/reports/${from.jobId}` : '',
          commit: from?.commit.slice(0, 7) ?? '',
          reason: overridden
            ? t.reason_override
            : from !== undefined
              ? `${t[`reason_${from.reason}`]}${from.stale ? ` (${t.regradePending})` : ''}`
              : cell.countedFrom !== undefined
                ? t.countsAfterRelease
                : t.countsNothingYet,
          due: `${formatTime(cell.due.dueMs, lang)}${cell.due.extension !== undefined ? ` (${t.extended})` : ''}`,
          late: from !== undefined && cell.late,
        };
      });

    const jobs = ctx.service.queue.listJobs({ studentId: student.id });
    const results = new Map(ctx.service.store.listResults({ studentId: student.id }).map((r) => [r.job_id, r]));
    const submissions = ctx.service.store.listSubmissions(student.id).reverse();
    const rows = submissions.map((s) => ({
      received: formatTime(s.received_at, lang),
      ...pushView(ctx, s, viewer.kind === 'instructor', lang),
      commit: s.commit_sha.slice(0, 7),
      source: s.source,
      error: viewer.kind === 'instructor' ? (s.error ?? '') : '',
      // What the fetch noticed (unchanged folders, skipped links) is for instructors; students
      // read what concerns their grading in the report itself.
      notes: viewer.kind === 'instructor' ? s.notes.join('; ') : '',
      jobs: jobs
        .filter((j) => j.submission_id === s.id)
        .map((j) => {
          const r = results.get(j.id);
          const shown = r !== undefined ? shownScore(r, showHiddenOf(j.assignment_id)) : undefined;
          const status = r !== undefined ? r.status : j.state;
          return {
            assignment: j.assignment_id,
            href: `${base}/reports/${j.id}`,
            status,
            statusText: (t as Record<string, string>)[`status_${status}`] ?? status,
            score: shown !== undefined ? `${formatPoints(Math.round(shown.score * 100) / 100)}/${formatPoints(shown.max)}` : '',
            late: j.days_late > 0,
          };
        }),
    }));

    const byAssignment = new Map<string, ScorePoint[]>();
    for (const r of [...results.values()].sort((a, b) => a.received_at - b.received_at)) {
      const shown = shownScore(r, showHiddenOf(r.assignment_id));
      const list = byAssignment.get(r.assignment_id) ?? [];
      list.push({ at: r.received_at, score: shown.score, max: shown.max });
      byAssignment.set(r.assignment_id, list);
    }
    const chart = scoreHistorySvg(
      [...byAssignment.entries()].map(([name, points]) => ({ name, points })),
      `${t.scoresOverTime}: ${student.name}`,
    );

    sendPage(req, res, ctx, 'student', student.name, {
      name: student.name,
      id: student.id,
      instructor: viewer.kind === 'instructor',
      link: viewer.kind === 'instructor' ? studentLink(ctx.config, student.id, ctx.keys) : '',
      rows,
      counts,
      notice: req.query.notice === 'fetch-retry' ? t.fetchRetryQueued : req.query.notice === 'fetch-busy' ? t.fetchRetryBusy : '',
      csrf: viewer.kind === 'instructor' ? csrfToken(ctx.keys, res.locals.session as InstructorSession) : '',
      empty: rows.length === 0,
      chart,
    });
  };
}

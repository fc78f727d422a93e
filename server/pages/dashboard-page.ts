/**
 * GET /dashboard: students × assignments with the score that counts, status, late flag and
 * commit; sortable and filterable through the query string (works without JavaScript);
 * class statistics per assignment; the class-wide actions and the exports.
 */
import type { Request, Response } from 'express';
import type { AssignmentConfig } from '../../grader/config/course-config-schema';
import { formatPoints } from '../../grader/report/report-html';
import { buildGradebook, type CellStatus, type GradebookCell } from '../../grader/store/gradebook';
import type { AppContext } from '../app';
import { csrfToken, type InstructorSession } from '../auth/instructor-session';
import { langOf } from '../i18n/language';
import { uiText, type UiText } from '../i18n/ui-text';
import { assignmentTitle } from './assignment-titles';
import { formatTime, sendPage } from './page-context';
import { histogramSvg } from './score-charts';
import { pushView } from './student-page';

/** The newest pushes without a result shown on the dashboard (the student pages list them all). */
const PUSHES_SHOWN = 50;

const STATUSES: readonly CellStatus[] = ['none', 'queued', 'running', 'graded', 'compile_error', 'missing', 'error'];

function statusText(t: UiText, s: CellStatus): string {
  return t[`status_${s}`];
}

function cellView(t: UiText, cell: GradebookCell) {
  const shown = cell.counted;
  return {
    status: cell.status,
    statusText: statusText(t, cell.status),
    score: shown === null ? '–' : formatPoints(Math.round(shown * 100) / 100),
    max: cell.maxScore === null ? '' : formatPoints(cell.maxScore),
    late: cell.late,
    overridden: cell.override !== undefined,
    extended: cell.due.extension !== undefined,
    // The push that counts (the latest push's state is the badge).
    commit: (cell.countedFrom?.commit ?? cell.job?.commit_sha ?? '').slice(0, 7),
    href: cell.countedFrom !== undefined ? `/reports/${cell.countedFrom.jobId}` : cell.job !== undefined ? `/reports/${cell.job.id}` : '',
    title: cell.countedFrom !== undefined ? `${t[`reason_${cell.countedFrom.reason}`]}${cell.due.extension !== undefined ? ` · ${t.dueDate} ${cell.due.extension.due}` : ''}` : '',
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function dashboardPage(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    const lang = langOf(res);
    const t = uiText(lang);
    const session = res.locals.session as InstructorSession;
    const config = ctx.config;
    const book = buildGradebook(config, ctx.service.store, ctx.records);
    const assignments = config.assignments.filter((a) => a.enabled);
    const releases = ctx.records.releases();

    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    const statusFilter = typeof req.query.status === 'string' && (STATUSES as readonly string[]).includes(req.query.status) ? (req.query.status as CellStatus) : '';
    const sortKey = typeof req.query.sort === 'string' ? req.query.sort : 'name';
    const dir = req.query.dir === 'desc' ? 'desc' : 'asc';

    let rows = config.roster.map((student) => {
      const cells = assignments.map((a) => book.cell(student.id, a.id));
      const total = cells.reduce((s, c) => s + (c.counted ?? 0), 0);
      return { student, cells, total };
    });
    if (q !== '') {
      const needle = q.toLowerCase();
      rows = rows.filter((r) => r.student.name.toLowerCase().includes(needle) || r.student.id.toLowerCase().includes(needle));
    }
    if (statusFilter !== '') rows = rows.filter((r) => r.cells.some((c) => c.status === statusFilter));
    const index = assignments.findIndex((a) => a.id === sortKey);
    const value = (r: (typeof rows)[number]): number | string =>
      sortKey === 'total' ? r.total : index >= 0 ? (r.cells[index].counted ?? -1) : r.student.name.toLowerCase();
    rows.sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return (dir === 'asc' ? c : -c) || a.student.id.localeCompare(b.student.id);
    });

    const sortHref = (key: string) => {
      const params = new URLSearchParams();
      if (q !== '') params.set('q', q);
      if (statusFilter !== '') params.set('status', statusFilter);
      params.set('sort', key);
      params.set('dir', key === sortKey && dir === 'asc' ? 'desc' : 'asc');
      return `/dashboard?${params.toString()}`;
    };
    const sortMark = (key: string) => (key === sortKey ? (dir === 'asc' ? '▲' : '▼') : '');
    const ariaSort = (key: string) => (key === sortKey ? (dir === 'asc' ? 'ascending' : 'descending') : 'none');

    const stats = assignments.map((a: AssignmentConfig) => {
      const cells = config.roster.map((s) => book.cell(s.id, a.id)).filter((c) => c.counted !== null);
      const scores = cells.map((c) => c.counted as number);
      const max = cells.find((c) => c.maxScore !== null)?.maxScore ?? 0;
      return {
        id: a.id,
        title: assignmentTitle(ctx, a.id),
        due: formatTime(a.dueMs, lang),
        graded: `${scores.length}/${config.roster.length}`,
        mean: scores.length > 0 ? formatPoints(Math.round((scores.reduce((s, x) => s + x, 0) / scores.length) * 100) / 100) : '–',
        median: scores.length > 0 ? formatPoints(Math.round(median(scores) * 100) / 100) : '–',
        max: formatPoints(max),
        histogram: scores.length > 0 ? histogramSvg(scores, max, `${t.distribution}: ${a.id}`) : '',
        released: releases.has(a.id),
      };
    });

    const notice = typeof req.query.notice === 'string' ? noticeText(t, req.query.notice, req.query.n) : '';
    const queue = ctx.service.status().queue;
    sendPage(req, res, ctx, 'dashboard', t.dashboard, {
      course: config.title ?? config.course,
      notice,
      queue: `${t.status_queued} ${queue.queued} · ${t.status_running} ${queue.running} · ${t.status_done} ${queue.done} · ${t.status_failed} ${queue.failed}`,
      q,
      statuses: STATUSES.map((s) => ({ value: s, label: statusText(t, s), selected: s === statusFilter })),
      nameSort: { href: sortHref('name'), mark: sortMark('name'), aria: ariaSort('name') },
      totalSort: { href: sortHref('total'), mark: sortMark('total'), aria: ariaSort('total') },
      columns: assignments.map((a) => ({ id: a.id, href: sortHref(a.id), mark: sortMark(a.id), aria: ariaSort(a.id), title: assignmentTitle(ctx, a.id) })),
      rows: rows.map((r) => ({
        id: r.student.id,
        name: r.student.name,
        href: `/students/${encodeURIComponent(r.student.id)}`,
        cells: r.cells.map((c) => cellView(t, c)),
        total: formatPoints(Math.round(r.total * 100) / 100),
      })),
      empty: rows.length === 0,
      pushes: ctx.service.store.listUnpreparedSubmissions(PUSHES_SHOWN).map((sub) => ({
        student: sub.student_id,
        href: `/students/${encodeURIComponent(sub.student_id)}`,
        commit: sub.commit_sha.slice(0, 7),
        received: formatTime(sub.received_at, lang),
        ...pushView(ctx, sub, true, lang),
      })),
      stats,
      csrf: csrfToken(ctx.keys, session),
    });
  };
}

function noticeText(t: UiText, notice: string, n: unknown): string {
  if (notice === 'regrade-class') return `${typeof n === 'string' && /^\d+$/.test(n) ? n : '0'} ${t.regradeClassQueued}`;
  if (notice === 'released') return t.hiddenReleased;
  if (notice === 'unreleased') return t.hiddenNotReleased;
  return '';
}

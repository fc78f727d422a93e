/**
 * A received push becomes jobs: fetch its commit, find the enabled assignments' folders in
 * it, and add one job per folder that is new (a folder whose content was already graded, or
 * is waiting to be, is not graded again; one received after the hard cutoff is not graded).
 */
import type { CourseConfig } from '../config/course-config-schema';
import { dueFor } from '../config/due-dates';
import { lateness } from '../config/late-policy';
import { findStudent } from '../config/load-course-config';
import type { RepoCache } from '../repo/repo-cache';
import type { GradeStore, NewAttempt } from '../store/grade-store';
import type { SubmissionRow } from '../store/rows';
import { GRADER_VERSION } from '../version';
import type { JobQueue, NewJob } from './job-queue';

export interface PreparedSubmission {
  jobs: NewJob[];
  /** Every assignment folder found, graded anew or not (what the student submitted). */
  attempts: NewAttempt[];
  notes: string[];
  fetchMs: number;
}

export class StudentNotInRosterError extends Error {
  readonly code = 'NOT_IN_ROSTER';
  constructor(studentId: string, course: string) {
    super(`student '${studentId}' is no longer in the roster of ${course}`);
    this.name = 'StudentNotInRosterError';
  }
}

/** Fetches and inspects; throws RepoError (fetch problems) or StudentNotInRosterError. */
export async function prepareSubmission(
  submission: SubmissionRow,
  deps: { config: CourseConfig; repos: RepoCache; store: GradeStore; queue: JobQueue },
): Promise<PreparedSubmission> {
  const { config } = deps;
  const student = findStudent(config, submission.student_id);
  if (student === undefined) throw new StudentNotInRosterError(submission.student_id, config.course);
  const source = { studentId: student.id, url: student.repo };
  const { ms: fetchMs } = await deps.repos.ensureCommit(source, submission.commit_sha);
  const entries = await deps.repos.listTopLevel(source, submission.commit_sha);

  const jobs: NewJob[] = [];
  const attempts: NewAttempt[] = [];
  const notes: string[] = [];
  const enabled = config.assignments.filter((a) => a.enabled);
  let folders = 0;
  for (const assignment of enabled) {
    const entry = entries.find((e) => e.name === assignment.id);
    if (entry === undefined) continue;
    folders += 1;
    if (entry.type !== 'tree') {
      const what = entry.mode === '120000' ? 'a symbolic link' : entry.type === 'commit' ? 'a git submodule' : 'a file';
      notes.push(`${assignment.id}: is ${what}, not a folder; not graded (links and submodules are never followed)`);
      continue;
    }
    const due = dueFor(config, student.id, assignment);
    const late = lateness(assignment.latePolicy, due.dueMs, submission.received_at);
    attempts.push({ assignmentId: assignment.id, treeSha: entry.sha, accepted: late.accepted });
    // An unchanged folder is not graded again (its result counts for this push too, by
    // content): only a changed one can be too late.
    const pending = deps.queue.findPendingJobForTree(student.id, assignment.id, entry.sha);
    if (pending !== undefined) {
      notes.push(`${assignment.id}: unchanged since commit ${pending.commit_sha.slice(0, 12)}, which is being graded`);
      continue;
    }
    const graded = deps.store.findResultForTree(student.id, assignment.id, entry.sha, GRADER_VERSION);
    if (graded !== undefined) {
      notes.push(`${assignment.id}: unchanged since commit ${graded.commit_sha.slice(0, 12)}, already graded`);
      continue;
    }
    if (!late.accepted) {
      notes.push(`${assignment.id}: received ${late.daysLate} day(s) after the due date ${due.due}, past the hard cutoff of ${assignment.latePolicy.hardCutoffDays} day(s); not graded`);
      continue;
    }
    // Under 'best' every version is a candidate: a newer push must not cancel an older one's grading.
    jobs.push({ assignmentId: assignment.id, treeSha: entry.sha, daysLate: late.daysLate, supersedes: assignment.counts !== 'best' });
  }
  if (folders === 0) {
    notes.push(`no assignment folder in this commit; expected one of: ${enabled.map((a) => `${a.id}/`).join(', ')}`);
  }
  return { jobs, attempts, notes, fetchMs };
}

/**
 * Where an accepted push is, in words a student and an instructor both read. The store keeps
 * three states (received, prepared, failed); two more are derived: `preparing` (this server is
 * fetching it now, known only in memory) and `retrying` (received, an earlier fetch failed,
 * the next attempt is due at `available_at`). Every state has a way forward: received and
 * retrying are picked up by the service's tick (also after a restart: nothing about them
 * lives in memory only), prepared has its jobs, failed says why.
 */
import type { SubmissionRow } from '../store/rows';

export const PUSH_STATES = ['received', 'preparing', 'retrying', 'prepared', 'failed'] as const;
export type PushState = (typeof PUSH_STATES)[number];

export interface PushStatus {
  state: PushState;
  /** When the next fetch is due (received and retrying). */
  nextAttemptAt?: number;
  /** Why the last fetch failed (retrying) or why the push will not be graded (failed). */
  error?: string;
  /**
   * Whether `error` is about the student's own repository (unreachable, commit gone, too
   * large) and so may be shown to the student; otherwise it is the server's problem.
   */
  errorIsStudents: boolean;
}

/** Error codes of the submissions table that describe the student's repository. */
const STUDENTS_ERRORS = new Set(['REMOTE_UNREACHABLE', 'COMMIT_NOT_FOUND', 'REPO_TOO_LARGE']);

export function pushStatus(row: SubmissionRow, preparingNow: boolean): PushStatus {
  const errorIsStudents = row.error_code !== null && STUDENTS_ERRORS.has(row.error_code);
  const error = row.error ?? undefined;
  if (row.state === 'prepared') return { state: 'prepared', errorIsStudents: false };
  if (row.state === 'failed') return { state: 'failed', ...(error !== undefined ? { error } : {}), errorIsStudents };
  if (preparingNow) return { state: 'preparing', errorIsStudents: false };
  if (row.attempts > 0) return { state: 'retrying', nextAttemptAt: row.available_at, ...(error !== undefined ? { error } : {}), errorIsStudents };
  return { state: 'received', nextAttemptAt: row.available_at, errorIsStudents: false };
}

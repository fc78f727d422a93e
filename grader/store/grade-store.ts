/**
 * Submissions (one per pushed commit and student), stored results and polled branch heads.
 * The job queue (grader/queue/job-queue.ts) works on the same database.
 */
import { z } from 'zod';
import type { Database } from './database';
import {
  AttemptRowSchema,
  BranchHeadRowSchema,
  ResultRowSchema,
  SubmissionRowSchema,
  findRow,
  parseRow,
  type AttemptRow,
  type BranchHeadRow,
  type ResultRow,
  type SubmissionRow,
  type SubmissionSource,
  type SubmissionState,
} from './rows';

const MinRowSchema = z.object({ t: z.number().nullable() });
const CountRowSchema = z.object({ n: z.number().int() });
const StateCountRowSchema = z.object({ status: z.enum(['received', 'retrying', 'prepared', 'failed']), n: z.number().int() });

export interface NewSubmission {
  studentId: string;
  commit: string;
  branch: string;
  source: SubmissionSource;
  deliveryId?: string;
  receivedAt: number;
}

export interface NewResult {
  jobId: number;
  submissionId: number;
  studentId: string;
  assignmentId: string;
  commit: string;
  treeSha: string;
  receivedAt: number;
  status: string;
  score: number;
  maxScore: number;
  daysLate: number;
  penaltyPercent: number;
  finalScore: number;
  backend: string;
  dataset: string | null;
  graderVersion: string;
  worker: string;
  queueMs: number;
  fetchMs: number | null;
  exportMs: number | null;
  gradeMs: number | null;
  totalMs: number;
  storedAt: number;
  resultJson: string;
}

/** An assignment folder a push carried (see the attempts table). */
export interface NewAttempt {
  assignmentId: string;
  treeSha: string;
  /** False when received after the hard cutoff: recorded, never counted. */
  accepted: boolean;
}

export interface ResultFilter {
  studentId?: string;
  assignmentId?: string;
}

export class GradeStore {
  constructor(readonly db: Database) {}

  /** Records a push; a commit already known for the student is not recorded again. */
  recordSubmission(s: NewSubmission): { submission: SubmissionRow; duplicate: boolean } {
    const info = this.db
      .prepare(
        `INSERT INTO submissions (student_id, commit_sha, branch, source, delivery_id, received_at, state, available_at)
         VALUES (?, ?, ?, ?, ?, ?, 'received', ?)
         ON CONFLICT (student_id, commit_sha) DO NOTHING`,
      )
      .run(s.studentId, s.commit, s.branch, s.source, s.deliveryId ?? null, s.receivedAt, s.receivedAt);
    const row = this.db.prepare('SELECT * FROM submissions WHERE student_id = ? AND commit_sha = ?').get(s.studentId, s.commit);
    return { submission: parseRow(SubmissionRowSchema, row, 'submission'), duplicate: info.changes === 0 };
  }

  findSubmission(id: number): SubmissionRow | undefined {
    return findRow(SubmissionRowSchema, this.db.prepare('SELECT * FROM submissions WHERE id = ?').get(id), 'submission');
  }

  getSubmission(id: number): SubmissionRow {
    const row = this.findSubmission(id);
    if (row === undefined) throw new Error(`no submission ${id}`);
    return row;
  }

  listSubmissions(studentId?: string): SubmissionRow[] {
    const rows =
      studentId === undefined
        ? this.db.prepare('SELECT * FROM submissions ORDER BY received_at, id').all()
        : this.db.prepare('SELECT * FROM submissions WHERE student_id = ? ORDER BY received_at, id').all(studentId);
    return rows.map((r) => parseRow(SubmissionRowSchema, r, 'submission'));
  }

  countSubmissions(state: SubmissionState): number {
    return parseRow(CountRowSchema, this.db.prepare('SELECT COUNT(*) AS n FROM submissions WHERE state = ?').get(state), 'count').n;
  }

  /** Received submissions due for fetching, oldest receipt first. */
  submissionsToPrepare(now: number, limit: number, exclude: readonly number[] = []): SubmissionRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM submissions WHERE state = 'received' AND available_at <= ?
         AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY received_at, id LIMIT ?`,
      )
      .all(now, JSON.stringify(exclude), limit);
    return rows.map((r) => parseRow(SubmissionRowSchema, r, 'submission'));
  }

  /** When the next received submission becomes due, if any. */
  nextSubmissionDue(): number | undefined {
    const row = parseRow(MinRowSchema, this.db.prepare(`SELECT MIN(available_at) AS t FROM submissions WHERE state = 'received'`).get(), 'minimum');
    return row.t ?? undefined;
  }

  markPrepared(id: number, p: { now: number; fetchMs: number; notes: readonly string[] }): void {
    this.db
      .prepare(`UPDATE submissions SET state = 'prepared', prepared_at = ?, fetch_ms = ?, notes = ?, attempts = attempts + 1, error = NULL, error_code = NULL WHERE id = ?`)
      .run(p.now, p.fetchMs, JSON.stringify(p.notes), id);
  }

  /** Records the folders a prepared push carried (once per push and assignment). */
  recordAttempts(submission: SubmissionRow, attempts: readonly NewAttempt[]): void {
    const insert = this.db.prepare(
      `INSERT INTO attempts (submission_id, student_id, assignment_id, commit_sha, tree_sha, received_at, accepted)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id, assignment_id) DO NOTHING`,
    );
    for (const a of attempts) insert.run(submission.id, submission.student_id, a.assignmentId, submission.commit_sha, a.treeSha, submission.received_at, a.accepted ? 1 : 0);
  }

  /** A student's attempts (of one assignment, or all), in receipt order. */
  listAttempts(filter: ResultFilter = {}): AttemptRow[] {
    return this.db
      .prepare(
        `SELECT * FROM attempts WHERE (@studentId IS NULL OR student_id = @studentId)
         AND (@assignmentId IS NULL OR assignment_id = @assignmentId) ORDER BY received_at, id`,
      )
      .all({ studentId: filter.studentId ?? null, assignmentId: filter.assignmentId ?? null })
      .map((r) => parseRow(AttemptRowSchema, r, 'attempt'));
  }

  retrySubmission(id: number, p: { error: string; code: string; availableAt: number }): void {
    this.db.prepare(`UPDATE submissions SET attempts = attempts + 1, available_at = ?, error = ?, error_code = ? WHERE id = ?`).run(p.availableAt, p.error, p.code, id);
  }

  failSubmission(id: number, error: string, code: string): void {
    this.db.prepare(`UPDATE submissions SET state = 'failed', attempts = attempts + 1, error = ?, error_code = ? WHERE id = ?`).run(error, code, id);
  }

  /** A failed submission is received again, due now, its attempts counted afresh. */
  retryFailedSubmission(id: number, now: number): boolean {
    const info = this.db
      .prepare(`UPDATE submissions SET state = 'received', attempts = 0, available_at = ?, error = NULL, error_code = NULL WHERE id = ? AND state = 'failed'`)
      .run(now, id);
    return info.changes > 0;
  }

  /** Submissions that have not reached the grading queue: received (also waiting to retry) and failed. */
  listUnpreparedSubmissions(limit: number): SubmissionRow[] {
    const rows = this.db.prepare(`SELECT * FROM submissions WHERE state != 'prepared' ORDER BY received_at DESC, id DESC LIMIT ?`).all(limit);
    return rows.map((r) => parseRow(SubmissionRowSchema, r, 'submission'));
  }

  /**
   * Submissions by stored state, received split into those never tried and those waiting
   * for another attempt (`exclude`: ids being prepared now, counted by the caller).
   */
  countSubmissionsByState(exclude: readonly number[] = []): { received: number; retrying: number; prepared: number; failed: number } {
    const rows = this.db
      .prepare(
        `SELECT CASE WHEN state = 'received' AND attempts > 0 THEN 'retrying' ELSE state END AS status, COUNT(*) AS n
         FROM submissions WHERE id NOT IN (SELECT value FROM json_each(?)) GROUP BY 1`,
      )
      .all(JSON.stringify(exclude));
    const counts = { received: 0, retrying: 0, prepared: 0, failed: 0 };
    for (const raw of rows) {
      const row = parseRow(StateCountRowSchema, raw, 'state count');
      counts[row.status] = row.n;
    }
    return counts;
  }

  insertResult(r: NewResult): void {
    this.db
      .prepare(
        `INSERT INTO results (job_id, submission_id, student_id, assignment_id, commit_sha, tree_sha, received_at, status, score,
           max_score, days_late, penalty_percent, final_score, backend, dataset, grader_version, worker, queue_ms, fetch_ms,
           export_ms, grade_ms, total_ms, stored_at, result_json)
         VALUES (@jobId, @submissionId, @studentId, @assignmentId, @commit, @treeSha, @receivedAt, @status, @score,
           @maxScore, @daysLate, @penaltyPercent, @finalScore, @backend, @dataset, @graderVersion, @worker, @queueMs, @fetchMs,
           @exportMs, @gradeMs, @totalMs, @storedAt, @resultJson)`,
      )
      .run(r);
  }

  findResultForJob(jobId: number): ResultRow | undefined {
    return findRow(ResultRowSchema, this.db.prepare('SELECT * FROM results WHERE job_id = ?').get(jobId), 'result');
  }

  listResults(filter: ResultFilter = {}): ResultRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM results WHERE (@studentId IS NULL OR student_id = @studentId)
         AND (@assignmentId IS NULL OR assignment_id = @assignmentId) ORDER BY received_at, id`,
      )
      .all({ studentId: filter.studentId ?? null, assignmentId: filter.assignmentId ?? null });
    return rows.map((r) => parseRow(ResultRowSchema, r, 'result'));
  }

  /** The result of the student's most recently received graded push of an assignment. */
  findLatestResult(studentId: string, assignmentId: string): ResultRow | undefined {
    return findRow(
      ResultRowSchema,
      this.db
        .prepare('SELECT * FROM results WHERE student_id = ? AND assignment_id = ? ORDER BY received_at DESC, id DESC LIMIT 1')
        .get(studentId, assignmentId),
      'result',
    );
  }

  /** A stored result for exactly this folder content and grader version, if any. */
  findResultForTree(studentId: string, assignmentId: string, treeSha: string, graderVersion: string): ResultRow | undefined {
    return findRow(
      ResultRowSchema,
      this.db
        .prepare(
          `SELECT * FROM results WHERE student_id = ? AND assignment_id = ? AND tree_sha = ? AND grader_version = ?
           AND status IN ('graded', 'compile_error', 'missing') ORDER BY received_at LIMIT 1`,
        )
        .get(studentId, assignmentId, treeSha, graderVersion),
      'result',
    );
  }

  findBranchHead(studentId: string): BranchHeadRow | undefined {
    return findRow(BranchHeadRowSchema, this.db.prepare('SELECT * FROM branch_heads WHERE student_id = ?').get(studentId), 'branch head');
  }

  setBranchHead(studentId: string, head: { commit: string | null; checkedAt: number; error: string | null }): void {
    this.db
      .prepare(
        `INSERT INTO branch_heads (student_id, commit_sha, checked_at, error) VALUES (?, ?, ?, ?)
         ON CONFLICT (student_id) DO UPDATE SET commit_sha = excluded.commit_sha, checked_at = excluded.checked_at, error = excluded.error`,
      )
      .run(studentId, head.commit, head.checkedAt, head.error);
  }

  /** Records a poll error without forgetting the last head. */
  setBranchHeadError(studentId: string, checkedAt: number, error: string): void {
    this.db
      .prepare(
        `INSERT INTO branch_heads (student_id, commit_sha, checked_at, error) VALUES (?, NULL, ?, ?)
         ON CONFLICT (student_id) DO UPDATE SET checked_at = excluded.checked_at, error = excluded.error`,
      )
      .run(studentId, checkedAt, error);
  }
}

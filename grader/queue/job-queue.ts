/**
 * The durable job queue in SQLite: one job per (student, assignment, commit).
 *
 * - Fairness: the next job goes to the student whose last turn is the oldest (students who
 *   never had a turn first), then that student's oldest push. A student with 50 queued
 *   commits gets one turn per round, like everyone else.
 * - Supersede: a new job marks the same student's queued (not yet running) jobs for the same
 *   assignment as superseded, when they were received earlier and are exactly as late (so a
 *   late push never throws away an on-time one still waiting).
 * - Retry: a job found running after a crash is queued again once; the second time it fails.
 *   A job that failed for a reason that may pass (the repository host was down) is retried
 *   with backoff up to `jobAttempts` starts.
 * - A job is stored at most once: its result row is unique per job, and an outcome for a job
 *   that is not running any more (a duplicate from a redelivered worker message) is ignored.
 */
import { z } from 'zod';
import type { Database } from '../store/database';
import type { GradeStore, NewResult } from '../store/grade-store';
import { JobRowSchema, JobStateSchema, findRow, parseRow, type JobRow, type JobState, type SubmissionRow } from '../store/rows';

export interface NewJob {
  assignmentId: string;
  treeSha: string;
  daysLate: number;
  /**
   * Does this job make the same student's waiting jobs for the assignment unnecessary?
   * Default true; false where every push is a candidate (the 'best' policy).
   */
  supersedes?: boolean;
}

export interface JobFailure {
  code: string;
  message: string;
  /** May it pass if tried again later? */
  retryable: boolean;
}

export type FailOutcome = 'retry' | 'failed' | 'ignored';

export type QueueCounts = Record<JobState, number>;

const CountRowSchema = z.object({ state: z.string(), n: z.number().int() });
const MinRowSchema = z.object({ t: z.number().nullable() });
const IdRowSchema = z.object({ id: z.number().int() });

export class JobQueue {
  readonly db: Database;

  constructor(readonly store: GradeStore) {
    this.db = store.db;
  }

  /** Adds a submission's jobs, superseding older queued ones. Returns the jobs added. */
  addJobs(submission: SubmissionRow, jobs: readonly NewJob[], now: number): JobRow[] {
    return this.db
      .transaction(() => {
        const added: JobRow[] = [];
        for (const job of jobs) {
          const info = this.db
            .prepare(
              `INSERT INTO jobs (submission_id, student_id, assignment_id, commit_sha, tree_sha, received_at, days_late, state, available_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
               ON CONFLICT (student_id, assignment_id, commit_sha) DO NOTHING`,
            )
            .run(submission.id, submission.student_id, job.assignmentId, submission.commit_sha, job.treeSha, submission.received_at, job.daysLate, now, now);
          if (info.changes === 0) continue;
          const id = Number(info.lastInsertRowid);
          // Every graded folder is an attempt (the grade book chooses among attempts).
          this.store.recordAttempts(submission, [{ assignmentId: job.assignmentId, treeSha: job.treeSha, accepted: true }]);
          // A push received later (prepared first because this one waited for a retry) wins.
          const newer = this.db
            .prepare(
              `SELECT id FROM jobs WHERE student_id = ? AND assignment_id = ? AND id != ? AND received_at > ?
                 AND days_late = ? AND state IN ('queued', 'running', 'done') ORDER BY received_at DESC LIMIT 1`,
            )
            .get(submission.student_id, job.assignmentId, id, submission.received_at, job.daysLate);
          if (job.supersedes === false) {
            added.push(this.getJob(id));
            continue;
          }
          if (newer !== undefined) {
            const newerId = parseRow(IdRowSchema, newer, 'job id').id;
            this.db.prepare(`UPDATE jobs SET state = 'superseded', superseded_by = ?, finished_at = ? WHERE id = ?`).run(newerId, now, id);
            added.push(this.getJob(id));
            continue;
          }
          this.db
            .prepare(
              `UPDATE jobs SET state = 'superseded', superseded_by = ?, finished_at = ?
               WHERE student_id = ? AND assignment_id = ? AND state = 'queued' AND id != ?
                 AND received_at <= ? AND days_late = ?`,
            )
            .run(id, now, submission.student_id, job.assignmentId, id, submission.received_at, job.daysLate);
          added.push(this.getJob(id));
        }
        return added;
      })
      .immediate();
  }

  findJob(id: number): JobRow | undefined {
    return findRow(JobRowSchema, this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id), 'job');
  }

  getJob(id: number): JobRow {
    const job = this.findJob(id);
    if (job === undefined) throw new Error(`no job ${id}`);
    return job;
  }

  listJobs(filter: { state?: JobState; studentId?: string } = {}): JobRow[] {
    return this.db
      .prepare(`SELECT * FROM jobs WHERE (@state IS NULL OR state = @state) AND (@studentId IS NULL OR student_id = @studentId) ORDER BY id`)
      .all({ state: filter.state ?? null, studentId: filter.studentId ?? null })
      .map((r) => parseRow(JobRowSchema, r, 'job'));
  }

  /** A queued or running job for exactly this folder content (so it need not be added again). */
  findPendingJobForTree(studentId: string, assignmentId: string, treeSha: string): JobRow | undefined {
    return findRow(
      JobRowSchema,
      this.db
        .prepare(`SELECT * FROM jobs WHERE student_id = ? AND assignment_id = ? AND tree_sha = ? AND state IN ('queued', 'running') LIMIT 1`)
        .get(studentId, assignmentId, treeSha),
      'job',
    );
  }

  /** Takes the next job by the fairness rule and marks it running; undefined when none is ready. */
  claim(runner: string, now: number): JobRow | undefined {
    return this.db
      .transaction(() => {
        const row = this.db
          .prepare(
            `SELECT j.* FROM jobs j LEFT JOIN turns t ON t.student_id = j.student_id
             WHERE j.state = 'queued' AND j.available_at <= ?
             ORDER BY COALESCE(t.last_turn, 0), j.received_at, j.id LIMIT 1`,
          )
          .get(now);
        if (row === undefined) return undefined;
        const job = parseRow(JobRowSchema, row, 'job');
        this.db
          .prepare(`UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, runner = ?, error = NULL, error_code = NULL WHERE id = ?`)
          .run(now, runner, job.id);
        this.db
          .prepare(
            `INSERT INTO turns (student_id, last_turn) VALUES (?, (SELECT COALESCE(MAX(last_turn), 0) + 1 FROM turns))
             ON CONFLICT (student_id) DO UPDATE SET last_turn = (SELECT COALESCE(MAX(last_turn), 0) + 1 FROM turns)`,
          )
          .run(job.student_id);
        return this.getJob(job.id);
      })
      .immediate();
  }

  /**
   * May a graded result for this job still be stored? While it runs, of course; also when it
   * was given up on or queued again because its worker seemed gone (a worker too slow to
   * renew its lock may still deliver): the result is as good as a regrade would be. Never
   * once stored, and never for a superseded job.
   */
  static acceptsResult(job: JobRow): boolean {
    if (job.state === 'running') return true;
    if (job.state === 'queued') return job.error_code === 'INTERRUPTED';
    if (job.state === 'failed') return job.error_code === 'WORKER_LOST' || job.error_code === 'INTERRUPTED';
    return false;
  }

  /**
   * Stores a job's result and marks it done, atomically. 'ignored' when the job cannot take
   * a result any more (already stored, superseded): a job is never stored twice.
   */
  complete(jobId: number, result: Omit<NewResult, 'jobId' | 'submissionId' | 'studentId' | 'assignmentId' | 'commit' | 'treeSha' | 'receivedAt' | 'daysLate'>): 'stored' | 'ignored' {
    return this.db
      .transaction(() => {
        const job = this.findJob(jobId);
        if (job === undefined || !JobQueue.acceptsResult(job)) return 'ignored';
        this.store.insertResult({
          ...result,
          jobId,
          submissionId: job.submission_id,
          studentId: job.student_id,
          assignmentId: job.assignment_id,
          commit: job.commit_sha,
          treeSha: job.tree_sha,
          receivedAt: job.received_at,
          daysLate: job.days_late,
        });
        this.db.prepare(`UPDATE jobs SET state = 'done', finished_at = ?, error_code = NULL, error = NULL WHERE id = ?`).run(result.storedAt, jobId);
        return 'stored' as const;
      })
      .immediate();
  }

  /** Records a failed run: queued again after `retryDelayMs` if it may pass and attempts remain. */
  fail(jobId: number, failure: JobFailure, now: number, p: { maxAttempts: number; retryDelayMs: number }): FailOutcome {
    return this.db
      .transaction(() => {
        const job = this.findJob(jobId);
        if (job === undefined || job.state !== 'running') return 'ignored';
        if (failure.retryable && job.attempts < p.maxAttempts) {
          this.db
            .prepare(`UPDATE jobs SET state = 'queued', available_at = ?, error_code = ?, error = ?, runner = NULL WHERE id = ?`)
            .run(now + p.retryDelayMs, failure.code, failure.message, jobId);
          return 'retry' as const;
        }
        const message = failure.retryable ? `${failure.message} (gave up after ${job.attempts} attempts)` : failure.message;
        this.db.prepare(`UPDATE jobs SET state = 'failed', finished_at = ?, error_code = ?, error = ? WHERE id = ?`).run(now, failure.code, message, jobId);
        return 'failed' as const;
      })
      .immediate();
  }

  /**
   * Grades a job again (an instructor's regrade, e.g. after a fix to the grader): its stored
   * result moves to result_history and the job is queued afresh. 'busy' when it is queued or
   * running already.
   */
  requeueForRegrade(jobId: number, now: number, reason: string): 'queued' | 'busy' | 'unknown' {
    return this.db
      .transaction(() => {
        const job = this.findJob(jobId);
        if (job === undefined) return 'unknown' as const;
        if (job.state === 'queued' || job.state === 'running') return 'busy' as const;
        this.db
          .prepare(
            `INSERT INTO result_history (result_id, job_id, student_id, assignment_id, status, score, max_score, final_score,
               grader_version, stored_at, replaced_at, reason, result_json)
             SELECT id, job_id, student_id, assignment_id, status, score, max_score, final_score, grader_version, stored_at, ?, ?, result_json
             FROM results WHERE job_id = ?`,
          )
          .run(now, reason, jobId);
        this.db.prepare('DELETE FROM results WHERE job_id = ?').run(jobId);
        this.db
          .prepare(
            `UPDATE jobs SET state = 'queued', attempts = 0, interruptions = 0, available_at = ?, started_at = NULL, finished_at = NULL,
               runner = NULL, superseded_by = NULL, error_code = NULL, error = NULL WHERE id = ?`,
          )
          .run(now, jobId);
        return 'queued' as const;
      })
      .immediate();
  }

  /** Puts a running job back without counting the start (an orderly shutdown). */
  release(jobId: number): void {
    this.db
      .prepare(`UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), runner = NULL WHERE id = ? AND state = 'running'`)
      .run(jobId);
  }

  /**
   * After a crash: jobs still marked running (by the runners `owned` selects) are queued again
   * once; a job interrupted a second time fails.
   */
  recoverInterrupted(owned: (runner: string | null) => boolean, now: number): { requeued: number[]; failed: number[] } {
    return this.db
      .transaction(() => {
        const requeued: number[] = [];
        const failed: number[] = [];
        for (const job of this.listJobs({ state: 'running' })) {
          if (!owned(job.runner)) continue;
          if (this.interrupt(job.id, now, 'the grader stopped while grading this job') === 'retry') requeued.push(job.id);
          else failed.push(job.id);
        }
        return { requeued, failed };
      })
      .immediate();
  }

  /**
   * One running job was interrupted (its grader died): queued again the first time, failed
   * the second. 'ignored' when the job is not running.
   */
  interrupt(jobId: number, now: number, why: string): FailOutcome {
    const job = this.findJob(jobId);
    if (job === undefined || job.state !== 'running') return 'ignored';
    if (job.interruptions >= 1) {
      this.db
        .prepare(`UPDATE jobs SET state = 'failed', interruptions = interruptions + 1, finished_at = ?, error_code = 'INTERRUPTED', error = ? WHERE id = ?`)
        .run(now, `grading was interrupted twice (${why}); not tried again: ask for a regrade`, jobId);
      return 'failed';
    }
    this.db
      .prepare(`UPDATE jobs SET state = 'queued', interruptions = interruptions + 1, available_at = ?, runner = NULL, error_code = 'INTERRUPTED', error = ? WHERE id = ?`)
      .run(now, `interrupted once (${why}); retried`, jobId);
    return 'retry';
  }

  counts(): QueueCounts {
    const counts: QueueCounts = { queued: 0, running: 0, done: 0, failed: 0, superseded: 0 };
    for (const raw of this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all()) {
      const row = parseRow(CountRowSchema, raw, 'count');
      const state = JobStateSchema.safeParse(row.state);
      if (state.success) counts[state.data] = row.n;
    }
    return counts;
  }

  /** When the next queued job becomes ready (backoff), if any is waiting. */
  nextReadyAt(): number | undefined {
    const row = parseRow(MinRowSchema, this.db.prepare(`SELECT MIN(available_at) AS t FROM jobs WHERE state = 'queued'`).get(), 'minimum');
    return row.t ?? undefined;
  }
}

/**
 * From push to stored result on the server: record the push (durably, at once), fetch and
 * inspect it (prepare), queue one job per changed assignment folder, grade (on this machine
 * or through Redis workers), store the result with its late penalty.
 *
 * Everything that must survive a restart is in SQLite; on start, work left half-done is
 * picked up again (a job found running counts as interrupted once). Nothing here blocks the
 * event loop for long: git and grading run in child processes.
 */
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import { z } from 'zod';
import type { CourseConfig } from '../config/course-config-schema';
import { applyPenalty, lateness } from '../config/late-policy';
import { hiddenInputsKey } from '../config/hidden-inputs';
import { findAssignment, findStudent, secretEnvNames } from '../config/load-course-config';
import { RepoCache } from '../repo/repo-cache';
import { RepoError } from '../repo/repo-errors';
import type { GradeStore } from '../store/grade-store';
import { parseRow, type JobRow, type SubmissionRow, type SubmissionSource } from '../store/rows';
import { getAssignment } from '../spec/discover';
import { acceptResult } from './accept-result';
import { backoffMs } from './backoff';
import { GradeChildPool, gradingEnv } from './grade-child';
import type { GradeJobContext, GradeJobPayload, JobOutcome } from './grade-job';
import { JobQueue, type QueueCounts } from './job-queue';
import type { JobProgress } from './job-progress';
import { LocalExecutor, type Executor } from './local-executor';
import { StudentNotInRosterError, prepareSubmission } from './prepare-submission';
import { pushStatus, type PushState, type PushStatus } from './push-state';
import { DEFAULT_PREFIX } from './redis-messages';
import { RedisExecutor } from './redis-executor';

export type ExecutionMode = { kind: 'local' } | { kind: 'redis'; url: string; prefix?: string; prefetch?: number };

export interface RetryTimes {
  fetchBaseMs: number;
  fetchMaxMs: number;
  jobBaseMs: number;
  jobMaxMs: number;
}

export const DEFAULT_RETRY_TIMES: Readonly<RetryTimes> = Object.freeze({
  fetchBaseMs: 5_000,
  fetchMaxMs: 30 * 60_000,
  jobBaseMs: 10_000,
  jobMaxMs: 10 * 60_000,
});

export interface GradingServiceOptions {
  config: CourseConfig;
  store: GradeStore;
  mode?: ExecutionMode;
  /** Let student code run without the OS sandbox (development only). */
  insecureNoSandbox?: boolean;
  retry?: Partial<RetryTimes>;
  /** How often waiting work (backoff, pushes recorded by `grader poll`) is looked for. */
  tickMs?: number;
  /** Submissions fetched and inspected at once. */
  prepareConcurrency?: number;
  /** A safety net above the engine's own limits. */
  gradeTimeoutMs?: number;
  /** Jobs a grading process handles before it is replaced (1: a fresh process per job). */
  maxJobsPerChild?: number;
  now?: () => number;
  log?: (event: ServiceEvent) => void;
}

export interface Push {
  studentId: string;
  commit: string;
  branch: string;
  source: SubmissionSource;
  deliveryId?: string;
}

export type ServiceEvent =
  | { type: 'received'; submissionId: number; studentId: string; commit: string; duplicate: boolean }
  | { type: 'prepared'; submissionId: number; jobs: number[]; notes: string[] }
  | { type: 'prepare-retry'; submissionId: number; error: string; inMs: number }
  | { type: 'prepare-failed'; submissionId: number; error: string }
  | { type: 'started'; jobId: number; studentId: string; assignmentId: string; runner: string }
  | { type: 'stored'; jobId: number; studentId: string; assignmentId: string; score: number; maxScore: number; worker: string; totalMs: number }
  | { type: 'job-retry'; jobId: number; code: string; error: string }
  | { type: 'job-failed'; jobId: number; code: string; error: string }
  | { type: 'outcome-ignored'; jobId: number; worker: string }
  | { type: 'recovered'; requeued: number[]; failed: number[] }
  | { type: 'regrade-queued'; jobId: number; by: string }
  | { type: 'warning'; message: string };

/** The live report page's feed: a job's progress (local mode only) and its state changes. */
export interface JobProgressEvent {
  jobId: number;
  progress: JobProgress;
}

const IdRowSchema = z.object({ id: z.number().int() });

export class UnknownStudentError extends Error {
  readonly code = 'UNKNOWN_STUDENT';
}

export class GradingService extends EventEmitter {
  readonly config: CourseConfig;
  readonly store: GradeStore;
  readonly queue: JobQueue;
  readonly repos: RepoCache;
  readonly executor: Executor;
  /** Warm grading processes of the local pool. */
  private readonly grader: GradeChildPool;
  private readonly now: () => number;
  private readonly retry: RetryTimes;
  private readonly preparing = new Map<number, Promise<void>>();
  private readonly preparingStudents = new Set<string>();
  private readonly prepareConcurrency: number;
  private readonly maxScores = new Map<string, number | undefined>();
  /** Progress of the jobs being graded here, for pages opened mid-way. */
  private readonly live = new Map<number, JobProgress[]>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;

  constructor(private readonly options: GradingServiceOptions) {
    super();
    this.config = options.config;
    this.store = options.store;
    this.queue = new JobQueue(options.store);
    this.now = options.now ?? Date.now;
    this.retry = { ...DEFAULT_RETRY_TIMES, ...options.retry };
    this.prepareConcurrency = options.prepareConcurrency ?? 4;
    this.repos = new RepoCache({ root: this.config.reposDir, maxRepoBytes: this.config.limits.maxRepoBytes, timeoutMs: this.config.limits.gitTimeoutMs });
    if (options.log !== undefined) this.on('event', options.log);
    this.grader = new GradeChildPool({
      env: gradingEnv({
        secretVariables: secretEnvNames(this.config),
        ...(this.config.datasetDir !== undefined ? { datasetDir: this.config.datasetDir } : {}),
      }),
      maxIdle: this.config.concurrency,
      ...(options.maxJobsPerChild !== undefined ? { maxJobsPerChild: options.maxJobsPerChild } : {}),
    });
    const mode = options.mode ?? { kind: 'local' };
    const common = {
      queue: this.queue,
      payloadOf: (job: JobRow) => this.payloadOf(job),
      applyOutcome: (jobId: number, outcome: JobOutcome, worker: string) => {
        this.applyOutcome(jobId, outcome, worker);
      },
      onStarted: (job: JobRow) => {
        this.live.set(job.id, []);
        this.emitEvent({ type: 'started', jobId: job.id, studentId: job.student_id, assignmentId: job.assignment_id, runner: job.runner ?? '' });
      },
      onProgress: (jobId: number, progress: JobProgress) => {
        const list = this.live.get(jobId) ?? [];
        if (list.length < 10_000) list.push(progress);
        this.live.set(jobId, list);
        this.emit('progress', { jobId, progress } satisfies JobProgressEvent);
      },
      now: this.now,
    };
    this.executor =
      mode.kind === 'local'
        ? new LocalExecutor({ ...common, concurrency: this.config.concurrency, context: this.jobContext() })
        : new RedisExecutor({
            ...common,
            url: mode.url,
            prefix: mode.prefix ?? DEFAULT_PREFIX,
            prefetch: mode.prefetch ?? 2,
            log: (message) => this.emitEvent({ type: 'warning', message }),
          });
  }

  private emitEvent(event: ServiceEvent): void {
    if (event.type === 'stored' || event.type === 'job-failed' || event.type === 'job-retry') this.live.delete(event.jobId);
    this.emit('event', event);
  }

  /** What a job being graded here has reported so far (empty when not running here). */
  liveProgress(jobId: number): readonly JobProgress[] {
    return this.live.get(jobId) ?? [];
  }

  /** Grades one job again; its current result is kept in the history. */
  regradeJob(jobId: number, by: string): 'queued' | 'busy' | 'unknown' {
    const outcome = this.queue.requeueForRegrade(jobId, this.now(), `regraded by ${by}`);
    if (outcome === 'queued') {
      this.emitEvent({ type: 'regrade-queued', jobId, by });
      this.executor.pump();
    }
    return outcome;
  }

  /** Grades every student's latest submission of an assignment again; returns the jobs queued. */
  regradeAssignment(assignmentId: string, by: string): number[] {
    const latest = this.store.db
      .prepare(
        `SELECT j.id FROM jobs j WHERE j.assignment_id = ? AND j.state IN ('done', 'failed')
         AND j.id = (SELECT k.id FROM jobs k WHERE k.student_id = j.student_id AND k.assignment_id = j.assignment_id
                     AND k.state != 'superseded' ORDER BY k.received_at DESC, k.id DESC LIMIT 1)`,
      )
      .all(assignmentId);
    const queued: number[] = [];
    for (const row of latest) {
      const { id } = parseRow(IdRowSchema, row, 'job id');
      if (this.regradeJob(id, by) === 'queued') queued.push(id);
    }
    return queued;
  }

  /** What the local pool's jobs need (the Redis workers build their own). */
  jobContext(): GradeJobContext {
    const c = this.config;
    return {
      repos: this.repos,
      workRoot: c.workDir,
      maxFolderBytes: c.limits.maxFolderBytes,
      insecureNoSandbox: this.options.insecureNoSandbox ?? false,
      grader: this.grader,
      gradeTimeoutMs: this.options.gradeTimeoutMs ?? 60 * 60_000,
      ...(c.catalogueRoot !== undefined ? { catalogueRoot: c.catalogueRoot } : {}),
      ...(c.backend !== undefined ? { backend: c.backend } : {}),
    };
  }

  private payloadOf(job: JobRow): GradeJobPayload {
    const student = findStudent(this.config, job.student_id);
    return {
      jobId: job.id,
      attempt: job.attempts,
      studentId: job.student_id,
      // Empty for a student removed from the roster: the job fails with NOT_IN_ROSTER.
      repoUrl: student?.repo ?? '',
      commit: job.commit_sha,
      assignmentId: job.assignment_id,
      treeSha: job.tree_sha,
      hiddenInputsKey: hiddenInputsKey(this.config.secrets.hiddenInputs, job.commit_sha),
      ...(this.config.backend !== undefined ? { backend: this.config.backend } : {}),
      lang: this.config.language,
    };
  }

  /** Records a push and starts work on it. A commit already known is not graded again. */
  receivePush(push: Push): { submission: SubmissionRow; duplicate: boolean } {
    if (findStudent(this.config, push.studentId) === undefined) {
      throw new UnknownStudentError(`no student '${push.studentId}' in course ${this.config.course}`);
    }
    const recorded = this.store.recordSubmission({ ...push, receivedAt: this.now() });
    this.emitEvent({ type: 'received', submissionId: recorded.submission.id, studentId: push.studentId, commit: push.commit, duplicate: recorded.duplicate });
    if (!recorded.duplicate) this.pumpPreparer();
    return recorded;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Jobs marked running by a process of this server died with it. In local mode that is
    // every running job (also ones a Redis setup left); Redis jobs are reconciled with BullMQ.
    const local = this.executor instanceof LocalExecutor;
    const recovered = this.queue.recoverInterrupted((runner) => local || runner !== RedisExecutor.runner, this.now());
    if (recovered.requeued.length + recovered.failed.length > 0) this.emitEvent({ type: 'recovered', ...recovered });
    if (this.executor instanceof LocalExecutor) this.grader.warm(this.config.concurrency);
    await this.executor.start();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
    this.timer.unref();
    this.tick();
  }

  /** Looks for due work: received pushes, jobs whose backoff ended. */
  tick(): void {
    if (this.stopping) return;
    this.pumpPreparer();
    this.executor.pump();
  }

  private pumpPreparer(): void {
    if (this.stopping || !this.started) return;
    let free = this.prepareConcurrency - this.preparing.size;
    if (free <= 0) return;
    const due = this.store.submissionsToPrepare(this.now(), 100, [...this.preparing.keys()]);
    for (const submission of due) {
      if (free <= 0) break;
      // One student's pushes are prepared in receipt order, one at a time.
      if (this.preparingStudents.has(submission.student_id)) continue;
      this.preparingStudents.add(submission.student_id);
      const work = this.prepare(submission).finally(() => {
        this.preparing.delete(submission.id);
        this.preparingStudents.delete(submission.student_id);
        this.pumpPreparer();
      });
      this.preparing.set(submission.id, work);
      free -= 1;
    }
  }

  private async prepare(submission: SubmissionRow): Promise<void> {
    try {
      const prepared = await prepareSubmission(submission, { config: this.config, repos: this.repos, store: this.store, queue: this.queue });
      const now = this.now();
      const jobs = this.store.db
        .transaction(() => {
          const added = this.queue.addJobs(submission, prepared.jobs, now);
          this.store.recordAttempts(submission, prepared.attempts);
          this.store.markPrepared(submission.id, { now, fetchMs: prepared.fetchMs, notes: prepared.notes });
          return added;
        })
        .immediate();
      this.emitEvent({ type: 'prepared', submissionId: submission.id, jobs: jobs.map((j) => j.id), notes: prepared.notes });
      this.executor.pump();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const notInRoster = err instanceof StudentNotInRosterError;
      const retryable = err instanceof RepoError ? err.retryable : !notInRoster;
      const code = err instanceof RepoError ? err.code : notInRoster ? err.code : 'INTERNAL';
      const attempt = submission.attempts + 1;
      if (retryable && attempt < this.config.limits.fetchAttempts) {
        const inMs = backoffMs(attempt, { baseMs: this.retry.fetchBaseMs, maxMs: this.retry.fetchMaxMs });
        this.store.retrySubmission(submission.id, { error: message, code, availableAt: this.now() + inMs });
        this.emitEvent({ type: 'prepare-retry', submissionId: submission.id, error: message, inMs });
      } else {
        const final = retryable ? `${message} (gave up after ${attempt} attempts)` : message;
        this.store.failSubmission(submission.id, final, code);
        this.emitEvent({ type: 'prepare-failed', submissionId: submission.id, error: final });
      }
    }
  }

  private maxScoreOf(assignmentId: string): number | undefined {
    if (!this.maxScores.has(assignmentId)) {
      let max: number | undefined;
      try {
        max = getAssignment(assignmentId, this.config.catalogueRoot).spec.tests.reduce((s, t) => s + t.points, 0);
      } catch {
        max = undefined;
      }
      this.maxScores.set(assignmentId, max);
    }
    return this.maxScores.get(assignmentId);
  }

  /** Stores a job's outcome (from this machine or a worker); a job is stored once. */
  applyOutcome(jobId: number, outcome: JobOutcome, worker: string): 'stored' | 'retry' | 'failed' | 'ignored' {
    const job = this.queue.findJob(jobId);
    const wanted = job !== undefined && (outcome.kind === 'graded' ? JobQueue.acceptsResult(job) : job.state === 'running');
    if (job === undefined || !wanted) {
      this.emitEvent({ type: 'outcome-ignored', jobId, worker });
      return 'ignored';
    }
    const now = this.now();
    if (outcome.kind === 'failed') {
      const verdict = this.queue.fail(jobId, outcome, now, {
        maxAttempts: this.config.limits.jobAttempts,
        retryDelayMs: backoffMs(job.attempts, { baseMs: this.retry.jobBaseMs, maxMs: this.retry.jobMaxMs }),
      });
      if (verdict === 'retry') this.emitEvent({ type: 'job-retry', jobId, code: outcome.code, error: outcome.message });
      if (verdict === 'failed') this.emitEvent({ type: 'job-failed', jobId, code: outcome.code, error: outcome.message });
      return verdict;
    }
    const result = acceptResult(outcome.result, {
      assignmentId: job.assignment_id,
      commit: job.commit_sha,
      maxScore: () => this.maxScoreOf(job.assignment_id),
      notes: outcome.notes,
    });
    const assignment = findAssignment(this.config, job.assignment_id);
    const penaltyPercent = assignment !== undefined ? lateness(assignment.latePolicy, assignment.dueMs, job.received_at).penaltyPercent : 0;
    const stored = this.queue.complete(jobId, {
      status: result.status,
      score: result.score,
      maxScore: result.max_score,
      penaltyPercent,
      finalScore: applyPenalty(result.score, penaltyPercent),
      backend: result.backend,
      dataset: result.dataset ?? null,
      graderVersion: result.grader_version,
      worker,
      queueMs: Math.max(0, (job.started_at ?? now) - job.received_at),
      fetchMs: outcome.timings.fetchMs,
      exportMs: outcome.timings.exportMs,
      gradeMs: outcome.timings.gradeMs,
      totalMs: Math.max(0, now - job.received_at),
      storedAt: now,
      resultJson: JSON.stringify(result),
    });
    if (stored === 'ignored') {
      this.emitEvent({ type: 'outcome-ignored', jobId, worker });
      return 'ignored';
    }
    this.emitEvent({ type: 'stored', jobId, studentId: job.student_id, assignmentId: job.assignment_id, score: result.score, maxScore: result.max_score, worker, totalMs: now - job.received_at });
    return 'stored';
  }

  status(): { course: string; mode: string; queue: QueueCounts; preparing: number; pendingSubmissions: number; submissions: Record<PushState, number> } {
    const preparing = [...this.preparing.keys()];
    const stored = this.store.countSubmissionsByState(preparing);
    return {
      course: this.config.course,
      mode: this.executor instanceof RedisExecutor ? 'redis' : 'local',
      queue: this.queue.counts(),
      preparing: this.preparing.size,
      pendingSubmissions: this.store.countSubmissions('received'),
      submissions: { ...stored, preparing: preparing.length },
    };
  }

  /**
   * Fetches a failed push again (an instructor's action: the remote is back, the repository
   * was made smaller, the student was added back to the roster). False when it had not failed.
   */
  retryFailedSubmission(submissionId: number): boolean {
    const retried = this.store.retryFailedSubmission(submissionId, this.now());
    if (retried) this.pumpPreparer();
    return retried;
  }

  /** Where an accepted push is (see push-state.ts). */
  pushStatus(submission: SubmissionRow): PushStatus {
    return pushStatus(submission, this.preparing.has(submission.id));
  }

  /** True when nothing is received, being prepared, queued or running. */
  idle(): boolean {
    const counts = this.queue.counts();
    return this.preparing.size === 0 && counts.queued === 0 && counts.running === 0 && this.store.nextSubmissionDue() === undefined;
  }

  /** Resolves when idle (tests, benchmarks); rejects after `timeoutMs`. */
  async waitUntilIdle(timeoutMs: number, pollMs = 50): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.idle()) {
      if (Date.now() > deadline) throw new Error(`not idle after ${timeoutMs} ms: ${JSON.stringify(this.status())}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Stops taking work; jobs being graded here are stopped and put back in the queue. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await Promise.allSettled([...this.preparing.values()]);
    await this.executor.stop();
    await this.grader.close();
  }
}

export function defaultWorkerName(): string {
  return `${os.hostname()}:${process.pid}`;
}

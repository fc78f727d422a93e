/**
 * The server's side of the scale-out mode: jobs are still claimed from the SQLite queue (so
 * fairness, superseding and retries work the same), then handed to BullMQ a few at a time
 * (`prefetch` waiting in Redis at most), and results come back on the results queue to be
 * stored here. A grade job that BullMQ gives up on (its worker died twice) fails here; one
 * that Redis lost counts as an interruption.
 */
import { Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import type { JobRow } from '../store/rows';
import type { GradeJobPayload, JobOutcome } from './grade-job';
import type { JobQueue } from './job-queue';
import { JobProgressSchema, type JobProgress } from './job-progress';
import type { Executor } from './local-executor';
import { GRADE_QUEUE, RESULTS_QUEUE, ResultMessageSchema, gradeJobKey, redisConnection, whenReady } from './redis-messages';

export interface RedisExecutorDeps {
  url: string;
  prefix: string;
  /** Grade jobs waiting in Redis at most (the rest wait in SQLite, in fairness order). */
  prefetch: number;
  queue: JobQueue;
  payloadOf(job: JobRow): GradeJobPayload;
  applyOutcome(jobId: number, outcome: JobOutcome, worker: string): void;
  onStarted?(job: JobRow): void;
  /** Progress the workers report (BullMQ job progress), validated. */
  onProgress?(jobId: number, progress: JobProgress): void;
  now(): number;
  log(message: string): void;
  /** How often dispatched jobs are checked against BullMQ. */
  reconcileMs?: number;
}

const KEY = /^job-(\d+)-(\d+)$/;

/** How long after its grade job completed a result may still be on its way. */
const RESULT_GRACE_MS = 2 * 60_000;

export class RedisExecutor implements Executor {
  static readonly runner = 'redis';
  private readonly connection: ConnectionOptions;
  private gradeQueue: Queue | undefined;
  private resultsWorker: Worker | undefined;
  private events: QueueEvents | undefined;
  /** Dispatching and reconciling run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private dispatchPending = false;
  private stopping = false;
  private reconcileTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RedisExecutorDeps) {
    this.connection = redisConnection(deps.url);
  }

  async start(): Promise<void> {
    const common = { connection: this.connection, prefix: this.deps.prefix };
    this.gradeQueue = new Queue(GRADE_QUEUE, common);
    this.gradeQueue.on('error', (err) => this.deps.log(`grade queue: ${err.message}`));
    this.resultsWorker = new Worker(
      RESULTS_QUEUE,
      async (job) => {
        const parsed = ResultMessageSchema.safeParse(job.data);
        if (!parsed.success) {
          this.deps.log(`dropped a malformed result message ${job.id ?? '?'}: ${parsed.error.issues[0]?.message ?? ''}`);
          return;
        }
        this.deps.applyOutcome(parsed.data.jobId, parsed.data.outcome, parsed.data.worker);
        this.pump();
      },
      { ...common, concurrency: 1 },
    );
    this.resultsWorker.on('error', (err) => this.deps.log(`results worker: ${err.message}`));
    this.events = new QueueEvents(GRADE_QUEUE, common);
    this.events.on('active', () => this.pump());
    this.events.on('progress', ({ jobId, data }) => {
      const key = KEY.exec(jobId);
      const progress = JobProgressSchema.safeParse(data);
      if (key !== null && progress.success) this.deps.onProgress?.(Number(key[1]), progress.data);
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      void this.onBullFailed(jobId, failedReason);
    });
    this.events.on('error', (err) => this.deps.log(`queue events: ${err.message}`));
    try {
      await whenReady('the grading server', this.deps.url, [this.gradeQueue.waitUntilReady(), this.resultsWorker.waitUntilReady(), this.events.waitUntilReady()]);
    } catch (err) {
      await this.stop();
      throw err;
    }
    await this.reconcile();
    this.pump();
    this.reconcileTimer = setInterval(() => void this.reconcile(), this.deps.reconcileMs ?? 30_000);
    this.reconcileTimer.unref();
  }

  active(): number {
    return this.deps.queue.listJobs({ state: 'running' }).filter((j) => j.runner === RedisExecutor.runner).length;
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task);
    this.chain = next.catch((err: unknown) => this.deps.log(`redis: ${err instanceof Error ? err.message : String(err)}`));
    return this.chain;
  }

  pump(): void {
    if (this.stopping || this.gradeQueue === undefined || this.dispatchPending) return;
    this.dispatchPending = true;
    void this.serial(async () => {
      this.dispatchPending = false;
      await this.dispatch();
    });
  }

  private async dispatch(): Promise<void> {
    const queue = this.gradeQueue;
    if (queue === undefined) return;
    let waiting = await queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
    while (waiting < this.deps.prefetch && !this.stopping) {
      const job = this.deps.queue.claim(RedisExecutor.runner, this.deps.now());
      if (job === undefined) return;
      this.deps.onStarted?.(job);
      try {
        await queue.add('grade', this.deps.payloadOf(job), {
          jobId: gradeJobKey(job.id, job.attempts),
          attempts: 1,
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        });
      } catch (err) {
        // Not in Redis: put it back without counting the start.
        this.deps.queue.release(job.id);
        throw err;
      }
      waiting += 1;
    }
  }

  /** BullMQ failed a grade job: its worker died while holding it a second time. */
  private async onBullFailed(bullJobId: string, reason: string): Promise<void> {
    const m = KEY.exec(bullJobId);
    if (m === null) return;
    const jobId = Number(m[1]);
    const attempt = Number(m[2]);
    const job = this.deps.queue.findJob(jobId);
    if (job === undefined || job.state !== 'running' || job.runner !== RedisExecutor.runner || job.attempts !== attempt) return;
    this.deps.applyOutcome(
      jobId,
      { kind: 'failed', code: 'WORKER_LOST', message: `grading workers stopped while grading this job twice; not tried again (${reason})`, retryable: false },
      RedisExecutor.runner,
    );
    this.pump();
  }

  /** Checks the jobs this server believes are in Redis. */
  reconcile(): Promise<void> {
    return this.serial(() => this.reconcileNow());
  }

  private async reconcileNow(): Promise<void> {
    const queue = this.gradeQueue;
    if (queue === undefined) return;
    for (const job of this.deps.queue.listJobs({ state: 'running' })) {
      if (job.runner !== RedisExecutor.runner) continue;
      const bull = await queue.getJob(gradeJobKey(job.id, job.attempts));
      if (bull === undefined || bull === null) {
        this.deps.queue.interrupt(job.id, this.deps.now(), 'the job was lost from Redis');
        continue;
      }
      const state = await bull.getState();
      if (state === 'failed') await this.onBullFailed(bull.id ?? '', bull.failedReason ?? 'failed');
      // Its worker finished long ago, but no result was stored (the message was lost).
      const finished = bull.finishedOn;
      if (state === 'completed' && finished !== undefined && this.deps.now() - finished > RESULT_GRACE_MS) {
        this.deps.queue.interrupt(job.id, this.deps.now(), 'its result never arrived');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconcileTimer !== undefined) clearInterval(this.reconcileTimer);
    await this.chain;
    await Promise.allSettled([this.resultsWorker?.close(), this.events?.close()]);
    await Promise.allSettled([this.gradeQueue?.close()]);
  }
}

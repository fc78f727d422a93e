/**
 * `grader worker`: takes grade jobs from BullMQ, grades them exactly as the server's own pool
 * does (fetch, export, child process) and sends each outcome back on the results queue. A
 * worker that dies mid-job leaves its job locked until the lock expires; another worker then
 * takes it (once: BullMQ fails a job that stalls twice and the server records that).
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { GradeJobPayloadSchema, runGradeJob, type GradeJobContext } from './grade-job';
import { GRADE_QUEUE, RESULTS_QUEUE, redisConnection, resultKey, whenReady, type ResultMessage } from './redis-messages';

export interface RedisWorkerOptions {
  url: string;
  prefix: string;
  /** Recorded with every result. */
  name: string;
  concurrency: number;
  context: GradeJobContext;
  /** How long a job's lock lasts without renewal (a dead worker's job waits this long). */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. */
  stalledIntervalMs?: number;
  log?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'started'; jobId: number; attempt: number; studentId: string; assignmentId: string }
  | { type: 'finished'; jobId: number; attempt: number; outcome: 'graded' | 'failed'; ms: number }
  | { type: 'error'; message: string };

export interface RunningWorker {
  /** Waits for jobs in hand to finish, then disconnects. */
  close(): Promise<void>;
}

export async function startRedisWorker(options: RedisWorkerOptions): Promise<RunningWorker> {
  const connection = redisConnection(options.url);
  const log = options.log ?? (() => undefined);
  const results = new Queue(RESULTS_QUEUE, { connection, prefix: options.prefix });
  const worker = new Worker(
    GRADE_QUEUE,
    async (job) => {
      const parsed = GradeJobPayloadSchema.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`malformed grade job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const payload = parsed.data;
      const started = Date.now();
      log({ type: 'started', jobId: payload.jobId, attempt: payload.attempt, studentId: payload.studentId, assignmentId: payload.assignmentId });
      // Progress reaches the server's live report pages through BullMQ's queue events.
      const outcome = await runGradeJob(payload, options.context, undefined, (progress) => {
        job.updateProgress(progress).catch(() => undefined);
      });
      const message: ResultMessage = { jobId: payload.jobId, attempt: payload.attempt, worker: options.name, outcome };
      await results.add('result', message, {
        jobId: resultKey(payload.jobId, payload.attempt),
        // Storing may fail for a moment (the database busy): the server tries again.
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      log({ type: 'finished', jobId: payload.jobId, attempt: payload.attempt, outcome: outcome.kind, ms: Date.now() - started });
      return { outcome: outcome.kind };
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      name: options.name,
      lockDuration: options.lockDurationMs ?? 60_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 1,
    },
  );
  let lastError = { message: '', at: 0 };
  const onError = (err: Error) => {
    // ioredis reports a lost connection on every retry: once per message per 10 s is enough.
    const now = Date.now();
    if (err.message === lastError.message && now - lastError.at < 10_000) return;
    lastError = { message: err.message, at: now };
    log({ type: 'error', message: err.message });
  };
  worker.on('error', onError);
  results.on('error', onError);
  try {
    await whenReady('grader worker', options.url, [worker.waitUntilReady(), results.waitUntilReady()]);
  } catch (err) {
    await Promise.allSettled([worker.close(true), results.close()]);
    throw err;
  }
  return {
    async close() {
      await worker.close();
      await results.close();
    },
  };
}

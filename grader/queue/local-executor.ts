/**
 * Grades on this machine: claims jobs from the SQLite queue by the fairness rule and runs at
 * most `concurrency` at once, each in its own child process (the server's event loop only
 * waits on them).
 */
import type { JobRow } from '../store/rows';
import type { GradeJobContext, GradeJobPayload, JobOutcome } from './grade-job';
import { runGradeJob } from './grade-job';
import type { JobProgress } from './job-progress';
import type { JobQueue } from './job-queue';

export interface Executor {
  start(): Promise<void>;
  /** Looks for work now (a job was added or finished). */
  pump(): void;
  /** Stops taking work; running jobs are stopped and put back. */
  stop(): Promise<void>;
  /** Jobs this executor has in hand. */
  active(): number;
}

export interface LocalExecutorDeps {
  queue: JobQueue;
  concurrency: number;
  context: GradeJobContext;
  payloadOf(job: JobRow): GradeJobPayload;
  applyOutcome(jobId: number, outcome: JobOutcome, worker: string): void;
  onStarted?(job: JobRow): void;
  /** Progress of a job being graded (tests, epochs). */
  onProgress?(jobId: number, progress: JobProgress): void;
  now(): number;
}

export class LocalExecutor implements Executor {
  readonly runner = `local:${process.pid}`;
  private readonly running = new Map<number, { done: Promise<void>; abort: AbortController }>();
  private stopping = false;

  constructor(private readonly deps: LocalExecutorDeps) {}

  async start(): Promise<void> {
    this.pump();
  }

  active(): number {
    return this.running.size;
  }

  pump(): void {
    while (!this.stopping && this.running.size < this.deps.concurrency) {
      const job = this.deps.queue.claim(this.runner, this.deps.now());
      if (job === undefined) return;
      this.deps.onStarted?.(job);
      const abort = new AbortController();
      const done = this.run(job, abort.signal).finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
      this.running.set(job.id, { done, abort });
    }
  }

  private async run(job: JobRow, signal: AbortSignal): Promise<void> {
    let outcome: JobOutcome;
    try {
      const onProgress = this.deps.onProgress;
      outcome = await runGradeJob(this.deps.payloadOf(job), this.deps.context, signal, onProgress !== undefined ? (p) => onProgress(job.id, p) : undefined);
    } catch (err) {
      outcome = { kind: 'failed', code: 'GRADER_ERROR', message: err instanceof Error ? err.message : String(err), retryable: true };
    }
    if (signal.aborted) {
      this.deps.queue.release(job.id);
      return;
    }
    this.deps.applyOutcome(job.id, outcome, this.runner);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const { abort } of this.running.values()) abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }
}

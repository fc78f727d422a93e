/** The parent's side of the grading child processes (see grade-child-main.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { z } from 'zod';
import { DIST_ROOT } from '../paths';
import { GradeChildReplySchema, type GradeChildRequest } from './grade-child-protocol';
import { JobProgressSchema, type JobProgress } from './job-progress';

export const GRADE_CHILD_MAIN = path.join(DIST_ROOT, 'grader', 'queue', 'grade-child-main.js');

export class GradeChildError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** May another try pass (the child crashed or timed out) or not (the request is wrong)? */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'GradeChildError';
  }
}

export interface GradeCallOptions {
  /** A safety net above the engine's own time limits. */
  timeoutMs: number;
  /** Kills the child (an orderly shutdown of the server or worker). */
  signal?: AbortSignal;
  /** Progress while grading (tests, epochs), validated. */
  onProgress?: (progress: JobProgress) => void;
}

/** Grades one request; resolves with the engine's raw result (to be validated). */
export interface Grader {
  grade(request: Omit<GradeChildRequest, 'id'>, options: GradeCallOptions): Promise<unknown>;
  close(): Promise<void>;
}

const OUTPUT_KEEP = 8000;

/** Errors of the grading process that another try would only repeat. */
const NOT_RETRYABLE = new Set(['UNKNOWN_ASSIGNMENT', 'BAD_REQUEST', 'SANDBOX_UNAVAILABLE', 'SANDBOX_CONFIG']);

let nextId = 1;

/** One child's answer to one job. */
interface ChildResult {
  /** The engine's raw result (validated later). */
  result: unknown;
  /** What failed in the child's tensor backend during the job, if anything did. */
  backendFailure?: string;
}

const ResultHeadSchema = z.object({ status: z.string(), output: z.string().optional() });

/**
 * Why a job's result is the grader's fault rather than a verdict on the submission: a result
 * with status 'error' (by the result contract, the grader failed), or a tensor backend that
 * failed in the job (whatever the result says, it was computed on a broken backend).
 */
function graderFault(answer: ChildResult): string | undefined {
  if (answer.backendFailure !== undefined) return answer.backendFailure;
  const head = ResultHeadSchema.safeParse(answer.result);
  if (!head.success || head.data.status !== 'error') return undefined;
  const firstLine = (head.data.output ?? '').split('\n')[0]?.trim() ?? '';
  return firstLine !== '' ? firstLine.slice(0, 500) : 'the result has status error';
}

/** The result stored after the grader failed twice: status error, with both reasons first. */
function failedTwice(answer: ChildResult, first: string, second: string, lang: 'en' | 'ru'): unknown {
  const raw = answer.result;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const head = ResultHeadSchema.safeParse(raw);
  const before = head.success ? (head.data.output ?? '') : '';
  const note =
    lang === 'ru'
      ? `[grader] Проверяющая программа дважды дала сбой на этой посылке, каждый раз в новом процессе; это не ошибка решения, преподаватели могут перепроверить её. Первый раз: ${first}. Второй раз: ${second}.`
      : `[grader] The grader failed on this submission twice, each time in a fresh grading process; this is not the submission's fault, and instructors can regrade it. First: ${first}. Second: ${second}.`;
  return { ...raw, status: 'error', output: before !== '' ? `${note}\n\n${before}` : note };
}

/**
 * The grading processes' environment: the server's, less its secrets, with the dataset
 * folder (GRADER_MNIST_DIR) when one is configured.
 */
export function gradingEnv(p: { secretVariables: readonly string[]; datasetDir?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (p.secretVariables.includes(k)) continue;
    env[k] = v;
  }
  if (p.datasetDir !== undefined) env.GRADER_MNIST_DIR = p.datasetDir;
  return env;
}

/** One grading child process; runs one request at a time. */
class GradeChild {
  readonly process: ChildProcess;
  jobs = 0;
  /** Resolves when the process has gone. */
  readonly gone: Promise<void>;
  private output = '';
  private exited = false;

  constructor(env: NodeJS.ProcessEnv) {
    this.process = spawn(process.execPath, [GRADE_CHILD_MAIN], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    };
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    this.gone = new Promise((resolve) => {
      this.process.on('close', () => {
        this.exited = true;
        resolve();
      });
      this.process.on('error', () => {
        this.exited = true;
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.exited && this.process.connected;
  }

  kill(): void {
    if (!this.exited) this.process.kill('SIGKILL');
  }

  run(request: Omit<GradeChildRequest, 'id'>, options: GradeCallOptions): Promise<ChildResult> {
    const id = nextId++;
    const child = this.process;
    return new Promise<ChildResult>((resolve, reject) => {
      let settled = false;
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('close', onClose);
        child.off('error', onError);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        cleanup();
        fn();
      };
      const fail = (code: string, message: string, retryable: boolean) => settle(() => reject(new GradeChildError(code, message, retryable)));
      const onMessage = (raw: unknown) => {
        const parsed = GradeChildReplySchema.safeParse(raw);
        if (!parsed.success) {
          this.kill();
          fail('GRADER_PROTOCOL', 'the grading process sent a malformed reply', true);
          return;
        }
        const reply = parsed.data;
        if (reply.id !== id) return;
        if (reply.type === 'progress') {
          const progress = JobProgressSchema.safeParse(reply.progress);
          if (progress.success) options.onProgress?.(progress.data);
          return;
        }
        if (reply.type === 'result') {
          settle(() => resolve({ result: reply.result, ...(reply.backendFailure !== undefined ? { backendFailure: reply.backendFailure } : {}) }));
        }
        else fail(reply.code, reply.message, !NOT_RETRYABLE.has(reply.code));
      };
      // 'close' comes after the IPC channel has delivered everything (unlike 'exit').
      const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
        const tail = this.output.trim();
        fail('GRADER_CRASHED', `the grading process exited (${signal ?? `code ${code}`}) without a result${tail !== '' ? `:\n${tail}` : ''}`, true);
      };
      const onError = (err: Error) => fail('GRADER_SPAWN', `cannot start the grading process: ${err.message}`, true);
      const onAbort = () => {
        this.kill();
        fail('ABORTED', 'grading was stopped (the grader is shutting down)', true);
      };
      const timer = setTimeout(() => {
        this.kill();
        fail('GRADER_TIMEOUT', `grading did not finish within ${Math.round(options.timeoutMs / 1000)} s`, true);
      }, options.timeoutMs);
      child.on('message', onMessage);
      child.on('close', onClose);
      child.on('error', onError);
      if (options.signal?.aborted === true) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (this.exited) {
        fail('GRADER_CRASHED', 'the grading process is gone', true);
        return;
      }
      child.send({ ...request, id }, (err) => {
        if (err !== null) fail('GRADER_SPAWN', `cannot talk to the grading process: ${err.message}`, true);
      });
    });
  }
}

export interface GradeChildPoolOptions {
  /** The children's environment: never the server's secrets. */
  env: NodeJS.ProcessEnv;
  /** Jobs one child grades before it is replaced (1: a fresh process per job). */
  maxJobsPerChild?: number;
  /** Idle children kept warm. */
  maxIdle?: number;
}

/**
 * Warm grading processes, at most one job each at a time. A child that failed, timed out or
 * was aborted is killed, never reused, and so is one whose result was the grader's fault (a
 * result with status 'error', a tensor backend that failed); a healthy one is reused up to
 * maxJobsPerChild jobs.
 */
export class GradeChildPool implements Grader {
  private readonly idle: GradeChild[] = [];
  private readonly busy = new Set<GradeChild>();
  private closed = false;
  /** Processes started so far (for tests and the log). */
  spawned = 0;
  /** Children killed because their job was the grader's fault (for tests and the log). */
  retired = 0;
  /** Jobs graded a second time because the first result was the grader's fault. */
  retried = 0;

  constructor(private readonly options: GradeChildPoolOptions) {}

  /** Starts `n` children ahead of the first jobs (their module loading overlaps the wait). */
  warm(n: number): void {
    while (!this.closed && this.idle.length < Math.min(n, this.options.maxIdle ?? n)) this.idle.push(this.spawn());
  }

  /**
   * Grades one job. A result that is the grader's fault (graderFault) is graded once more in
   * a fresh process before it is returned; when that fails too, the result says so.
   */
  async grade(request: Omit<GradeChildRequest, 'id'>, options: GradeCallOptions): Promise<unknown> {
    const first = await this.gradeOnce(request, options, false);
    const firstFault = graderFault(first);
    if (firstFault === undefined) return first.result;
    this.retried += 1;
    const second = await this.gradeOnce(request, options, true);
    const secondFault = graderFault(second);
    if (secondFault === undefined) return second.result;
    return failedTwice(second, firstFault, secondFault, request.lang ?? 'en');
  }

  /** One job in one child: a warm one, or (fresh) one started for it. */
  private async gradeOnce(request: Omit<GradeChildRequest, 'id'>, options: GradeCallOptions, fresh: boolean): Promise<ChildResult> {
    if (this.closed) throw new GradeChildError('ABORTED', 'the grader is shutting down', true);
    let child = fresh ? undefined : this.idle.pop();
    while (child !== undefined && !child.alive) child = this.idle.pop();
    child ??= this.spawn();
    this.busy.add(child);
    try {
      const answer = await child.run(request, options);
      child.jobs += 1;
      this.busy.delete(child);
      const max = this.options.maxJobsPerChild ?? 25;
      // A child whose job was the grader's fault may carry the cause (a broken backend, state
      // left behind) into the next job: it never takes another.
      const retire = graderFault(answer) !== undefined;
      if (retire) this.retired += 1;
      if (retire || this.closed || child.jobs >= max || !child.alive || this.idle.length >= (this.options.maxIdle ?? 4)) child.kill();
      else this.idle.push(child);
      return answer;
    } catch (err) {
      this.busy.delete(child);
      child.kill();
      throw err;
    }
  }

  private spawn(): GradeChild {
    this.spawned += 1;
    return new GradeChild(this.options.env);
  }

  /** Idle processes kept warm now. */
  idleCount(): number {
    return this.idle.filter((c) => c.alive).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.splice(0), ...this.busy];
    for (const child of all) child.kill();
    await Promise.all(all.map((c) => c.gone));
  }
}

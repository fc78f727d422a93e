/** The parent's side of a grading child process (see grade-child-main.ts). */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { DIST_ROOT } from '../paths';
import { GradeChildReplySchema, type GradeChildRequest } from './grade-child-protocol';

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

export interface GradeChildOptions {
  /** The child's environment: never the server's secrets. */
  env: NodeJS.ProcessEnv;
  /** A safety net above the engine's own time limits. */
  timeoutMs: number;
  /** Kills the child (an orderly shutdown of the server or worker). */
  signal?: AbortSignal;
}

const OUTPUT_KEEP = 8000;

/** Errors of the grading process that another try would only repeat. */
const NOT_RETRYABLE = new Set(['UNKNOWN_ASSIGNMENT', 'BAD_REQUEST', 'SANDBOX_UNAVAILABLE', 'SANDBOX_CONFIG']);

/** Grades in a fresh child process; resolves with the engine's raw result (to be validated). */
export function gradeInChild(request: GradeChildRequest, options: GradeChildOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRADE_CHILD_MAIN], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: options.env,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let settled = false;
    const onAbort = () => {
      child.kill('SIGKILL');
      settle(() => reject(new GradeChildError('ABORTED', 'grading was stopped (the grader is shutting down)', true)));
    };
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    if (options.signal?.aborted === true) {
      queueMicrotask(onAbort);
    } else {
      options.signal?.addEventListener('abort', onAbort, { once: true });
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new GradeChildError('GRADER_TIMEOUT', `grading did not finish within ${Math.round(options.timeoutMs / 1000)} s`, true)));
    }, options.timeoutMs);
    child.on('message', (raw: unknown) => {
      const parsed = GradeChildReplySchema.safeParse(raw);
      if (!parsed.success) {
        settle(() => reject(new GradeChildError('GRADER_PROTOCOL', 'the grading process sent a malformed reply', true)));
        child.kill('SIGKILL');
        return;
      }
      const reply = parsed.data;
      if (reply.type === 'result') settle(() => resolve(reply.result));
      else settle(() => reject(new GradeChildError(reply.code, reply.message, !NOT_RETRYABLE.has(reply.code))));
    });
    child.on('error', (err) => settle(() => reject(new GradeChildError('GRADER_SPAWN', `cannot start the grading process: ${err.message}`, true))));
    child.on('close', (code, signal) => {
      // 'close' comes after the IPC channel has delivered everything (unlike 'exit').
      settle(() =>
        reject(
          new GradeChildError(
            'GRADER_CRASHED',
            `the grading process exited (${signal ?? `code ${code}`}) without a result${output.trim() !== '' ? `:\n${output.trim()}` : ''}`,
            true,
          ),
        ),
      );
    });
    child.send(request, (err) => {
      if (err !== null) settle(() => reject(new GradeChildError('GRADER_SPAWN', `cannot talk to the grading process: ${err.message}`, true)));
    });
  });
}

/**
 * The ways a call into the runner can fail. Each maps to a test status of the result
 * contract: the student's code threw (error), ran out of time (timeout), or the runner died
 * or broke the protocol (killed).
 */
import type { ErrorInfo } from './protocol';

export type RunnerFailureStatus = 'error' | 'timeout' | 'killed' | 'failed';

export abstract class RunnerFailure extends Error {
  abstract readonly status: RunnerFailureStatus;
}

/** Student code threw (or rejected); `info` is what the runner reported. */
export class StudentCodeError extends RunnerFailure {
  readonly status = 'error' as const;
  constructor(
    readonly info: ErrorInfo,
    readonly where: string,
  ) {
    super(`${where} threw ${info.name}: ${info.message}`);
    this.name = 'StudentCodeError';
  }
}

export class RunnerTimeoutError extends RunnerFailure {
  readonly status = 'timeout' as const;
  constructor(
    readonly where: string,
    readonly limitMs: number,
    /** The student export that was running when time ran out, when the runner said so. */
    readonly exportName?: string,
  ) {
    super(`${where} did not finish within ${(limitMs / 1000).toFixed(1)} s (an endless loop, or a promise that never settles?)`);
    this.name = 'RunnerTimeoutError';
  }
}

export class RunnerKilledError extends RunnerFailure {
  readonly status = 'killed' as const;
  constructor(
    readonly where: string,
    readonly reason: string,
    /** The student export that was running when the runner was stopped, when known. */
    readonly exportName?: string,
  ) {
    super(`${where}: the runner process was stopped: ${reason}`);
    this.name = 'RunnerKilledError';
  }
}

/**
 * What a probe measured came back in a shape the check cannot read. Probes are the grader's
 * own code, but they run beside the submission, which can change what they read (a tensor's
 * methods, a model's save, an object's toJSON): such a report is the submission's doing, not
 * the grader's, so the test fails (never an "internal grader error", which would be graded
 * again in a fresh process and stored as the grader's fault).
 */
export class MalformedReportError extends RunnerFailure {
  readonly status = 'failed' as const;
  constructor(
    readonly probe: string,
    readonly detail: string,
  ) {
    super(`the '${probe}' check could not read what it measured (${detail})`);
    this.name = 'MalformedReportError';
  }
}

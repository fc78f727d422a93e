/**
 * The ways a call into the runner can fail. Each maps to a test status of the result
 * contract: the student's code threw (error), ran out of time (timeout), or the runner died
 * or broke the protocol (killed).
 */
import type { ErrorInfo } from './protocol';

export type RunnerFailureStatus = 'error' | 'timeout' | 'killed';

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

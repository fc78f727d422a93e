/** The sandbox's errors: each with a stable code. */

/** No OS isolation where it is required (untrusted code), or an explicit mode that does not work. */
export class SandboxUnavailableError extends Error {
  readonly code = 'SANDBOX_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** GRADER_SANDBOX or an option names no known mode. */
export class SandboxConfigError extends Error {
  readonly code = 'SANDBOX_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConfigError';
  }
}

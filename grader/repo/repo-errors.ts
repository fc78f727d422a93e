/**
 * What can go wrong with a student's repository, each with a stable code and whether trying
 * again later may help (an unreachable remote) or not (the commit is gone, the repository is
 * too large).
 */
export abstract class RepoError extends Error {
  abstract readonly code: string;
  /** True when the same operation may succeed later (network, host down, lock busy). */
  abstract readonly retryable: boolean;
}

export class RemoteUnreachableError extends RepoError {
  readonly code = 'REMOTE_UNREACHABLE';
  readonly retryable = true;
  constructor(readonly url: string, readonly detail: string) {
    super(`cannot fetch from ${url}: ${detail}`);
    this.name = 'RemoteUnreachableError';
  }
}

export class CommitNotFoundError extends RepoError {
  readonly code = 'COMMIT_NOT_FOUND';
  readonly retryable = false;
  constructor(readonly url: string, readonly commit: string, readonly detail: string) {
    super(`commit ${commit.slice(0, 12)} is not in ${url} (the branch was force-pushed or deleted before it could be fetched): ${detail}`);
    this.name = 'CommitNotFoundError';
  }
}

export class RepoTooLargeError extends RepoError {
  readonly code = 'REPO_TOO_LARGE';
  readonly retryable = false;
  constructor(readonly url: string, readonly limitBytes: number, readonly seenBytes: number) {
    super(
      `${url} is too large to grade: fetching one commit brought more than ${formatBytes(limitBytes)} (at least ${formatBytes(seenBytes)}); keep data sets and weights out of the repository`,
    );
    this.name = 'RepoTooLargeError';
  }
}

export class RepoCacheError extends RepoError {
  readonly code = 'REPO_CACHE';
  readonly retryable = true;
  constructor(readonly detail: string) {
    super(`the local repository cache failed: ${detail}`);
    this.name = 'RepoCacheError';
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

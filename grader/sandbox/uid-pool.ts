/**
 * Host uids for runners when the grader runs as root: each runner gets its own unprivileged
 * uid (and gid) from a range that no account uses. So RLIMIT_NPROC, which counts the
 * processes of a uid, is one runner's alone (a fork bomb in one job cannot starve another),
 * no runner can signal or ptrace another, and "no process left in the runner's uid" is a
 * simple check. Inside bubblewrap the runner sees itself as 65534 (nobody).
 *
 * A grader that does not run as root cannot change uid; bubblewrap's user namespace then
 * maps the runner to the grader's own uid.
 */
import { randomInt } from 'node:crypto';

export const SANDBOX_UID_RANGE = Object.freeze({ first: 1_900_000_000, count: 100_000 });

/** The uid the runner sees inside bubblewrap. */
export const INSIDE_UID = 65534;

let next = randomInt(SANDBOX_UID_RANGE.count);
const given: number[] = [];
const REMEMBERED = 1000;

/** A uid of the range, different from the last count - 1 given out by this process. */
export function allocateUid(): number {
  const uid = SANDBOX_UID_RANGE.first + next;
  next = (next + 1) % SANDBOX_UID_RANGE.count;
  given.push(uid);
  if (given.length > REMEMBERED) given.shift();
  return uid;
}

/** The uids this process gave out most recently (up to 1000): for leak checks. */
export function allocatedUids(): readonly number[] {
  return [...given];
}

export function isSandboxUid(uid: number): boolean {
  return uid >= SANDBOX_UID_RANGE.first && uid < SANDBOX_UID_RANGE.first + SANDBOX_UID_RANGE.count;
}

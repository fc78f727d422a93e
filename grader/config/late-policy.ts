/**
 * The late policy: a percentage off per started day after the due date, and a hard cutoff
 * after which a push is not graded at all. Lateness is measured with the server's receipt
 * time of the push, never the commit's own date (which the student controls).
 */
export interface LatePolicy {
  /** Percent of the score taken off per started day late (0 to 100). */
  percentPerDay: number;
  /** Days after the due date after which pushes are no longer graded; undefined = never. */
  hardCutoffDays?: number;
}

export interface Lateness {
  /** Started days after the due date; 0 when on time. */
  daysLate: number;
  /** Percent taken off the score, 0 to 100. */
  penaltyPercent: number;
  /** False after the hard cutoff: the push is recorded but not graded. */
  accepted: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function lateness(policy: LatePolicy, dueMs: number, receivedMs: number): Lateness {
  const overMs = receivedMs - dueMs;
  const daysLate = overMs > 0 ? Math.ceil(overMs / DAY_MS) : 0;
  const penaltyPercent = Math.min(100, daysLate * policy.percentPerDay);
  const accepted = policy.hardCutoffDays === undefined || overMs <= policy.hardCutoffDays * DAY_MS;
  return { daysLate, penaltyPercent, accepted };
}

/** The score after the penalty, rounded to 4 decimals like every score in a result. */
export function applyPenalty(score: number, penaltyPercent: number): number {
  const r = Math.round(score * (1 - penaltyPercent / 100) * 1e4) / 1e4;
  return r === 0 ? 0 : r;
}

/**
 * Which submission counts, under the course's stated policy. Pure: the grade book gathers a
 * student's attempts at an assignment (every push that carried its folder, in receipt
 * order) with what is known of each one's content, and this picks the one that counts.
 *
 * - A push counts with the result of its folder's content, wherever that was graded: a
 *   revert to an earlier version counts with that version's result (content, not commit
 *   order).
 * - A push whose folder is the same as the push before it submitted nothing new for this
 *   assignment (the student changed another folder): it is not a new attempt, so it can
 *   neither make the work late nor replace anything.
 * - The late penalty is computed from each push's receipt time and the student's due date
 *   (their extension, if any) at the time the grade book is read: an extension granted after
 *   the fact applies without a regrade.
 * - A push whose content is still being graded does not count yet: the last counted score
 *   stays until the new one is stored (also while a regrade replaces a result).
 */
import type { CountedPolicy } from '../config/course-config-schema';
import { applyPenalty, lateness, type LatePolicy } from '../config/late-policy';

/** What is known of one attempt's content. */
export interface AttemptScore {
  /** The raw score of its content's result (before any penalty); undefined while none is stored. */
  score?: number;
  maxScore?: number;
  /** The result is the one a regrade is replacing (shown until the new one is stored). */
  stale?: boolean;
}

export interface Attempt<T> {
  receivedAt: number;
  treeSha: string;
  /** Received after the hard cutoff: never counts. */
  accepted: boolean;
  scored: AttemptScore;
  /** The caller's own data (rows, ids), handed back with the choice. */
  ref: T;
}

export type CountedReason = 'latest' | 'best' | 'latest-on-time' | 'late-raised' | 'latest-always';

export interface CountedChoice<T> {
  attempt: Attempt<T>;
  reason: CountedReason;
  daysLate: number;
  penaltyPercent: number;
  /** The score after the penalty. */
  final: number;
  maxScore: number;
  /**
   * The choice compared scores (best of several, or a late push against what counted): which
   * push counts then says something about the totals, hidden tests included.
   */
  comparedScores: boolean;
}

interface Scored<T> {
  attempt: Attempt<T>;
  daysLate: number;
  penaltyPercent: number;
  final: number;
  maxScore: number;
  onTime: boolean;
}

/** The attempts that submitted something new, in receipt order (see the module comment). */
export function newAttempts<T>(attempts: readonly Attempt<T>[]): Attempt<T>[] {
  const out: Attempt<T>[] = [];
  let previousTree: string | undefined;
  for (const a of attempts) {
    if (a.treeSha !== previousTree) out.push(a);
    previousTree = a.treeSha;
  }
  return out;
}

export function chooseCounted<T>(
  attempts: readonly Attempt<T>[],
  policy: CountedPolicy,
  latePolicy: LatePolicy,
  dueMs: number,
): CountedChoice<T> | undefined {
  const scored: Scored<T>[] = [];
  for (const attempt of newAttempts(attempts)) {
    const { score, maxScore } = attempt.scored;
    if (!attempt.accepted || score === undefined || maxScore === undefined) continue;
    const late = lateness(latePolicy, dueMs, attempt.receivedAt);
    scored.push({ attempt, daysLate: late.daysLate, penaltyPercent: late.penaltyPercent, final: applyPenalty(score, late.penaltyPercent), maxScore, onTime: late.daysLate === 0 });
  }
  const lastOnTime = [...scored].reverse().find((s) => s.onTime);
  const comparedScores = policy === 'best' ? scored.length > 1 : policy === 'latest' && scored.some((s) => !s.onTime) && scored.length > 1;
  const pick = (s: Scored<T> | undefined, reason: CountedReason): CountedChoice<T> | undefined =>
    s === undefined ? undefined : { attempt: s.attempt, reason, daysLate: s.daysLate, penaltyPercent: s.penaltyPercent, final: s.final, maxScore: s.maxScore, comparedScores };
  switch (policy) {
    case 'latest-always':
      return pick(scored[scored.length - 1], 'latest-always');
    case 'latest-on-time':
      return pick(lastOnTime, 'latest-on-time');
    case 'best': {
      let best: Scored<T> | undefined;
      // Ties go to the later push.
      for (const s of scored) if (best === undefined || s.final >= best.final) best = s;
      return pick(best, 'best');
    }
    case 'latest': {
      let current = lastOnTime;
      let raised = false;
      for (const s of scored) {
        if (s.onTime) continue;
        // In receipt order: a late push replaces what counts only when it scores higher.
        if (current === undefined || s.final > current.final) {
          raised = current !== undefined;
          current = s;
        }
      }
      return pick(current, raised ? 'late-raised' : 'latest');
    }
  }
}

/**
 * The choice of the submission that counts, policy by policy, on attempts written the way a
 * student's pushes arrive: content (tree) and receipt time, scored or still pending.
 */
import type { CountedPolicy } from '../../grader/config/course-config-schema';
import { chooseCounted, type Attempt } from '../../grader/store/counted-score';

const DAY = 24 * 3600 * 1000;
const DUE = Date.parse('2030-03-01T00:00:00Z');
const LATE = { percentPerDay: 10, hardCutoffDays: 5 };

/** `at` in days relative to the due date (negative: before it). */
function attempt(name: string, at: number, score: number | undefined, tree = name): Attempt<string> {
  return {
    receivedAt: DUE + at * DAY,
    treeSha: tree,
    accepted: at <= LATE.hardCutoffDays,
    scored: score === undefined ? {} : { score, maxScore: 10 },
    ref: name,
  };
}

function pick(policy: CountedPolicy, attempts: Attempt<string>[]) {
  const c = chooseCounted(attempts, policy, LATE, DUE);
  return c === undefined ? undefined : { ref: c.attempt.ref, final: c.final, reason: c.reason };
}

describe('which submission counts', () => {
  it('latest: the latest push by the due date; a late push only when it raises the score', () => {
    // The finding: an on-time 10/10, then a late push under a 100 % penalty, turned into 0.
    expect(pick('latest', [attempt('a', -2, 10), attempt('b', 0.5, 10)])).toEqual({ ref: 'a', final: 10, reason: 'latest' });
    // A late push that scores higher after its 10 % counts instead.
    expect(pick('latest', [attempt('a', -2, 5), attempt('b', 0.5, 9)])).toEqual({ ref: 'b', final: 8.1, reason: 'late-raised' });
    // Sequentially: a later, lower late push does not take it back.
    expect(pick('latest', [attempt('a', -2, 5), attempt('b', 0.5, 9), attempt('c', 1.5, 6)])).toMatchObject({ ref: 'b' });
    // On time, the latest counts even when it is lower (the student's choice).
    expect(pick('latest', [attempt('a', -2, 10), attempt('b', -1, 7)])).toMatchObject({ ref: 'b', final: 7 });
    // Only late pushes: the first counts, later ones when they raise it.
    expect(pick('latest', [attempt('a', 1.5, 6), attempt('b', 2.5, 6)])).toMatchObject({ ref: 'a', final: 4.8 });
  });

  it('says when the choice compared totals (which then must not reach a student before the release)', () => {
    const compared = (policy: CountedPolicy, attempts: Attempt<string>[]) => chooseCounted(attempts, policy, LATE, DUE)?.comparedScores;
    expect(compared('best', [attempt('a', -2, 6), attempt('b', -1, 9)])).toBe(true);
    expect(compared('best', [attempt('a', -2, 6)])).toBe(false);
    expect(compared('latest', [attempt('a', -2, 5), attempt('b', 0.5, 4)])).toBe(true);
    expect(compared('latest', [attempt('a', -2, 5), attempt('b', -1, 4)])).toBe(false);
    expect(compared('latest-always', [attempt('a', -2, 5), attempt('b', 0.5, 4)])).toBe(false);
  });

  it('latest-on-time: later pushes are shown, never counted', () => {
    expect(pick('latest-on-time', [attempt('a', -2, 5), attempt('b', 0.5, 10)])).toMatchObject({ ref: 'a', final: 5 });
    expect(pick('latest-on-time', [attempt('b', 0.5, 10)])).toBeUndefined();
  });

  it('latest-always: the latest push, even late and lower', () => {
    expect(pick('latest-always', [attempt('a', -2, 10), attempt('b', 0.5, 10)])).toMatchObject({ ref: 'b', final: 9, reason: 'latest-always' });
  });

  it('best: the highest score after the penalty; ties go to the later push', () => {
    expect(pick('best', [attempt('a', -2, 6), attempt('b', -1, 9), attempt('c', -0.5, 7)])).toMatchObject({ ref: 'b', final: 9 });
    expect(pick('best', [attempt('a', -2, 9), attempt('b', 0.5, 10)])).toMatchObject({ ref: 'b', final: 9 });
    expect(pick('best', [attempt('a', -2, 9.5), attempt('b', 0.5, 10)])).toMatchObject({ ref: 'a', final: 9.5 });
  });

  it('counts content, not commit order: a revert counts with the reverted-to version', () => {
    // 7 (softmax bug), then 10 (fixed), then a revert to the first content: 7 counts.
    expect(pick('latest', [attempt('a', -3, 7, 'T1'), attempt('b', -2, 10, 'T2'), attempt('c', -1, 7, 'T1')])).toMatchObject({ ref: 'c', final: 7 });
  });

  it('a push that changed nothing in the folder is not a new attempt (it cannot make the work late)', () => {
    // On time T1, then after the due date a push that changed another assignment only.
    expect(pick('latest-always', [attempt('a', -1, 10, 'T1'), attempt('b', 2, 10, 'T1')])).toMatchObject({ ref: 'a', final: 10 });
  });

  it('pending content and pushes after the hard cutoff never count', () => {
    // The newest push is still being graded: the last graded one counts meanwhile.
    expect(pick('latest', [attempt('a', -2, 6), attempt('b', -1, undefined)])).toMatchObject({ ref: 'a' });
    expect(pick('latest-always', [attempt('a', -2, 6), attempt('b', 9, 10)])).toMatchObject({ ref: 'a' });
    expect(pick('best', [])).toBeUndefined();
  });

  it('an extension moves the due date the penalty is measured from', () => {
    const attempts = [attempt('a', 1.5, 10)];
    expect(chooseCounted(attempts, 'latest', LATE, DUE)?.final).toBe(8);
    expect(chooseCounted(attempts, 'latest', LATE, DUE + 3 * DAY)?.final).toBe(10);
  });
});

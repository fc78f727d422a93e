import { applyPenalty, lateness } from '../../grader/config/late-policy';

const due = Date.parse('2025-03-01T23:59:00Z');
const hour = 3600_000;

describe('lateness', () => {
  it('is on time up to and at the due date', () => {
    expect(lateness({ percentPerDay: 10 }, due, due - hour)).toEqual({ daysLate: 0, penaltyPercent: 0, accepted: true });
    expect(lateness({ percentPerDay: 10 }, due, due)).toEqual({ daysLate: 0, penaltyPercent: 0, accepted: true });
  });

  it('counts started days', () => {
    expect(lateness({ percentPerDay: 10 }, due, due + 1)).toMatchObject({ daysLate: 1, penaltyPercent: 10 });
    expect(lateness({ percentPerDay: 10 }, due, due + 24 * hour)).toMatchObject({ daysLate: 1, penaltyPercent: 10 });
    expect(lateness({ percentPerDay: 10 }, due, due + 24 * hour + 1)).toMatchObject({ daysLate: 2, penaltyPercent: 20 });
  });

  it('caps the penalty at 100 % and refuses after the hard cutoff', () => {
    expect(lateness({ percentPerDay: 30 }, due, due + 5 * 24 * hour)).toEqual({ daysLate: 5, penaltyPercent: 100, accepted: true });
    expect(lateness({ percentPerDay: 10, hardCutoffDays: 2 }, due, due + 48 * hour)).toMatchObject({ accepted: true });
    expect(lateness({ percentPerDay: 10, hardCutoffDays: 2 }, due, due + 48 * hour + 1)).toMatchObject({ accepted: false });
    expect(lateness({ percentPerDay: 10, hardCutoffDays: 0 }, due, due + 1)).toMatchObject({ accepted: false });
  });

  it('applies a penalty to a score with the result precision', () => {
    expect(applyPenalty(10, 0)).toBe(10);
    expect(applyPenalty(10, 30)).toBe(7);
    expect(applyPenalty(7.5, 100)).toBe(0);
    expect(applyPenalty(1, 33.3333)).toBe(0.6667);
  });
});

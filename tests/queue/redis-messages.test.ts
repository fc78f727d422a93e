import { ResultMessageSchema, gradeJobKey, redisConnection, resultKey } from '../../grader/queue/redis-messages';

describe('redis messages', () => {
  it('keys one BullMQ job per start of a job', () => {
    expect(gradeJobKey(12, 1)).toBe('job-12-1');
    expect(gradeJobKey(12, 2)).not.toBe(gradeJobKey(12, 1));
    expect(resultKey(12, 1)).toBe('result-12-1');
  });

  it('accepts redis URLs only', () => {
    expect(redisConnection('redis://127.0.0.1:6379')).toEqual({ url: 'redis://127.0.0.1:6379', maxRetriesPerRequest: null });
    expect(() => redisConnection('http://x')).toThrow(/not a Redis URL/);
    expect(() => redisConnection('nonsense')).toThrow(/not a Redis URL/);
  });

  it('parses result messages from workers and rejects malformed ones', () => {
    const ok = { jobId: 1, attempt: 1, worker: 'w', outcome: { kind: 'failed', code: 'X', message: 'm', retryable: true } };
    expect(ResultMessageSchema.safeParse(ok).success).toBe(true);
    expect(ResultMessageSchema.safeParse({ ...ok, jobId: 'one' }).success).toBe(false);
    expect(ResultMessageSchema.safeParse({ ...ok, outcome: { kind: 'graded' } }).success).toBe(false);
  });
});

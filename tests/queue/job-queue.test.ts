/**
 * The queue rules on a real SQLite database: fairness across students, superseding,
 * retry after a crash (once), retry with backoff, and a job stored only once.
 */
import { JobQueue } from '../../grader/queue/job-queue';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import type { SubmissionRow } from '../../grader/store/rows';

let counter = 0;
const nextSha = () => (++counter).toString(16).padStart(40, '0');

function setup() {
  const store = new GradeStore(openDatabase(':memory:'));
  const queue = new JobQueue(store);
  const push = (studentId: string, receivedAt: number, assignments: string[] = ['a1'], daysLate = 0): { submission: SubmissionRow; jobIds: number[] } => {
    const { submission } = store.recordSubmission({ studentId, commit: nextSha(), branch: 'main', source: 'github', receivedAt });
    const jobs = queue.addJobs(submission, assignments.map((a) => ({ assignmentId: a, treeSha: nextSha(), daysLate })), receivedAt);
    return { submission, jobIds: jobs.map((j) => j.id) };
  };
  const result = (storedAt: number) => ({
    status: 'graded',
    score: 1,
    maxScore: 1,
    penaltyPercent: 0,
    finalScore: 1,
    backend: 'cpu',
    dataset: null,
    graderVersion: 't',
    worker: 'w',
    queueMs: 0,
    fetchMs: 0,
    exportMs: 0,
    gradeMs: 0,
    totalMs: 0,
    storedAt,
    resultJson: '{}',
  });
  return { store, queue, push, result };
}

describe('JobQueue', () => {
  it('takes turns across students: 50 pushes by one do not starve the others', () => {
    const { queue, push } = setup();
    // greedy pushes 50 commits first, each for a different assignment (so none supersedes another).
    for (let i = 0; i < 50; i++) push('greedy', 1000 + i, [`a${i}`]);
    push('bob', 2000);
    push('carol', 3000);
    const order: string[] = [];
    for (let job = queue.claim('w', 10_000); job !== undefined; job = queue.claim('w', 10_000)) order.push(job.student_id);
    expect(order.length).toBe(52);
    expect(order.slice(0, 3).sort()).toEqual(['bob', 'carol', 'greedy']);
    expect(order.indexOf('carol')).toBeLessThanOrEqual(2);
  });

  it('serves students round-robin while more pushes arrive', () => {
    const { queue, push } = setup();
    for (let i = 0; i < 3; i++) push('a', 1000 + i, [`x${i}`]);
    for (let i = 0; i < 3; i++) push('b', 2000 + i, [`x${i}`]);
    const order: string[] = [];
    order.push(queue.claim('w', 10_000)?.student_id ?? '-');
    push('c', 3000);
    for (let job = queue.claim('w', 10_000); job !== undefined; job = queue.claim('w', 10_000)) order.push(job.student_id);
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'a', 'b']);
  });

  it('supersedes queued older pushes of the same student and assignment, never running ones', () => {
    const { queue, push } = setup();
    const first = push('alice', 1000, ['a1', 'a2']);
    const running = queue.claim('w', 1500);
    expect(running?.id).toBe(first.jobIds[0]);
    const second = push('alice', 2000, ['a1', 'a2']);
    const third = push('alice', 3000, ['a2']);
    expect(queue.getJob(first.jobIds[0]).state).toBe('running');
    expect(queue.getJob(first.jobIds[1])).toMatchObject({ state: 'superseded', superseded_by: second.jobIds[1] });
    expect(queue.getJob(second.jobIds[0]).state).toBe('queued');
    expect(queue.getJob(second.jobIds[1])).toMatchObject({ state: 'superseded', superseded_by: third.jobIds[0] });
    push('bob', 2500, ['a1']);
    expect(queue.getJob(second.jobIds[0]).state).toBe('queued');
  });

  it('does not let a late push supersede one received on time', () => {
    const { queue, push } = setup();
    const onTime = push('alice', 1000, ['a1'], 0);
    const late = push('alice', 2000, ['a1'], 1);
    const later = push('alice', 3000, ['a1'], 1);
    expect(queue.getJob(onTime.jobIds[0]).state).toBe('queued');
    expect(queue.getJob(late.jobIds[0])).toMatchObject({ state: 'superseded', superseded_by: later.jobIds[0] });
  });

  it('supersedes a push prepared after a newer one (it waited for a fetch retry)', () => {
    const { store, queue, push } = setup();
    const { submission: older } = store.recordSubmission({ studentId: 'alice', commit: nextSha(), branch: 'main', source: 'github', receivedAt: 1000 });
    const newer = push('alice', 2000, ['a1']);
    const [job] = queue.addJobs(older, [{ assignmentId: 'a1', treeSha: nextSha(), daysLate: 0 }], 3000);
    expect(job).toMatchObject({ state: 'superseded', superseded_by: newer.jobIds[0] });
    expect(queue.getJob(newer.jobIds[0]).state).toBe('queued');
  });

  it('retries a job interrupted by a crash once, then fails it', () => {
    const { queue, push } = setup();
    const { jobIds } = push('alice', 1000);
    queue.claim('local:1', 1000);
    expect(queue.recoverInterrupted(() => true, 2000)).toEqual({ requeued: jobIds, failed: [] });
    expect(queue.getJob(jobIds[0])).toMatchObject({ state: 'queued', interruptions: 1, attempts: 1 });
    queue.claim('local:2', 3000);
    expect(queue.recoverInterrupted(() => true, 4000)).toEqual({ requeued: [], failed: jobIds });
    expect(queue.getJob(jobIds[0])).toMatchObject({ state: 'failed', error_code: 'INTERRUPTED', interruptions: 2 });
    expect(queue.getJob(jobIds[0]).error).toMatch(/interrupted twice/);
  });

  it('leaves running jobs of other runners alone when recovering', () => {
    const { queue, push } = setup();
    const { jobIds } = push('alice', 1000);
    queue.claim('redis', 1000);
    expect(queue.recoverInterrupted((r) => r?.startsWith('local:') === true, 2000)).toEqual({ requeued: [], failed: [] });
    expect(queue.getJob(jobIds[0]).state).toBe('running');
  });

  it('retries a retryable failure after the delay, up to the attempts allowed', () => {
    const { queue, push } = setup();
    const { jobIds } = push('alice', 1000);
    const opts = { maxAttempts: 2, retryDelayMs: 5000 };
    queue.claim('w', 1000);
    expect(queue.fail(jobIds[0], { code: 'REMOTE_UNREACHABLE', message: 'down', retryable: true }, 1100, opts)).toBe('retry');
    expect(queue.claim('w', 6000)).toBeUndefined();
    expect(queue.nextReadyAt()).toBe(6100);
    expect(queue.claim('w', 6100)?.id).toBe(jobIds[0]);
    expect(queue.fail(jobIds[0], { code: 'REMOTE_UNREACHABLE', message: 'down', retryable: true }, 7000, opts)).toBe('failed');
    expect(queue.getJob(jobIds[0])).toMatchObject({ state: 'failed', error: 'down (gave up after 2 attempts)' });

    const other = push('bob', 1000).jobIds[0];
    queue.claim('w', 8000);
    expect(queue.fail(other, { code: 'COMMIT_NOT_FOUND', message: 'gone', retryable: false }, 8000, opts)).toBe('failed');
  });

  it('stores a job once: a second outcome is ignored', () => {
    const { store, queue, push, result } = setup();
    const { jobIds } = push('alice', 1000);
    expect(queue.complete(jobIds[0], result(2000))).toBe('ignored'); // not running yet
    queue.claim('w', 1500);
    expect(queue.complete(jobIds[0], result(2000))).toBe('stored');
    expect(queue.complete(jobIds[0], result(3000))).toBe('ignored');
    expect(queue.fail(jobIds[0], { code: 'X', message: 'x', retryable: true }, 3000, { maxAttempts: 5, retryDelayMs: 0 })).toBe('ignored');
    expect(store.listResults()).toHaveLength(1);
    expect(queue.getJob(jobIds[0]).state).toBe('done');
    expect(queue.counts()).toEqual({ queued: 0, running: 0, done: 1, failed: 0, superseded: 0 });
  });

  it('still stores a late result of a job given up on because its worker seemed gone', () => {
    const { store, queue, push, result } = setup();
    const { jobIds } = push('alice', 1000);
    queue.claim('redis', 1000);
    queue.fail(jobIds[0], { code: 'WORKER_LOST', message: 'stalled twice', retryable: false }, 2000, { maxAttempts: 3, retryDelayMs: 0 });
    expect(queue.complete(jobIds[0], result(3000))).toBe('stored');
    expect(queue.getJob(jobIds[0])).toMatchObject({ state: 'done', error_code: null });
    expect(queue.complete(jobIds[0], result(4000))).toBe('ignored');

    const other = push('bob', 1000).jobIds[0];
    queue.claim('redis', 1000);
    queue.interrupt(other, 2000, 'lost from Redis');
    expect(queue.complete(other, result(3000))).toBe('stored');
    expect(queue.claim('w', 5000)).toBeUndefined();
    expect(store.listResults()).toHaveLength(2);

    const superseded = push('carol', 1000).jobIds[0];
    push('carol', 2000);
    expect(queue.complete(superseded, result(3000))).toBe('ignored');
  });

  it('puts a job back without counting the start on an orderly stop', () => {
    const { queue, push } = setup();
    const { jobIds } = push('alice', 1000);
    queue.claim('w', 1000);
    queue.release(jobIds[0]);
    expect(queue.getJob(jobIds[0])).toMatchObject({ state: 'queued', attempts: 0, interruptions: 0 });
  });
});

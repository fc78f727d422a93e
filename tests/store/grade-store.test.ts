import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDatabase, schemaVersion } from '../../grader/store/database';
import { pushStatus } from '../../grader/queue/push-state';
import { GradeStore } from '../../grader/store/grade-store';
import { MIGRATIONS } from '../../grader/store/migrations';
import { tempDir } from '../repo/git-helpers';

const sha = (c: string) => c.repeat(40);

describe('GradeStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('grade-store');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the schema once and keeps data across reopening', () => {
    const file = path.join(dir, 'nested', 'grader.sqlite');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    new GradeStore(db).recordSubmission({ studentId: 'alice', commit: sha('a'), branch: 'main', source: 'github', receivedAt: 1000 });
    db.close();
    const again = openDatabase(file);
    expect(new GradeStore(again).listSubmissions().map((s) => [s.student_id, s.commit_sha, s.received_at, s.state])).toEqual([['alice', sha('a'), 1000, 'received']]);
    again.close();
  });

  it('refuses a database newer than the grader', () => {
    const file = path.join(dir, 'g.sqlite');
    const db = openDatabase(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer than this grader/);
  });

  it('records a commit once per student, keeping the first receipt time', () => {
    const store = new GradeStore(openDatabase(':memory:'));
    const first = store.recordSubmission({ studentId: 'alice', commit: sha('a'), branch: 'main', source: 'github', deliveryId: 'd1', receivedAt: 1000 });
    const again = store.recordSubmission({ studentId: 'alice', commit: sha('a'), branch: 'main', source: 'github', deliveryId: 'd2', receivedAt: 5000 });
    const other = store.recordSubmission({ studentId: 'bob', commit: sha('a'), branch: 'main', source: 'poll', receivedAt: 2000 });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, submission: { id: first.submission.id, received_at: 1000, delivery_id: 'd1' } });
    expect(other.duplicate).toBe(false);
    expect(store.submissionsToPrepare(10_000, 10).map((s) => s.student_id)).toEqual(['alice', 'bob']);
    expect(store.submissionsToPrepare(1500, 10).map((s) => s.student_id)).toEqual(['alice']);
    expect(store.submissionsToPrepare(10_000, 10, [first.submission.id]).map((s) => s.student_id)).toEqual(['bob']);
  });

  it('tracks preparation: retry later, prepared with notes, failed, each with its push state and count', () => {
    const store = new GradeStore(openDatabase(':memory:'));
    const { submission } = store.recordSubmission({ studentId: 'alice', commit: sha('a'), branch: 'main', source: 'github', receivedAt: 1000 });
    expect(pushStatus(store.getSubmission(submission.id), false)).toEqual({ state: 'received', nextAttemptAt: 1000, errorIsStudents: false });
    expect(pushStatus(store.getSubmission(submission.id), true).state).toBe('preparing');
    store.retrySubmission(submission.id, { error: 'host down', code: 'REMOTE_UNREACHABLE', availableAt: 9000 });
    expect(store.getSubmission(submission.id)).toMatchObject({ attempts: 1, available_at: 9000, error: 'host down', error_code: 'REMOTE_UNREACHABLE', state: 'received' });
    expect(pushStatus(store.getSubmission(submission.id), false)).toEqual({ state: 'retrying', nextAttemptAt: 9000, error: 'host down', errorIsStudents: true });
    expect(store.countSubmissionsByState()).toEqual({ received: 0, retrying: 1, prepared: 0, failed: 0 });
    expect(store.countSubmissionsByState([submission.id])).toEqual({ received: 0, retrying: 0, prepared: 0, failed: 0 });
    expect(store.nextSubmissionDue()).toBe(9000);
    store.markPrepared(submission.id, { now: 9500, fetchMs: 12, notes: ['x: unchanged'] });
    expect(store.getSubmission(submission.id)).toMatchObject({ state: 'prepared', notes: ['x: unchanged'], fetch_ms: 12, error: null, error_code: null });
    expect(store.nextSubmissionDue()).toBeUndefined();
    const { submission: s2 } = store.recordSubmission({ studentId: 'bob', commit: sha('b'), branch: 'main', source: 'github', receivedAt: 1000 });
    store.failSubmission(s2.id, 'gone', 'COMMIT_NOT_FOUND');
    expect(store.getSubmission(s2.id)).toMatchObject({ state: 'failed', error: 'gone' });
    expect(pushStatus(store.getSubmission(s2.id), false)).toEqual({ state: 'failed', error: 'gone', errorIsStudents: true });
    const { submission: s3 } = store.recordSubmission({ studentId: 'cid', commit: sha('c'), branch: 'main', source: 'poll', receivedAt: 1000 });
    store.retrySubmission(s3.id, { error: 'the local repository cache failed: disk full', code: 'REPO_CACHE', availableAt: 9000 });
    // The server's own trouble is not the student's to read.
    expect(pushStatus(store.getSubmission(s3.id), false)).toMatchObject({ state: 'retrying', errorIsStudents: false });
    expect(store.countSubmissionsByState()).toEqual({ received: 0, retrying: 1, prepared: 1, failed: 1 });
  });

  it('remembers polled heads and poll errors', () => {
    const store = new GradeStore(openDatabase(':memory:'));
    store.setBranchHead('alice', { commit: sha('a'), checkedAt: 1, error: null });
    store.setBranchHeadError('alice', 2, 'unreachable');
    expect(store.findBranchHead('alice')).toEqual({ student_id: 'alice', commit_sha: sha('a'), checked_at: 2, error: 'unreachable' });
    expect(store.findBranchHead('bob')).toBeUndefined();
  });
});

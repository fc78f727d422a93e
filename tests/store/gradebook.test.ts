/**
 * The grade book on a real SQLite database: the submission that counts follows the policy
 * and the content the student pushed (a revert counts with the earlier result), late
 * penalties follow each student's due date, overrides stay until withdrawn, pending work and
 * regrades keep showing the last counted score, and the CSV is safe to open in a
 * spreadsheet. Also the regrade's history.
 */
import * as path from 'node:path';
import { resolveCourseConfig } from '../../grader/config/load-course-config';
import { JobQueue } from '../../grader/queue/job-queue';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { buildGradebook, gradebookCell, gradebookCsv } from '../../grader/store/gradebook';
import { InstructorRecords } from '../../grader/store/instructor-records';

const ENV = { T_WEBHOOK: 'w'.repeat(32), T_TOKEN: 't'.repeat(32) };
let counter = 0;
const sha = () => (++counter).toString(16).padStart(40, '0');

const DAY = 24 * 3600 * 1000;
const DUE = Date.parse('2030-03-01T00:00:00Z');

function setup(extra: Record<string, unknown> = {}) {
  const config = resolveCourseConfig(
    {
      course: 'c1',
      latePolicy: { percentPerDay: 10, hardCutoffDays: 5 },
      assignments: [
        { id: 'momentum-sgd', due: '2030-03-01T00:00:00Z' },
        { id: 'backprop', due: '2030-03-01T00:00:00Z', counts: 'best' },
      ],
      roster: [
        { id: 'alice', name: 'Alice', repo: '/x/alice.git' },
        { id: 'bob', name: '=HYPERLINK("http://evil.example","click")', repo: '/x/bob.git' },
        { id: 'carol', name: 'Carol, "C."', repo: '/x/carol.git' },
      ],
      secrets: { webhookSecretEnv: 'T_WEBHOOK', instructorTokenEnv: 'T_TOKEN' },
      dataDir: 'data',
      ...extra,
    },
    path.join('/tmp', 'course.yaml'),
    { env: ENV, checkCatalogue: false },
  );
  const store = new GradeStore(openDatabase(':memory:'));
  const queue = new JobQueue(store);
  const records = new InstructorRecords(store.db);
  const finish = (jobId: number, score: number, status = 'graded') => {
    // As if a worker had claimed exactly this job (claim() picks by fairness).
    store.db.prepare(`UPDATE jobs SET state = 'running', runner = 'w' WHERE id = ?`).run(jobId);
    expect(
      queue.complete(jobId, {
        status,
        score,
        maxScore: 10,
        penaltyPercent: 0,
        finalScore: score,
        backend: 'wasm',
        dataset: null,
        graderVersion: 'v1',
        worker: 'w',
        queueMs: 0,
        fetchMs: 0,
        exportMs: 0,
        gradeMs: 1000,
        totalMs: 2000,
        storedAt: Date.now(),
        resultJson: JSON.stringify({ score }),
      }),
    ).toBe('stored');
  };
  /**
   * A push of one assignment folder with content `tree`, `days` after the due date, as the
   * service prepares it: always an attempt; a job only for content not graded or waiting.
   * `score` undefined leaves its job queued.
   */
  const push = (studentId: string, assignmentId: string, tree: string, days: number, score?: number, status?: string) => {
    const at = DUE + days * DAY;
    const { submission } = store.recordSubmission({ studentId, commit: sha(), branch: 'main', source: 'manual', receivedAt: at });
    const treeSha = tree.padEnd(40, '0');
    store.recordAttempts(submission, [{ assignmentId, treeSha, accepted: days <= 5 }]);
    if (queue.findPendingJobForTree(studentId, assignmentId, treeSha) !== undefined) return undefined;
    if (store.listResults({ studentId, assignmentId }).some((r) => r.tree_sha === treeSha)) return undefined;
    const [job] = queue.addJobs(submission, [{ assignmentId, treeSha, daysLate: Math.max(0, Math.ceil(days)), supersedes: false }], at);
    if (score !== undefined) finish(job.id, score, status);
    return job;
  };
  return { config, store, queue, records, push, finish };
}

describe('the grade book', () => {
  it('counts by the policy, with each push\'s late penalty, and writes a safe CSV', () => {
    const { config, store, records, push } = setup();
    // Alice: on time 10, then late 8: the late push does not lower the score (default 'latest').
    push('alice', 'momentum-sgd', 'a1', -1, 10);
    push('alice', 'momentum-sgd', 'a2', 0.5, 8);
    // Bob: graded 4, then a new push still queued: the cell says so and 4 still counts.
    push('bob', 'momentum-sgd', 'b1', -2, 4);
    push('bob', 'momentum-sgd', 'b2', -1);
    // Carol: a compile error counts as 0; 'best' keeps her better earlier backprop.
    push('carol', 'momentum-sgd', 'c0', -1, 0, 'compile_error');
    push('carol', 'backprop', 'c1', -3, 6);
    push('carol', 'backprop', 'c2', -2, 3);

    const book = buildGradebook(config, store, records);
    expect(book.cell('alice', 'momentum-sgd')).toMatchObject({ status: 'graded', counted: 10, late: false, countedFrom: { reason: 'latest' } });
    expect(book.cell('bob', 'momentum-sgd')).toMatchObject({ status: 'queued', counted: 4 });
    expect(book.cell('carol', 'momentum-sgd')).toMatchObject({ status: 'compile_error', counted: 0 });
    expect(book.cell('carol', 'backprop')).toMatchObject({ counted: 6, countedFrom: { reason: 'best' } });
    expect(book.cell('alice', 'backprop')).toMatchObject({ status: 'none', counted: null });

    const csv = gradebookCsv(config, book).split('\r\n');
    expect(csv[0]).toBe('student_id,name,momentum-sgd,backprop,total');
    expect(csv[1]).toBe('alice,Alice,10,,10');
    // A name that a spreadsheet would run as a formula is written as text.
    expect(csv[2]).toBe(`bob,"'=HYPERLINK(""http://evil.example"",""click"")",4,,4`);
    expect(csv[3]).toBe('carol,"Carol, ""C.""",0,6,6');
  });

  it('counts a revert with the earlier content\'s result, both ways', () => {
    const { config, store, records, push } = setup();
    push('alice', 'momentum-sgd', 'soft', -3, 7);
    push('alice', 'momentum-sgd', 'fixed', -2, 10);
    expect(buildGradebook(config, store, records).cell('alice', 'momentum-sgd').counted).toBe(10);
    // git revert back to the softmax version: no new grading, and 7 counts again.
    expect(push('alice', 'momentum-sgd', 'soft', -1)).toBeUndefined();
    expect(buildGradebook(config, store, records).cell('alice', 'momentum-sgd')).toMatchObject({ status: 'graded', counted: 7 });
    // And back to the fixed one.
    push('alice', 'momentum-sgd', 'fixed', -0.5);
    expect(buildGradebook(config, store, records).cell('alice', 'momentum-sgd').counted).toBe(10);
  });

  it('keeps an override through later pushes until it is withdrawn, and says so', () => {
    const { config, store, records, push } = setup();
    const job = push('alice', 'momentum-sgd', 'a1', -1, 6);
    records.addOverride({ jobId: job!.id, studentId: 'alice', assignmentId: 'momentum-sgd', score: 9.5, comment: 'excused', createdBy: 'i', createdAt: 5000 });
    push('alice', 'momentum-sgd', 'a2', -0.5, 3);
    const cell = gradebookCell(config, store, records, 'alice', 'momentum-sgd');
    expect(cell).toMatchObject({ counted: 9.5, override: { comment: 'excused' } });
    expect(buildGradebook(config, store, records).cell('alice', 'momentum-sgd').counted).toBe(9.5);
    records.addOverride({ jobId: job!.id, studentId: 'alice', assignmentId: 'momentum-sgd', score: null, comment: 'undo', createdBy: 'i', createdAt: 6000 });
    expect(buildGradebook(config, store, records).cell('alice', 'momentum-sgd').counted).toBe(3);
    expect(records.listOverridesFor('alice', 'momentum-sgd').map((o) => o.score)).toEqual([9.5, null]);
  });

  it('shows the last stored counted score while a class regrade runs', () => {
    const { config, store, queue, records, push, finish } = setup();
    const a = push('alice', 'momentum-sgd', 'a1', -1, 10)!;
    const b = push('bob', 'momentum-sgd', 'b1', -1, 4)!;
    expect(queue.requeueForRegrade(a.id, Date.now(), 'regrade')).toBe('queued');
    expect(queue.requeueForRegrade(b.id, Date.now(), 'regrade')).toBe('queued');
    let book = buildGradebook(config, store, records);
    expect(book.cell('alice', 'momentum-sgd')).toMatchObject({ status: 'queued', counted: 10, countedFrom: { stale: true } });
    expect(gradebookCsv(config, book).split('\r\n')[1]).toBe('alice,Alice,10,,10');
    finish(a.id, 9);
    book = buildGradebook(config, store, records);
    expect(book.cell('alice', 'momentum-sgd')).toMatchObject({ status: 'graded', counted: 9, countedFrom: { stale: false } });
    expect(book.cell('bob', 'momentum-sgd')).toMatchObject({ status: 'queued', counted: 4 });
  });

  it('measures lateness from the student\'s extension', () => {
    const extended = setup({ extensions: [{ student: 'alice', assignment: 'momentum-sgd', due: '2030-03-04T00:00:00Z', note: 'ill' }] });
    extended.push('alice', 'momentum-sgd', 'a1', 1.5, 10);
    extended.push('bob', 'momentum-sgd', 'b1', 1.5, 10);
    const book = buildGradebook(extended.config, extended.store, extended.records);
    expect(book.cell('alice', 'momentum-sgd')).toMatchObject({ counted: 10, late: false, due: { extension: { note: 'ill' } } });
    expect(book.cell('bob', 'momentum-sgd')).toMatchObject({ counted: 8, late: true });
  });

  it('refuses an extension for a student or assignment not in the course', () => {
    expect(() => setup({ extensions: [{ student: 'alicia', assignment: 'momentum-sgd', due: '2030-03-04T00:00:00Z' }] })).toThrow(/extensions\[0\]\.student: no student 'alicia' in the roster/);
    expect(() => setup({ extensions: [{ student: 'alice', assignment: 'mnist', due: '2030-03-04T00:00:00Z' }] })).toThrow(/extensions\[0\]\.assignment: no assignment 'mnist'/);
    expect(() => setup({ counts: 'newest' })).toThrow(/counts: expected one of: latest, best, latest-on-time, latest-always/);
  });

  it('keeps the replaced result when a job is regraded', () => {
    const { store, queue, records, push } = setup();
    const job = push('alice', 'backprop', 'a1', -1, 6)!;
    expect(queue.requeueForRegrade(job.id, 5000, 'regraded by instructor')).toBe('queued');
    expect(queue.requeueForRegrade(job.id, 5001, 'again')).toBe('busy');
    expect(queue.requeueForRegrade(999, 5001, 'none')).toBe('unknown');
    expect(store.findResultForJob(job.id)).toBeUndefined();
    expect(queue.getJob(job.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const history = records.resultHistory(job.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ score: 6, reason: 'regraded by instructor', replaced_at: 5000 });
    // The job can be graded and stored again.
    expect(queue.claim('w', 6000)?.id).toBe(job.id);
  });
});

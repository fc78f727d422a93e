/**
 * The grade book on a real SQLite database: the latest push counts, late penalties and
 * overrides apply, pending work keeps showing the last result, and the CSV is safe to open
 * in a spreadsheet. Also the regrade's history.
 */
import * as path from 'node:path';
import { resolveCourseConfig } from '../../grader/config/load-course-config';
import { JobQueue } from '../../grader/queue/job-queue';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { buildGradebook, gradebookCsv } from '../../grader/store/gradebook';
import { InstructorRecords } from '../../grader/store/instructor-records';

const ENV = { T_WEBHOOK: 'w'.repeat(32), T_TOKEN: 't'.repeat(32) };
let counter = 0;
const sha = () => (++counter).toString(16).padStart(40, '0');

function setup() {
  const config = resolveCourseConfig(
    {
      course: 'c1',
      assignments: [
        { id: 'momentum-sgd', due: '2999-01-01T00:00:00Z' },
        { id: 'backprop', due: '2999-01-01T00:00:00Z' },
      ],
      roster: [
        { id: 'alice', name: 'Alice', repo: '/x/alice.git' },
        { id: 'bob', name: '=HYPERLINK("http://evil.example","click")', repo: '/x/bob.git' },
        { id: 'carol', name: 'Carol, "C."', repo: '/x/carol.git' },
      ],
      secrets: { webhookSecretEnv: 'T_WEBHOOK', instructorTokenEnv: 'T_TOKEN' },
      dataDir: 'data',
    },
    path.join('/tmp', 'course.yaml'),
    { env: ENV },
  );
  const store = new GradeStore(openDatabase(':memory:'));
  const queue = new JobQueue(store);
  const records = new InstructorRecords(store.db);
  const grade = (studentId: string, assignmentId: string, at: number, score: number, p: { daysLate?: number; penalty?: number; status?: string; finish?: boolean } = {}) => {
    const { submission } = store.recordSubmission({ studentId, commit: sha(), branch: 'main', source: 'manual', receivedAt: at });
    const [job] = queue.addJobs(submission, [{ assignmentId, treeSha: sha(), daysLate: p.daysLate ?? 0 }], at);
    if (p.finish === false) return job;
    queue.claim('w', at + 1);
    const penalty = p.penalty ?? 0;
    queue.complete(job.id, {
      status: p.status ?? 'graded',
      score,
      maxScore: 10,
      penaltyPercent: penalty,
      finalScore: score * (1 - penalty / 100),
      backend: 'wasm',
      dataset: null,
      graderVersion: 'v1',
      worker: 'w',
      queueMs: 0,
      fetchMs: 0,
      exportMs: 0,
      gradeMs: 1000,
      totalMs: 2000,
      storedAt: at + 2,
      resultJson: JSON.stringify({ score }),
    });
    return job;
  };
  return { config, store, queue, records, grade };
}

describe('the grade book', () => {
  it('counts the latest push, with its late penalty and any override', () => {
    const { config, store, records, grade } = setup();
    grade('alice', 'momentum-sgd', 1000, 10);
    const late = grade('alice', 'momentum-sgd', 2000, 8, { daysLate: 1, penalty: 10 });
    grade('bob', 'momentum-sgd', 1000, 4);
    // Bob pushed again; the new job is still queued: the cell says so and shows the last result.
    grade('bob', 'momentum-sgd', 3000, 0, { finish: false });
    grade('carol', 'backprop', 1000, 0, { status: 'compile_error' });

    let book = buildGradebook(config, store, records);
    expect(book.cell('alice', 'momentum-sgd')).toMatchObject({ status: 'graded', counted: 7.2, late: true });
    expect(book.cell('bob', 'momentum-sgd')).toMatchObject({ status: 'queued', counted: 4, late: false });
    expect(book.cell('carol', 'backprop')).toMatchObject({ status: 'compile_error', counted: 0 });
    expect(book.cell('carol', 'momentum-sgd')).toMatchObject({ status: 'none', counted: null });

    records.addOverride({ jobId: late.id, studentId: 'alice', assignmentId: 'momentum-sgd', score: 9.5, comment: 'excused', createdBy: 'i', createdAt: 5000 });
    book = buildGradebook(config, store, records);
    expect(book.cell('alice', 'momentum-sgd')).toMatchObject({ counted: 9.5 });
    expect(book.cell('alice', 'momentum-sgd').override?.comment).toBe('excused');

    const csv = gradebookCsv(config, book).split('\r\n');
    expect(csv[0]).toBe('student_id,name,momentum-sgd,backprop,total');
    expect(csv[1]).toBe('alice,Alice,9.5,,9.5');
    // A name that a spreadsheet would run as a formula is written as text.
    expect(csv[2]).toBe(`bob,"'=HYPERLINK(""http://evil.example"",""click"")",4,,4`);
    expect(csv[3]).toBe('carol,"Carol, ""C.""",,0,0');

    // Withdrawn: the result counts again; both rows stay in the history.
    records.addOverride({ jobId: late.id, studentId: 'alice', assignmentId: 'momentum-sgd', score: null, comment: 'undo', createdBy: 'i', createdAt: 6000 });
    expect(buildGradebook(config, store, records).cell('alice', 'momentum-sgd').counted).toBe(7.2);
    expect(records.listOverrides(late.id).map((o) => o.score)).toEqual([9.5, null]);
  });

  it('keeps the replaced result when a job is regraded', () => {
    const { store, queue, records, grade } = setup();
    const job = grade('alice', 'backprop', 1000, 6);
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

/**
 * The grading service end to end on this machine: real bare repositories, real pushes, real
 * grading of the demo-add fixture in child processes, results in SQLite.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { GradingService, type ServiceEvent } from '../../grader/queue/grading-service';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { buildGradebook } from '../../grader/store/gradebook';
import { InstructorRecords } from '../../grader/store/instructor-records';
import { SECRET_ENV, StudentRepo, demoSolution, expectScore, tempDir, waitFor, writeCourseFile, type CourseFileOptions } from '../repo/git-helpers';


describe('GradingService (local)', () => {
  let root: string;
  const services: GradingService[] = [];
  beforeEach(() => {
    root = tempDir('grading-service');
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  function start(students: StudentRepo[], options: Partial<CourseFileOptions> = {}, urls: Record<string, string> = {}) {
    const file = writeCourseFile(root, { students: students.map((s) => ({ id: s.id, repo: urls[s.id] ?? s.url })), concurrency: 1, ...options });
    const config = loadCourseConfig(file, { env: SECRET_ENV });
    const store = new GradeStore(openDatabase(config.databaseFile));
    const events: ServiceEvent[] = [];
    const service = new GradingService({
      config,
      store,
      tickMs: 100,
      retry: { fetchBaseMs: 100, fetchMaxMs: 200, jobBaseMs: 100, jobMaxMs: 200 },
      log: (e) => events.push(e),
    });
    services.push(service);
    return { service, store, events, config };
  }

  it('grades a pushed commit and stores the result JSON with timings and commit', async () => {
    const alice = new StudentRepo(root, 'alice');
    const commit = alice.commit({ 'demo-add/solution.ts': demoSolution('correct'), 'README.md': 'hi' });
    alice.push();
    const { service, store } = start([alice]);
    await service.start();
    const { submission, duplicate } = service.receivePush({ studentId: 'alice', commit, branch: 'main', source: 'manual' });
    expect(duplicate).toBe(false);
    await service.waitUntilIdle(60_000);

    const [row] = store.listResults();
    expect(row).toMatchObject({ student_id: 'alice', assignment_id: 'demo-add', commit_sha: commit, submission_id: submission.id, status: 'graded', max_score: 10, days_late: 0, backend: 'wasm' });
    expectScore(row, 10);
    expect(row.final_score).toBe(row.score);
    expect(row.worker).toBe(`local:${process.pid}`);
    expect(row.grade_ms).toBeGreaterThan(0);
    expect(row.total_ms).toBeGreaterThanOrEqual(row.queue_ms);
    const result = GradeResultSchema.parse(JSON.parse(row.result_json));
    expect(result).toMatchObject({ assignment: 'demo-add', status: 'graded', commit, score: row.score });
    expect(store.getSubmission(submission.id)).toMatchObject({ state: 'prepared', notes: [] });

    // The same commit again (a redelivered event, a poll) is not graded twice.
    expect(service.receivePush({ studentId: 'alice', commit, branch: 'main', source: 'poll' }).duplicate).toBe(true);
    await service.waitUntilIdle(10_000);
    expect(store.listResults()).toHaveLength(1);
  });

  it('does not regrade a folder whose content did not change, and says why', async () => {
    const bob = new StudentRepo(root, 'bob');
    const first = bob.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
    bob.push();
    const { service, store } = start([bob]);
    await service.start();
    service.receivePush({ studentId: 'bob', commit: first, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(60_000);
    const second = bob.commit({ 'notes.txt': 'unrelated' });
    bob.push();
    const { submission } = service.receivePush({ studentId: 'bob', commit: second, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(30_000);
    expect(store.listResults().map((r) => r.commit_sha)).toEqual([first]);
    expectScore(store.listResults()[0], 5);
    expect(store.getSubmission(submission.id).notes).toEqual([`demo-add: unchanged since commit ${first.slice(0, 12)}, already graded`]);

    const none = bob.commit({ 'demo-add': null });
    bob.push();
    const { submission: s3 } = service.receivePush({ studentId: 'bob', commit: none, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(30_000);
    expect(store.getSubmission(s3.id).notes).toEqual(['no assignment folder in this commit; expected one of: demo-add/']);
  });

  it('counts a revert with the earlier content\'s result (content, not commit order)', async () => {
    const ivy = new StudentRepo(root, 'ivy');
    const first = ivy.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
    ivy.push();
    const { service, store, config } = start([ivy]);
    await service.start();
    const records = new InstructorRecords(store.db);
    const counted = () => buildGradebook(config, store, records).cell('ivy', 'demo-add');
    service.receivePush({ studentId: 'ivy', commit: first, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(60_000);
    const fixed = ivy.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    ivy.push();
    service.receivePush({ studentId: 'ivy', commit: fixed, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(60_000);
    expect(counted()).toMatchObject({ counted: 10, countedFrom: { commit: fixed } });
    // git revert: the folder is as in the first commit again. Not graded again, and 5 counts.
    const reverted = ivy.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
    ivy.push();
    const { submission } = service.receivePush({ studentId: 'ivy', commit: reverted, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(30_000);
    expect(store.getSubmission(submission.id).notes).toEqual([`demo-add: unchanged since commit ${first.slice(0, 12)}, already graded`]);
    expect(store.listResults()).toHaveLength(2);
    expect(counted()).toMatchObject({ status: 'graded', counted: 5, countedFrom: { commit: reverted, reason: 'latest' } });
  });

  it("tells the student which files were left out (symlinks) in the result's output", async () => {
    const hal = new StudentRepo(root, 'hal');
    hal.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    hal.symlink('demo-add/notes.ts', '/etc/hostname');
    const commit = hal.commit({});
    hal.push();
    const { service, store } = start([hal]);
    await service.start();
    service.receivePush({ studentId: 'hal', commit, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(60_000);
    const result = GradeResultSchema.parse(JSON.parse(store.listResults()[0].result_json));
    expectScore(store.listResults()[0], 10);
    expect(result.output).toMatch(/^\[grader\] skipped demo-add\/notes\.ts: a symbolic link \(links are never followed; commit the file itself\)/);
  });

  it('applies the late policy by the receipt time', async () => {
    const carol = new StudentRepo(root, 'carol');
    const commit = carol.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    carol.push();
    const dayMs = 24 * 3600_000;
    const due = new Date(Date.now() - 1.5 * dayMs).toISOString();
    const { service, store } = start([carol], { assignments: [{ id: 'demo-add', due, latePolicy: { percentPerDay: 20, hardCutoffDays: 3 } }] });
    await service.start();
    service.receivePush({ studentId: 'carol', commit, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(60_000);
    const row = store.listResults()[0];
    expect(row).toMatchObject({ days_late: 2, penalty_percent: 40 });
    expectScore(row, 10);
    expect(row.final_score).toBeCloseTo(row.score * 0.6, 4);
  });

  it('refuses pushes after the hard cutoff', async () => {
    const dan = new StudentRepo(root, 'dan');
    const commit = dan.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    dan.push();
    const { service, store } = start([dan], { assignments: [{ id: 'demo-add', due: '2020-01-01T00:00:00Z', latePolicy: { hardCutoffDays: 3 } }] });
    await service.start();
    const { submission } = service.receivePush({ studentId: 'dan', commit, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(30_000);
    expect(store.listResults()).toHaveLength(0);
    expect(store.getSubmission(submission.id).notes[0]).toMatch(/^demo-add: received \d+ day\(s\) after the due date 2020-01-01T00:00:00Z, past the hard cutoff of 3 day\(s\); not graded$/);
  });

  it('says an unchanged folder is unchanged, not too late, when a later push comes after the cutoff', async () => {
    const fay = new StudentRepo(root, 'fay');
    const dayMs = 24 * 3600_000;
    const due = Date.now() - 10 * dayMs;
    const first = fay.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    const second = fay.commit({ 'README.md': 'notes' });
    fay.push();
    const { service, store } = start([fay], { assignments: [{ id: 'demo-add', due: new Date(due).toISOString(), latePolicy: { hardCutoffDays: 3 } }] });
    // The first push arrived on time (recorded as the server records a push, with its receipt time).
    store.recordSubmission({ studentId: 'fay', commit: first, branch: 'main', source: 'manual', receivedAt: due - dayMs });
    await service.start();
    await service.waitUntilIdle(60_000);
    expect(store.listResults()).toHaveLength(1);
    const { submission } = service.receivePush({ studentId: 'fay', commit: second, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(30_000);
    expect(store.listResults()).toHaveLength(1);
    expect(store.getSubmission(submission.id).notes).toEqual([`demo-add: unchanged since commit ${first.slice(0, 12)}, already graded`]);
  });

  it('retries an unreachable remote with backoff and grades once it is back', async () => {
    const erin = new StudentRepo(root, 'erin');
    const commit = erin.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    erin.push();
    const hidden = `${erin.bare}.away`;
    fs.renameSync(erin.bare, hidden);
    const { service, store, events } = start([erin], { extra: { limits: { fetchAttempts: 20 } } });
    await service.start();
    const { submission } = service.receivePush({ studentId: 'erin', commit, branch: 'main', source: 'manual' });
    await waitFor(() => (events.filter((e) => e.type === 'prepare-retry').length >= 2 ? true : undefined), 20_000, 'two fetch retries');
    const retry = events.find((e): e is Extract<ServiceEvent, { type: 'prepare-retry' }> => e.type === 'prepare-retry');
    expect(retry?.error).toMatch(/^cannot fetch from file:\/\/.*erin\.git: .*does not appear to be a git repository/);
    fs.renameSync(hidden, erin.bare);
    await service.waitUntilIdle(60_000);
    expect(store.listResults()).toHaveLength(1);
    expectScore(store.listResults()[0], 10);
    expect(store.getSubmission(submission.id).attempts).toBeGreaterThanOrEqual(3);
  });

  it('fails a submission whose remote stays unreachable, with a clear message', async () => {
    const fay = new StudentRepo(root, 'fay');
    const commit = fay.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    const { service, store } = start([fay], { extra: { limits: { fetchAttempts: 2 } } }, { fay: path.join(root, 'nowhere.git') });
    await service.start();
    const { submission } = service.receivePush({ studentId: 'fay', commit, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(30_000);
    const failed = store.getSubmission(submission.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/^cannot fetch from .*nowhere\.git: .* \(gave up after 2 attempts\)$/);
  });

  it('picks up after a crash: a job left running is graded again, once', async () => {
    const gus = new StudentRepo(root, 'gus');
    const commit = gus.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    gus.push();
    const first = start([gus]);
    // Record and prepare without grading, then pretend the process died mid-job.
    const { submission } = first.store.recordSubmission({ studentId: 'gus', commit, branch: 'main', source: 'manual', receivedAt: Date.now() });
    const job = first.service.queue.addJobs(submission, [{ assignmentId: 'demo-add', treeSha: 'f'.repeat(40), daysLate: 0 }], Date.now())[0];
    first.store.markPrepared(submission.id, { now: Date.now(), fetchMs: 0, notes: [] });
    first.service.queue.claim('local:99999', Date.now());
    first.store.db.close();
    services.splice(0);

    const second = start([gus]);
    await second.service.start();
    expect(second.events).toContainEqual({ type: 'recovered', requeued: [job.id], failed: [] });
    await second.service.waitUntilIdle(60_000);
    expect(second.store.listResults().map((r) => r.job_id)).toEqual([job.id]);
    expectScore(second.store.listResults()[0], 10);
    expect(second.service.queue.getJob(job.id)).toMatchObject({ state: 'done', attempts: 2, interruptions: 1 });
  });
});

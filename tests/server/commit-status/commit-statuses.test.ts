/**
 * The grading service and commit statuses together: real repositories served over HTTP (so
 * each has an owner/name on its host), real grading of the demo-add fixture, statuses to a
 * local host that checks every request against the provider's API.
 */
import * as fs from 'node:fs';
import { loadCourseConfig } from '../../../grader/config/load-course-config';
import { GradingService } from '../../../grader/queue/grading-service';
import { openDatabase } from '../../../grader/store/database';
import { GradeStore } from '../../../grader/store/grade-store';
import { studentLink } from '../../../server/auth/student-links';
import { CommitStatuses } from '../../../server/commit-status/commit-statuses';
import type { DeliveryEvent } from '../../../server/commit-status/status-poster';
import { GitHttpHost, SECRET_ENV, StudentRepo, demoSolution, expectScore, tempDir, writeCourseFile } from '../../repo/git-helpers';
import { FakeStatusHost } from './fake-status-host';

const TOKEN = 'status-token-for-tests-0123';
const ENV = { ...SECRET_ENV, TEST_STATUS_TOKEN: TOKEN };
const PUBLIC_URL = 'https://grader.example.org';

describe('commit statuses for gradings', () => {
  let root: string;
  let gitHost: GitHttpHost;
  const cleanup: Array<() => Promise<void> | void> = [];
  beforeEach(async () => {
    root = tempDir('commit-statuses');
    gitHost = new GitHttpHost(root);
    await gitHost.start();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await gitHost.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function start(provider: 'github' | 'gitlab', students: StudentRepo[]) {
    const statusHost = await new FakeStatusHost(provider, TOKEN).start();
    cleanup.push(() => statusHost.close());
    const file = writeCourseFile(root, {
      students: students.map((s) => ({ id: s.id, repo: gitHost.url(s.bare) })),
      concurrency: 1,
      extra: { publicUrl: `${PUBLIC_URL}/`, commitStatus: { provider, apiUrl: statusHost.url, tokenEnv: 'TEST_STATUS_TOKEN' } },
    });
    const config = loadCourseConfig(file, { env: ENV });
    const store = new GradeStore(openDatabase(config.databaseFile));
    const service = new GradingService({ config, store, tickMs: 100 });
    const log: string[] = [];
    const statuses = new CommitStatuses({ config, service, log: (line) => log.push(line), times: { baseMs: 50, maxMs: 200, attempts: 3 } }).start();
    cleanup.push(() => service.stop());
    cleanup.push(() => statuses.stop());
    await service.start();
    return { statusHost, service, store, statuses, config, log };
  }

  it('posts pending when the push is queued and while it is graded, then the visible score, linking to the report', async () => {
    const alice = new StudentRepo(root, 'alice');
    const bob = new StudentRepo(root, 'bob');
    const carol = new StudentRepo(root, 'carol');
    const a = alice.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    const b = bob.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
    const c = carol.commit({ 'demo-add/solution.ts': demoSolution('syntax-error') });
    for (const s of [alice, bob, carol]) s.push();
    const { statusHost, service, store, config } = await start('github', [alice, bob, carol]);
    service.receivePush({ studentId: 'alice', commit: a, branch: 'main', source: 'manual' });
    service.receivePush({ studentId: 'bob', commit: b, branch: 'main', source: 'manual' });
    service.receivePush({ studentId: 'carol', commit: c, branch: 'main', source: 'manual' });

    const finalOf = (sha: string) => statusHost.waitForStatus((s) => s.sha === sha && s.state !== 'pending', `the final status of ${sha.slice(0, 7)}`);
    const [fa, fb, fc] = await Promise.all([finalOf(a), finalOf(b), finalOf(c)]);
    expect(statusHost.problems).toEqual([]);

    const job = (student: string) => store.listResults({ studentId: student })[0];
    expectScore(job('alice'), 10);
    // The stored total is 10/10; the status says only what the visible tests give.
    if (job('alice').score === 10) expect(fa).toMatchObject({ state: 'success', description: '7/7 visible: all visible tests pass; hidden tests shown once released' });
    if (job('bob').score === 5) expect(fb).toMatchObject({ state: 'failure', description: '5/7 visible: 1 visible test of 2 not passed; hidden tests shown once released' });
    expect(fc).toMatchObject({ state: 'error', description: 'does not compile: 0/7 visible; the report shows the errors at file:line' });

    for (const [student, sha, final] of [['alice', a, fa], ['bob', b, fb], ['carol', c, fc]] as const) {
      const statuses = statusHost.received.filter((s) => s.sha === sha);
      // Pending first (queued, then being graded, unless the result came before that was
      // sent: the newest status wins), the result last; the same context and link throughout.
      expect(statuses[0].description).toBe('queued for grading');
      expect(statuses.map((s) => s.description).slice(1, -1)).toEqual(statuses.length === 3 ? ['being graded'] : []);
      expect(statuses.map((s) => s.state)).toEqual([...statuses.slice(0, -1).map(() => 'pending'), final.state]);
      const jobId = job(student).job_id;
      for (const s of statuses) {
        expect(s).toMatchObject({ repoPath: `remotes/${student}`, context: 'nn2-grader/demo-add', targetUrl: `${PUBLIC_URL}${studentLink(config, student)}/reports/${jobId}` });
      }
    }
  });

  it('a regrade posts pending again, then its result', async () => {
    const emil = new StudentRepo(root, 'emil');
    const e = emil.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    emil.push();
    const { statusHost, service, store } = await start('gitlab', [emil]);
    service.receivePush({ studentId: 'emil', commit: e, branch: 'main', source: 'manual' });
    await statusHost.waitForStatus((s) => s.state !== 'pending' && s.state !== 'running', 'the first result');
    const [row] = store.listResults();
    const before = statusHost.received.length;
    expect(service.regradeJob(row.job_id, 'a test')).toBe('queued');
    await statusHost.waitForStatus((s) => statusHost.received.indexOf(s) > before && s.state !== 'pending' && s.state !== 'running', 'the regrade result');
    expect(statusHost.problems).toEqual([]);
    const again = statusHost.received.slice(before);
    // "queued for grading", unless the job started before that was sent (the newest status wins).
    expect(again[0]).toMatchObject({ state: expect.stringMatching(/^(pending|running)$/), repoPath: 'remotes/emil' });
    expect(again.slice(0, -1).every((s) => s.state === 'pending' || s.state === 'running')).toBe(true);
    expect(again.at(-1)?.state).toBe(statusHost.received[before - 1].state);
    expect(again.at(-1)?.targetUrl).toBe(statusHost.received[0].targetUrl);
  });

  it('a host that is down changes nothing that is stored; the failures are logged', async () => {
    const dora = new StudentRepo(root, 'dora');
    const d = dora.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    dora.push();
    const { statusHost, service, store, statuses, log } = await start('gitlab', [dora]);
    statusHost.fallback = 503;
    const failures: DeliveryEvent[] = [];
    const allFailed = new Promise<void>((resolve) => {
      statuses.poster.on('delivery', (e: DeliveryEvent) => {
        if (e.type === 'failed') failures.push(e);
        if (e.type === 'failed' && e.status.phase === 'success') resolve();
      });
    });
    service.receivePush({ studentId: 'dora', commit: d, branch: 'main', source: 'manual' });
    await service.waitUntilIdle(180_000);
    await allFailed;

    const [row] = store.listResults();
    expect(row).toMatchObject({ student_id: 'dora', commit_sha: d, status: 'graded', max_score: 10 });
    expectScore(row, 10);
    expect(store.listSubmissions().map((s) => s.state)).toEqual(['prepared']);
    expect(statusHost.received).toEqual([]);
    expect(failures.at(-1)).toMatchObject({ type: 'failed', attempt: 3 });
    expect(log.join('\n')).toMatch(/commit status success for remotes\/dora@.* not posted: .*answered 503.*gave up after 3 attempts/);
    expect(log.join('\n')).not.toContain(TOKEN);
  });
});

/**
 * From a real push to a stored result through the real server: bare repositories on the
 * file system, real pushes, webhooks signed as GitHub, GitLab and Gitea sign them, grading
 * in child processes, results in SQLite. Then polling, force-pushes, and a server killed
 * mid-job and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { DIST_ROOT } from '../../grader/paths';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import type { ResultRow } from '../../grader/store/rows';
import { startServer, type RunningServer } from '../../server/main';
import { SECRET_ENV, StudentRepo, WEBHOOK_SECRET, demoSolution, expectScore, tempDir, waitFor, writeCourseFile } from '../repo/git-helpers';
import { giteaPushPayload, giteaRequest, githubPushPayload, githubRequest, gitlabPushPayload, gitlabRequest, post } from '../server/webhook-signing';


const CLI = path.join(DIST_ROOT, 'grader', 'cli', 'main.js');

describe('push to stored result', () => {
  let root: string;
  const envBefore = { ...process.env };
  beforeEach(() => {
    root = tempDir('e2e-push');
    Object.assign(process.env, SECRET_ENV);
  });
  afterEach(() => {
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  });

  const resultsOf = (server: RunningServer) => server.service.store.listResults();
  const waitForResults = (server: RunningServer, n: number, timeoutMs = 90_000) =>
    waitFor(() => (resultsOf(server).length >= n ? resultsOf(server) : undefined), timeoutMs, `${n} stored results`, 100);

  it('grades pushes announced by GitHub, GitLab and Gitea webhooks', async () => {
    const alice = new StudentRepo(root, 'alice');
    const bob = new StudentRepo(root, 'bob');
    const carol = new StudentRepo(root, 'carol', 'solutions');
    const file = writeCourseFile(root, {
      students: [
        { id: 'alice', repo: alice.url },
        { id: 'bob', repo: bob.url },
        { id: 'carol', repo: carol.url, branch: 'solutions' },
      ],
      concurrency: 2,
    });
    const server = await startServer({ configFile: file, port: 0, log: () => undefined });
    try {
      const a = alice.commit({ 'demo-add/solution.ts': demoSolution('correct') });
      alice.push();
      const b = bob.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
      bob.push();
      const c = carol.commit({ 'demo-add/solution.ts': demoSolution('syntax-error') });
      carol.push();
      const responses = await Promise.all([
        post(server.url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: alice.url, after: a }), WEBHOOK_SECRET)),
        post(server.url, '/webhooks/gitlab', gitlabRequest(gitlabPushPayload({ httpUrl: bob.url, after: b }), WEBHOOK_SECRET)),
        post(server.url, '/webhooks/gitea', giteaRequest(giteaPushPayload({ cloneUrl: carol.url, ref: 'refs/heads/solutions', after: c }), WEBHOOK_SECRET)),
      ]);
      expect(responses.map((r) => [r.status, (r.json as { status: string }).status])).toEqual([
        [202, 'queued'],
        [202, 'queued'],
        [202, 'queued'],
      ]);
      const results = await waitForResults(server, 3);
      const byStudent = Object.fromEntries(results.map((r: ResultRow) => [r.student_id, r]));
      expect(byStudent.alice).toMatchObject({ commit_sha: a, status: 'graded' });
      expectScore(byStudent.alice, 10);
      expect(byStudent.bob).toMatchObject({ commit_sha: b, status: 'graded' });
      expectScore(byStudent.bob, 5);
      expect(byStudent.carol).toMatchObject({ commit_sha: c, status: 'compile_error', score: 0 });
      for (const r of results) {
        const parsed = GradeResultSchema.parse(JSON.parse(r.result_json));
        expect(parsed.commit).toBe(r.commit_sha);
        expect(parsed.backend).toBe('wasm');
      }
      // A redelivery after grading changes nothing.
      const again = await post(server.url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: alice.url, after: a }), WEBHOOK_SECRET));
      expect((again.json as { status: string }).status).toBe('duplicate');
      await server.service.waitUntilIdle(10_000);
      expect(resultsOf(server)).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('grades both sides of a force-push, and finds pushes by polling when no webhook comes', async () => {
    const dora = new StudentRepo(root, 'dora');
    const file = writeCourseFile(root, { students: [{ id: 'dora', repo: dora.url }], concurrency: 1 });
    const server = await startServer({ configFile: file, port: 0, pollSeconds: 1, log: () => undefined });
    try {
      const first = dora.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
      dora.push();
      await waitFor(() => resultsOf(server).find((r) => r.commit_sha === first), 60_000, 'the first commit graded by polling', 100);
      const rewritten = dora.amendAndForcePush({ 'demo-add/solution.ts': demoSolution('correct') });
      const second = await waitFor(() => resultsOf(server).find((r) => r.commit_sha === rewritten), 60_000, 'the force-pushed commit graded', 100);
      expectScore(second, 10);
      expect(server.service.store.listSubmissions().map((s) => [s.commit_sha, s.source])).toEqual([
        [first, 'poll'],
        [rewritten, 'poll'],
      ]);
    } finally {
      await server.close();
    }
  });

  it('survives a server killed mid-job: the job is graded again after the restart, and stored once', async () => {
    const emil = new StudentRepo(root, 'emil');
    const file = writeCourseFile(root, { students: [{ id: 'emil', repo: emil.url }], concurrency: 1 });
    const commit = emil.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    emil.push();

    const serve = async (): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(process.execPath, [CLI, 'serve', '--config', file, '--port', '0'], { env: { ...process.env, ...SECRET_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(log);
          if (m !== null) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${log}`)));
      });
      return { child, url };
    };

    const first = await serve();
    const res = await post(first.url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: emil.url, after: commit }), WEBHOOK_SECRET));
    expect(res.status).toBe(202);
    const db = openDatabase(path.join(root, 'data', 'grader.sqlite'));
    const store = new GradeStore(db);
    const running = () => db.prepare(`SELECT id FROM jobs WHERE state = 'running'`).get();
    await waitFor(() => running(), 30_000, 'the job to start', 20);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(store.listResults()).toHaveLength(0);

    const second = await serve();
    try {
      const stored = await waitFor(() => (store.listResults().length > 0 ? store.listResults() : undefined), 60_000, 'the result after the restart', 100);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ commit_sha: commit });
      expectScore(stored[0], 10);
      const job = db.prepare('SELECT state, attempts, interruptions FROM jobs').all();
      expect(job).toEqual([{ state: 'done', attempts: 2, interruptions: 1 }]);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
      db.close();
    }
  });
});

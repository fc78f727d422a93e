/**
 * Results on the commit, end to end: a real push to a git host over HTTP, its GitHub webhook
 * to the real server, grading in child processes, and the commit statuses the server posts
 * to a local GitHub-like host that checks every request: pending, then the visible score,
 * with a link that opens the student's own report on the server.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { startServer } from '../../server/main';
import { GitHttpHost, SECRET_ENV, StudentRepo, WEBHOOK_SECRET, demoSolution, tempDir, writeCourseFile } from '../repo/git-helpers';
import { FakeStatusHost } from '../server/commit-status/fake-status-host';
import { githubPushPayload, githubRequest, post } from '../server/webhook-signing';

const TOKEN = 'ghp_e2e-status-token-0123456789';
const STATUS_ENV = { TEST_STATUS_TOKEN: TOKEN };

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('commit statuses from a real push', () => {
  let root: string;
  let gitHost: GitHttpHost;
  let statusHost: FakeStatusHost;
  const envBefore = { ...process.env };
  beforeEach(async () => {
    root = tempDir('e2e-status');
    Object.assign(process.env, SECRET_ENV, STATUS_ENV);
    gitHost = new GitHttpHost(root);
    await gitHost.start();
    statusHost = await new FakeStatusHost('github', TOKEN).start();
  });
  afterEach(async () => {
    for (const k of [...Object.keys(SECRET_ENV), ...Object.keys(STATUS_ENV)]) if (!(k in envBefore)) delete process.env[k];
    await statusHost.close();
    await gitHost.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a push leads to pending, then the visible score on the commit, linking to the report', async () => {
    const alice = new StudentRepo(root, 'alice');
    const url = gitHost.url(alice.bare);
    const port = await freePort();
    const file = writeCourseFile(root, {
      students: [{ id: 'alice', repo: url }],
      concurrency: 1,
      extra: { publicUrl: `http://127.0.0.1:${port}`, commitStatus: { provider: 'github', apiUrl: statusHost.url, tokenEnv: 'TEST_STATUS_TOKEN', context: 'nn2' } },
    });
    const server = await startServer({ configFile: file, port, log: () => undefined });
    try {
      const commit = alice.commit({ 'demo-add/solution.ts': demoSolution('subtracts') });
      alice.push();
      const res = await post(server.url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: url, after: commit }), WEBHOOK_SECRET));
      expect(res.status).toBe(202);

      const pending = await statusHost.waitForStatus((s) => s.sha === commit && s.state === 'pending', 'a pending status');
      const final = await statusHost.waitForStatus((s) => s.sha === commit && s.state !== 'pending', 'the final status');
      expect(statusHost.problems).toEqual([]);
      expect(pending).toMatchObject({ repoPath: 'remotes/alice', context: 'nn2/demo-add', description: 'queued for grading' });
      expect(statusHost.received.indexOf(pending)).toBeLessThan(statusHost.received.indexOf(final));

      const [row] = server.service.store.listResults();
      expect(row).toMatchObject({ commit_sha: commit, status: 'graded' });
      if (row.score === 5) {
        // 5/10 stored; the status shows the visible tests' 5/7 only.
        expect(final).toMatchObject({ state: 'failure', description: '5/7 visible: 1 visible test of 2 not passed; hidden tests shown once released' });
      }
      expect(final.targetUrl).toBe(pending.targetUrl);
      expect(final.targetUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/s/alice\\.[^/]+/reports/${row.job_id}$`));

      // The link opens the student's own report, without signing in.
      const page = await fetch(final.targetUrl, { headers: { Accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('demo-add');
      expect(html).toContain(commit.slice(0, 12));
    } finally {
      await server.close();
    }
  });

  it('refuses to start when the token variable is not set', async () => {
    delete process.env.TEST_STATUS_TOKEN;
    const file = writeCourseFile(root, {
      students: [{ id: 'alice', repo: 'https://github.com/nn2/alice.git' }],
      extra: { publicUrl: 'https://grader.example.org', commitStatus: { provider: 'github', tokenEnv: 'TEST_STATUS_TOKEN' } },
    });
    await expect(startServer({ configFile: file, port: 0, log: () => undefined })).rejects.toThrow(
      /commitStatus\.tokenEnv: the environment variable TEST_STATUS_TOKEN is not set/,
    );
  });
});

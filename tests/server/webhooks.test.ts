/**
 * Webhooks to the real Express app on an ephemeral port, signed exactly as each host signs
 * them. The grading service is real but not started: these tests look at what is recorded.
 */
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { resolveCourseConfig } from '../../grader/config/load-course-config';
import { GradingService } from '../../grader/queue/grading-service';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { createApp } from '../../server/app';
import { HTTP_ERRORS } from '../../server/http-errors';
import { FIXTURES_ROOT, INSTRUCTOR_TOKEN, SECRET_ENV, WEBHOOK_SECRET, tempDir } from '../repo/git-helpers';
import {
  forgejoRequest,
  giteaPushPayload,
  giteaRequest,
  githubPushPayload,
  githubRawRequest,
  githubRequest,
  gitlabPushPayload,
  gitlabRequest,
  post,
} from './webhook-signing';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('webhooks', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let store: GradeStore;

  beforeAll(async () => {
    dir = tempDir('webhooks');
    const config = resolveCourseConfig(
      {
        course: 'nn2',
        assignments: [{ id: 'demo-add', due: '2999-01-01T00:00:00Z' }],
        roster: [
          { id: 'alice', name: 'Alice', repo: 'https://github.com/nn2/alice.git' },
          { id: 'bob', name: 'Bob', repo: 'git@gitlab.example.org:nn2/bob.git' },
          { id: 'carol', name: 'Carol', repo: 'https://gitea.example.org/nn2/carol.git', branch: 'solutions' },
          { id: 'dave', name: 'Dave', repo: 'https://codeberg.org/nn2/dave.git' },
        ],
        secrets: { webhookSecretEnv: 'TEST_GRADER_WEBHOOK_SECRET', instructorTokenEnv: 'TEST_GRADER_INSTRUCTOR_TOKEN' },
        dataDir: 'data',
        catalogueRoot: FIXTURES_ROOT,
      },
      path.join(dir, 'course.yaml'),
      { env: SECRET_ENV },
    );
    store = new GradeStore(openDatabase(config.databaseFile));
    const service = new GradingService({ config, store });
    server = createApp(config, { service, logError: () => undefined }).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    store.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    store.db.exec('DELETE FROM submissions');
  });

  const submissions = () => store.listSubmissions().map((s) => [s.student_id, s.commit_sha, s.source]);

  describe('GitHub', () => {
    const payload = (after = A) => githubPushPayload({ cloneUrl: 'https://github.com/nn2/alice.git', htmlUrl: 'https://github.com/NN2/Alice', after });

    it('records a signed push and answers 202', async () => {
      const req = githubRequest(payload(), WEBHOOK_SECRET, 'push', 'delivery-1');
      const res = await post(base, '/webhooks/github', req);
      expect(res).toMatchObject({ status: 202, json: { status: 'queued', student: 'alice', commit: A } });
      expect(submissions()).toEqual([['alice', A, 'github']]);
      expect(store.listSubmissions()[0].delivery_id).toBe('delivery-1');
    });

    it('grades a redelivered event once', async () => {
      const req = githubRequest(payload(), WEBHOOK_SECRET);
      await post(base, '/webhooks/github', req);
      const again = await post(base, '/webhooks/github', req);
      expect(again).toMatchObject({ status: 202, json: { status: 'duplicate' } });
      expect((again.json as { message: string }).message).toMatch(/already received; it is graded once/);
      expect(submissions()).toHaveLength(1);
    });

    it('answers 401 to a bad, missing or tampered signature and records nothing', async () => {
      const wrong = githubRequest(payload(), 'not-the-secret-at-all-0000');
      expect(await post(base, '/webhooks/github', wrong)).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_INVALID' } } });
      const missing = githubRequest(payload(), WEBHOOK_SECRET);
      delete missing.headers['x-hub-signature-256'];
      expect(await post(base, '/webhooks/github', missing)).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_MISSING' } } });
      const tampered = githubRequest(payload(), WEBHOOK_SECRET);
      tampered.body = tampered.body.replace(A, B);
      expect(await post(base, '/webhooks/github', tampered)).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_INVALID' } } });
      const garbage = githubRequest(payload(), WEBHOOK_SECRET);
      garbage.headers['x-hub-signature-256'] = 'sha1=abc';
      expect((await post(base, '/webhooks/github', garbage)).status).toBe(401);
      expect(submissions()).toEqual([]);
    });

    it('answers 404 for a repository of no student', async () => {
      const req = githubRequest(githubPushPayload({ cloneUrl: 'https://github.com/someone/else.git', htmlUrl: 'https://github.com/someone/else', sshUrl: 'git@github.com:someone/else.git', after: A }), WEBHOOK_SECRET);
      const res = await post(base, '/webhooks/github', req);
      expect(res).toMatchObject({ status: 404, json: { error: { code: 'UNKNOWN_REPOSITORY' } } });
      expect((res.json as { error: { message: string } }).error.message).toContain('no student of course nn2 has the repository https://github.com/someone/else.git');
      expect(submissions()).toEqual([]);
    });

    it('answers 400 to malformed JSON and to a payload that is not a push', async () => {
      const res = await post(base, '/webhooks/github', githubRawRequest('{"ref": "refs/heads/main", "after": ', WEBHOOK_SECRET));
      expect(res).toMatchObject({ status: 400, json: { error: { code: 'MALFORMED_JSON' } } });
      expect((res.json as { error: { message: string } }).error.message).toMatch(/^the body is not valid JSON: /);

      const notPush = await post(base, '/webhooks/github', githubRequest({ ref: 'refs/heads/main', repository: {} }, WEBHOOK_SECRET));
      expect(notPush).toMatchObject({ status: 400, json: { error: { code: 'BAD_PAYLOAD' } } });
      expect((notPush.json as { error: { message: string } }).error.message).toMatch(/^not a github push event: after: /);
      expect(submissions()).toEqual([]);
    });

    it('answers ping, ignores other events, other branches and deleted branches', async () => {
      expect(await post(base, '/webhooks/github', githubRequest({ zen: 'Keep it logically awesome.', hook_id: 1 }, WEBHOOK_SECRET, 'ping'))).toMatchObject({ status: 200, json: { status: 'pong' } });
      expect(await post(base, '/webhooks/github', githubRequest({ action: 'opened' }, WEBHOOK_SECRET, 'issues'))).toMatchObject({ status: 202, json: { status: 'ignored' } });
      const other = githubRequest({ ...payload(), ref: 'refs/heads/experiment' }, WEBHOOK_SECRET);
      expect(await post(base, '/webhooks/github', other)).toMatchObject({ status: 202, json: { status: 'ignored', message: 'push to refs/heads/experiment; grading follows refs/heads/main of alice' } });
      const tag = githubRequest({ ...payload(), ref: 'refs/tags/v1' }, WEBHOOK_SECRET);
      expect((await post(base, '/webhooks/github', tag)).json).toMatchObject({ status: 'ignored' });
      const deleted = githubRequest(githubPushPayload({ cloneUrl: 'https://github.com/nn2/alice.git', after: '0'.repeat(40), deleted: true }), WEBHOOK_SECRET);
      expect(await post(base, '/webhooks/github', deleted)).toMatchObject({ status: 202, json: { status: 'ignored', message: 'branch main of alice was deleted; nothing to grade' } });
      expect(submissions()).toEqual([]);
    });

    it('accepts the form-encoded content type', async () => {
      const body = new URLSearchParams({ payload: JSON.stringify(payload(B)) }).toString();
      const req = githubRawRequest(body, WEBHOOK_SECRET, 'push', 'form-1', 'application/x-www-form-urlencoded');
      expect(await post(base, '/webhooks/github', req)).toMatchObject({ status: 202, json: { status: 'queued', commit: B } });
    });

    it('refuses a body over the limit', async () => {
      const req = githubRequest({ pad: 'x'.repeat(6 * 1024 * 1024) }, WEBHOOK_SECRET);
      expect(await post(base, '/webhooks/github', req)).toMatchObject({ status: 413, json: { error: { code: 'BODY_TOO_LARGE' } } });
    });
  });

  describe('GitLab', () => {
    const payload = (after = A) => gitlabPushPayload({ httpUrl: 'https://gitlab.example.org/nn2/bob.git', sshUrl: 'git@gitlab.example.org:nn2/bob.git', webUrl: 'https://gitlab.example.org/nn2/bob', after });

    it('checks X-Gitlab-Token and records the push', async () => {
      expect(await post(base, '/webhooks/gitlab', gitlabRequest(payload(), WEBHOOK_SECRET))).toMatchObject({ status: 202, json: { status: 'queued', student: 'bob' } });
      expect(await post(base, '/webhooks/gitlab', gitlabRequest(payload(B), 'wrong-token-wrong-token'))).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_INVALID' } } });
      expect(await post(base, '/webhooks/gitlab', gitlabRequest(payload(B), ''))).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_MISSING' } } });
      expect(submissions()).toEqual([['bob', A, 'gitlab']]);
    });

    it('ignores tag pushes and deleted branches', async () => {
      expect((await post(base, '/webhooks/gitlab', gitlabRequest(payload(), WEBHOOK_SECRET, 'Tag Push Hook'))).json).toMatchObject({ status: 'ignored' });
      expect((await post(base, '/webhooks/gitlab', gitlabRequest(payload('0'.repeat(40)), WEBHOOK_SECRET))).json).toMatchObject({ status: 'ignored' });
      expect(submissions()).toEqual([]);
    });
  });

  describe('Gitea and Forgejo', () => {
    it('checks X-Gitea-Signature', async () => {
      const payload = giteaPushPayload({ cloneUrl: 'https://gitea.example.org/nn2/carol.git', ref: 'refs/heads/solutions', after: A });
      expect(await post(base, '/webhooks/gitea', giteaRequest(payload, WEBHOOK_SECRET))).toMatchObject({ status: 202, json: { status: 'queued', student: 'carol' } });
      const forged = giteaRequest({ ...payload, after: B }, 'x'.repeat(20));
      expect(await post(base, '/webhooks/gitea', forged)).toMatchObject({ status: 401 });
      expect(submissions()).toEqual([['carol', A, 'gitea']]);
    });

    it('checks X-Forgejo-Signature', async () => {
      const payload = giteaPushPayload({ cloneUrl: 'https://codeberg.org/nn2/dave.git', after: A });
      expect(await post(base, '/webhooks/forgejo', forgejoRequest(payload, WEBHOOK_SECRET))).toMatchObject({ status: 202, json: { status: 'queued', student: 'dave' } });
      expect((await post(base, '/webhooks/forgejo', forgejoRequest({ ...payload, after: B }, 'y'.repeat(20)))).status).toBe(401);
      expect(submissions()).toEqual([['dave', A, 'forgejo']]);
    });
  });

  describe('the shared /webhooks URL', () => {
    it('tells the hosts apart by their headers', async () => {
      await post(base, '/webhooks', githubRequest(githubPushPayload({ cloneUrl: 'https://github.com/nn2/alice.git', after: A }), WEBHOOK_SECRET));
      await post(base, '/webhooks', gitlabRequest(gitlabPushPayload({ httpUrl: 'https://gitlab.example.org/nn2/bob.git', after: A }), WEBHOOK_SECRET));
      await post(base, '/webhooks', giteaRequest(giteaPushPayload({ cloneUrl: 'https://gitea.example.org/nn2/carol.git', ref: 'refs/heads/solutions', after: A }), WEBHOOK_SECRET));
      await post(base, '/webhooks', forgejoRequest(giteaPushPayload({ cloneUrl: 'https://codeberg.org/nn2/dave.git', after: A }), WEBHOOK_SECRET));
      expect(submissions()).toEqual([
        ['alice', A, 'github'],
        ['bob', A, 'gitlab'],
        ['carol', A, 'gitea'],
        ['dave', A, 'forgejo'],
      ]);
    });

    it('answers 401 to an unsigned request', async () => {
      const res = await post(base, '/webhooks', { headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res).toMatchObject({ status: 401, json: { error: { code: 'UNKNOWN_PROVIDER' } } });
    });
  });

  describe('other routes', () => {
    it('health, instructor status behind the token, JSON 404', async () => {
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true, course: 'nn2' });
      expect((await fetch(`${base}/api/status`)).status).toBe(401);
      expect((await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const status = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${INSTRUCTOR_TOKEN}` } });
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ course: 'nn2', mode: 'local', queue: { queued: 0 } });
      const missing = await fetch(`${base}/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such page: GET /nope' } });
    });

    it('has a status for every error code', () => {
      for (const [code, e] of Object.entries(HTTP_ERRORS)) {
        expect([400, 401, 404, 413, 500]).toContain(e.status);
        expect(code).toMatch(/^[A-Z_]+$/);
      }
    });
  });
});

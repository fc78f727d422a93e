/**
 * Personal instructor/TA tokens over real HTTP: sign in and API access per person, revoking
 * one person ends their sessions and bearer access while others keep theirs, overrides and
 * releases record who did them, and the shared token works only while
 * legacySharedToken allows it.
 */
import request from 'supertest';
import { JobQueue } from '../../grader/queue/job-queue';
import { InstructorRecords } from '../../grader/store/instructor-records';
import { StaffTokens } from '../../grader/store/staff-tokens';
import { SHARED_TOKEN_ACTOR } from '../../server/auth/staff';
import { INSTRUCTOR_TOKEN } from '../repo/git-helpers';
import { courseApp, type CourseApp } from './course-app';

function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (m === null) throw new Error('no CSRF token on the page');
  return m[1];
}

/** A signed-in browser: the agent and a CSRF token from the dashboard. */
async function signIn(c: CourseApp, token: string) {
  const agent = request.agent(c.app);
  const res = await agent.post('/signin').type('form').send({ token, next: '/dashboard' });
  expect(res.status).toBe(303);
  const dashboard = await agent.get('/dashboard');
  expect(dashboard.status).toBe(200);
  return { agent, csrf: csrfOf(dashboard.text) };
}

/** A graded job for alice (a real row through the queue), so there is a score to override. */
function gradedJob(c: CourseApp): number {
  const queue = new JobQueue(c.service.store);
  const { submission } = c.service.store.recordSubmission({ studentId: 'alice', commit: 'a'.repeat(40), branch: 'main', source: 'poll', receivedAt: 1000 });
  const [job] = queue.addJobs(submission, [{ assignmentId: 'demo-add', treeSha: 'b'.repeat(40), daysLate: 0 }], 1000);
  queue.claim('test', 1000);
  const result = { assignment: 'demo-add', status: 'graded', score: 5, max_score: 10, tests: [] };
  expect(
    queue.complete(job.id, {
      status: 'graded', score: 5, maxScore: 10, penaltyPercent: 0, finalScore: 5, backend: 'cpu', dataset: null, graderVersion: 'test', worker: 'test',
      queueMs: 0, fetchMs: null, exportMs: null, gradeMs: null, totalMs: 0, storedAt: 2000, resultJson: JSON.stringify(result),
    }),
  ).toBe('stored');
  return job.id;
}

describe('personal tokens', () => {
  let c: CourseApp;
  let tokens: StaffTokens;
  let records: InstructorRecords;
  beforeEach(() => {
    c = courseApp('staff-http');
    tokens = new StaffTokens(c.db);
    records = new InstructorRecords(c.db);
  });
  afterEach(() => c.close());

  it('record who overrode and who released; revoking one person leaves the others signed in', async () => {
    const anna = tokens.issue('Anna', 'instructor', Date.now()).token;
    const ben = tokens.issue('Ben', 'ta', Date.now()).token;
    const jobId = gradedJob(c);

    const a = await signIn(c, anna);
    const b = await signIn(c, ben);
    expect((await a.agent.get('/dashboard')).text).toContain('<span class="signed-in-as">Anna</span>');
    expect((await a.agent.post(`/reports/${jobId}/override`).type('form').send({ _csrf: a.csrf, score: '9', comment: 'reviewed by hand' })).status).toBe(303);
    expect((await b.agent.post('/assignments/demo-add/release').type('form').send({ _csrf: b.csrf })).status).toBe(303);
    expect(records.listOverrides(jobId).map((o) => [o.score, o.created_by])).toEqual([[9, 'Anna']]);
    expect(records.releases().get('demo-add')?.released_by).toBe('Ben');
    // The report shows the override's author.
    expect((await a.agent.get(`/reports/${jobId}`)).text).toContain('Anna');

    // Bearer tokens per person.
    expect((await request(c.app).get('/api/status').set('Authorization', `Bearer ${anna}`)).status).toBe(200);

    tokens.revoke('Anna', Date.now());
    const after = await a.agent.get('/dashboard');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/signin/);
    expect((await a.agent.post('/assignments/demo-add/unrelease').type('form').send({ _csrf: a.csrf })).status).toBe(401);
    expect((await request(c.app).get('/api/status').set('Authorization', `Bearer ${anna}`)).status).toBe(401);
    expect((await request(c.app).post('/signin').type('form').send({ token: anna })).status).toBe(401);
    expect(records.releases().has('demo-add')).toBe(true);
    // Ben is untouched.
    expect((await b.agent.get('/dashboard')).status).toBe(200);
    expect((await request(c.app).get('/export/links.csv').set('Authorization', `Bearer ${ben}`)).status).toBe(200);
  });

  it('the shared token still signs in (legacy) and its actions are recorded as such', async () => {
    const jobId = gradedJob(c);
    const shared = await signIn(c, INSTRUCTOR_TOKEN);
    await shared.agent.post(`/reports/${jobId}/override`).type('form').send({ _csrf: shared.csrf, score: '7', comment: 'ok' });
    expect(records.listOverrides(jobId).map((o) => o.created_by)).toEqual([SHARED_TOKEN_ACTOR]);
  });
});

describe('legacySharedToken: false', () => {
  it('refuses the shared token for sign-in, sessions and bearer calls, and lets personal tokens in', async () => {
    const c = courseApp('staff-no-legacy', { extra: { legacySharedToken: false } });
    try {
      expect((await request(c.app).post('/signin').type('form').send({ token: INSTRUCTOR_TOKEN })).status).toBe(401);
      expect((await request(c.app).get('/api/status').set('Authorization', `Bearer ${INSTRUCTOR_TOKEN}`)).status).toBe(401);
      const anna = new StaffTokens(c.db).issue('Anna', 'instructor', Date.now()).token;
      const a = await signIn(c, anna);
      expect((await a.agent.get('/export/links.csv')).status).toBe(200);
    } finally {
      c.close();
    }
  });

  it('ends sessions opened with the shared token when the course turns it off', async () => {
    const open = courseApp('staff-legacy-on');
    try {
      const shared = await signIn(open, INSTRUCTOR_TOKEN);
      const cookie = String((await shared.agent.post('/signin').type('form').send({ token: INSTRUCTOR_TOKEN })).headers['set-cookie']).split(';')[0];
      const closed = courseApp('staff-legacy-off', { extra: { legacySharedToken: false } });
      try {
        // Same token, same keys: the cookie is genuine, but the shared token no longer signs in.
        const res = await request(closed.app).get('/dashboard').set('Cookie', cookie);
        expect(res.status).toBe(303);
        expect((await request(open.app).get('/dashboard').set('Cookie', cookie)).status).toBe(200);
      } finally {
        closed.close();
      }
    } finally {
      open.close();
    }
  });
});
